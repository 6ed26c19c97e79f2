#include "launcher/elf_size.h"

#include <elf.h>

#include <algorithm>
#include <cstring>

namespace freeze::launcher {

std::optional<std::uint64_t> elf_file_size(std::span<const unsigned char> file) {
  Elf64_Ehdr header;
  if (file.size() < sizeof header) return std::nullopt;
  std::memcpy(&header, file.data(), sizeof header);
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 || header.e_ident[EI_CLASS] != ELFCLASS64) return std::nullopt;
  std::uint64_t end = header.e_shoff + std::uint64_t{header.e_shnum} * header.e_shentsize;
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    const std::uint64_t at = header.e_phoff + std::uint64_t{i} * header.e_phentsize;
    if (at + sizeof(Elf64_Phdr) > file.size()) return std::nullopt;
    Elf64_Phdr segment;
    std::memcpy(&segment, file.data() + at, sizeof segment);
    end = std::max<std::uint64_t>(end, segment.p_offset + segment.p_filesz);
  }
  return end;
}

}  // namespace freeze::launcher

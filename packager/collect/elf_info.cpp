#include "packager/collect/elf_info.h"

#include <elf.h>

#include <cstring>

namespace freeze::packager {
namespace {

template <typename T>
bool read_at(std::string_view file, std::uint64_t offset, T* out) {
  if (offset > file.size() || sizeof(T) > file.size() - offset) return false;
  std::memcpy(out, file.data() + offset, sizeof(T));
  return true;
}

}  // namespace

std::optional<ElfDynamicInfo> read_elf_dynamic_info(std::string_view file) {
  Elf64_Ehdr header;
  if (!read_at(file, 0, &header) || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
      header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_ident[EI_DATA] != ELFDATA2LSB) {
    return std::nullopt;
  }
  std::vector<Elf64_Phdr> loads;
  std::optional<Elf64_Phdr> dynamic;
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment;
    if (!read_at(file, header.e_phoff + std::uint64_t{i} * header.e_phentsize, &segment)) return std::nullopt;
    if (segment.p_type == PT_LOAD) loads.push_back(segment);
    if (segment.p_type == PT_DYNAMIC) dynamic = segment;
  }
  if (!dynamic) return ElfDynamicInfo{};  // statically linked: needs nothing

  std::vector<std::uint64_t> needed_offsets;
  std::optional<std::uint64_t> soname_offset;
  std::uint64_t strtab_address = 0;
  std::uint64_t strtab_size = 0;
  for (std::uint64_t at = dynamic->p_offset; at + sizeof(Elf64_Dyn) <= dynamic->p_offset + dynamic->p_filesz;
       at += sizeof(Elf64_Dyn)) {
    Elf64_Dyn entry;
    if (!read_at(file, at, &entry)) return std::nullopt;
    if (entry.d_tag == DT_NULL) break;
    if (entry.d_tag == DT_NEEDED) needed_offsets.push_back(entry.d_un.d_val);
    if (entry.d_tag == DT_SONAME) soname_offset = entry.d_un.d_val;
    if (entry.d_tag == DT_STRTAB) strtab_address = entry.d_un.d_ptr;
    if (entry.d_tag == DT_STRSZ) strtab_size = entry.d_un.d_val;
  }
  // DT_STRTAB is a virtual address: find the file offset through the loadable segments.
  std::optional<std::uint64_t> strtab;
  for (const auto& load : loads) {
    if (strtab_address >= load.p_vaddr && strtab_address < load.p_vaddr + load.p_filesz) {
      strtab = load.p_offset + (strtab_address - load.p_vaddr);
    }
  }
  if (!strtab || *strtab > file.size()) return std::nullopt;
  const std::string_view table = file.substr(*strtab, std::min<std::uint64_t>(strtab_size, file.size() - *strtab));
  auto string_at = [&table](std::uint64_t offset) -> std::optional<std::string> {
    if (offset >= table.size()) return std::nullopt;
    const auto end = table.find('\0', offset);
    if (end == std::string_view::npos) return std::nullopt;
    return std::string(table.substr(offset, end - offset));
  };
  ElfDynamicInfo info;
  for (const auto offset : needed_offsets) {
    auto name = string_at(offset);
    if (!name) return std::nullopt;
    info.needed.push_back(std::move(*name));
  }
  if (soname_offset) {
    auto name = string_at(*soname_offset);
    if (!name) return std::nullopt;
    info.soname = std::move(*name);
  }
  return info;
}

}  // namespace freeze::packager

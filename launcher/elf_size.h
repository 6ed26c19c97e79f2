// The size an ELF file's own structures account for: anything past it was appended.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace freeze::launcher {

// End of the last section header table or segment, or nullopt if `file` is not a 64-bit ELF.
std::optional<std::uint64_t> elf_file_size(std::span<const unsigned char> file);

}  // namespace freeze::launcher

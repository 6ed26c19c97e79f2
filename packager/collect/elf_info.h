// The dynamic-linking facts of an ELF shared object that freeze needs: which libraries it
// needs (DT_NEEDED) and the name it answers to (DT_SONAME). Reads bytes defensively: a
// malformed file gives nullopt, never a read out of bounds.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace freeze::packager {

struct ElfDynamicInfo {
  std::string soname;
  std::vector<std::string> needed;
};

std::optional<ElfDynamicInfo> read_elf_dynamic_info(std::string_view file);

}  // namespace freeze::packager

// The dynamic-linking facts of an ELF shared object that freeze needs: which libraries it
// needs (DT_NEEDED), the name it answers to (DT_SONAME) and the symbol versions it needs from
// its libraries (DT_VERNEED: "GLIBC_2.34" from libc.so.6). Reads bytes defensively: a malformed
// file gives nullopt, never a read out of bounds.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace freeze::packager {

// One entry of the version-needed table: the dynamic loader refuses the object unless `file`
// defines `version` ("version `GLIBC_2.38' not found").
struct ElfVersionNeed {
  std::string file;     // "libc.so.6"
  std::string version;  // "GLIBC_2.34"
};

struct ElfDynamicInfo {
  std::string soname;
  std::vector<std::string> needed;
  std::vector<ElfVersionNeed> version_needs;
};

std::optional<ElfDynamicInfo> read_elf_dynamic_info(std::string_view file);

}  // namespace freeze::packager

// The dynamic-linking facts of an ELF shared object that freeze needs: which libraries it
// needs (DT_NEEDED), the name it answers to (DT_SONAME), where it looks for them (DT_RUNPATH,
// or DT_RPATH without one) and the symbol versions it needs from its libraries (DT_VERNEED:
// "GLIBC_2.34" from libc.so.6). Read by the packager (bundling, glibc requirements, routing)
// and by the launcher (a library loaded by its path from memory, and the ones beside it it
// needs). Reads bytes defensively: a malformed file gives nullopt, never a read out of bounds.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace freeze::elf {

// One entry of the version-needed table: the dynamic loader refuses the object unless `file`
// defines `version` ("version `GLIBC_2.38' not found").
struct VersionNeed {
  std::string file;     // "libc.so.6"
  std::string version;  // "GLIBC_2.34"
};

struct DynamicInfo {
  std::string soname;
  std::vector<std::string> needed;
  // The directories searched for `needed`, as written ("$ORIGIN/../lib"): DT_RUNPATH's, or
  // DT_RPATH's when there is no DT_RUNPATH (the dynamic loader then ignores DT_RPATH).
  std::vector<std::string> run_path;
  std::vector<VersionNeed> version_needs;
};

std::optional<DynamicInfo> read_dynamic_info(std::string_view file);

// A run path entry with the directory of the object that has it, `origin`, for $ORIGIN (or
// ${ORIGIN}), as the dynamic loader expands it: "$ORIGIN/../lib" -> origin + "/../lib"
// (not normalised). Empty for an entry with another token ($LIB, $PLATFORM: they name no
// directory of freeze's installation).
std::string expand_origin(std::string_view entry, std::string_view origin);

}  // namespace freeze::elf

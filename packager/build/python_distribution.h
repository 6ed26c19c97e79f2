// A CPython distribution built by distribution/freeze_distribution.py (static, LTO, every
// stdlib extension module builtin, built against glibc 2.31), chosen with
// [python] distribution = "DIR" or `freeze build --distribution DIR`. Its launcher, its stdlib
// and its builtin module list replace Debian's; bytecode is still compiled by the packager's
// embedded CPython, so only a distribution of the same version (3.11) is accepted.
#pragma once

#include <filesystem>
#include <set>
#include <string>

namespace freeze::packager {

struct PythonDistribution {
  std::filesystem::path dir;
  std::string version;                     // "3.11.2", from manifest.json
  std::set<std::string> builtin_modules;   // sys.builtin_module_names of its interpreter
  std::filesystem::path launcher;          // DIR/bin/freeze-launcher
  std::filesystem::path stdlib_dir;        // DIR/lib/python3.X
};

// Reads DIR/manifest.json; throws UserError naming `origin` (the config key or option that
// chose DIR) for a directory that is not a distribution, has no launcher, or holds another
// CPython version than the packager's.
PythonDistribution load_distribution(const std::filesystem::path& dir, const std::string& origin);

}  // namespace freeze::packager

// A CPython distribution built by distribution/freeze_distribution.py (static, LTO, every
// stdlib extension module builtin, built against glibc 2.31), chosen with
// [python] distribution = "DIR" or `freeze build --distribution DIR`. Its launcher, its stdlib
// and its builtin module list replace Debian's, and its own interpreter compiles the app's
// bytecode (PythonProcess): any version the launcher can be built against.
#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "packager/config/app_config.h"
#include "packager/config/python_version.h"

namespace freeze::packager {

struct PythonDistribution {
  std::filesystem::path dir;
  PythonVersion version;                   // from manifest.json ("3.13.5")
  std::set<std::string> builtin_modules;   // sys.builtin_module_names of its interpreter
  std::filesystem::path launcher;          // DIR/bin/freeze-launcher
  std::filesystem::path stdlib_dir;        // DIR/lib/python3.X
  std::filesystem::path interpreter;       // DIR/bin/python3.X
  std::string magic_number;                // importlib.util.MAGIC_NUMBER, as bytes
};

// Reads DIR/manifest.json; throws UserError naming `origin` (the config key or option that
// chose DIR) for a directory that is not a distribution or lacks its launcher, interpreter or stdlib.
PythonDistribution load_distribution(const std::filesystem::path& dir, const std::string& origin);

// Every complete distribution in <cache>/distributions (build_cache.h: default_cache_directory),
// newest release first, and of one release the one built last.
std::vector<PythonDistribution> cached_distributions();

// The distribution of CPython `version` ("3.13") that distribution/freeze_distribution.py built
// into <cache>/distributions (build_cache.h: default_cache_directory), with its launcher: the
// newest release of that version if several are. Throws UserError naming `origin` and saying how
// to build one when there is none.
PythonDistribution find_distribution(const std::string& version, const std::string& origin);

// Whether the distribution's launcher was built from this freeze's launcher sources (one that
// was not built by the builder, with no launcher-source.key, is taken as it is); the key it was.
bool launcher_is_current(const PythonDistribution& distribution);
std::string launcher_source_key(const PythonDistribution& distribution);

// The distribution a build uses: --distribution (`option`), else [python] distribution, else a
// cached one of [python] version unless that is the embedded version; nothing for Debian's
// CPython. Throws UserError when the chosen one is not of the version asked for.
std::optional<PythonDistribution> chosen_distribution(const AppConfig& config,
                                                      const std::optional<std::filesystem::path>& option);

}  // namespace freeze::packager

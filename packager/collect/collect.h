// The collecting stage: every resource an app.toml asks for, the stdlib selection (modules,
// data, lib-dynload extension modules), the [packages] paths, site-packages directories and
// wheels, then what follows from them: the entry point resolved, the unreachable stdlib
// dropped ([stdlib] include = "reachable"), the system libraries bundled and the libraries
// each native resource needs.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "packager/config/app_config.h"
#include "packager/collect/distributions.h"
#include "packager/build/resource.h"
#include "packager/build/target_python.h"

namespace freeze::packager {

struct Collection {
  std::vector<Resource> resources;
  std::vector<Distribution> distributions;  // those included
  std::vector<Distribution> left_out;       // installed in a site_packages dir, but not included
};

struct CollectOptions {
  TargetPython& python;              // the CPython the app is frozen for: its stdlib, its version
  std::filesystem::path output_dir;  // never collected from (an app tree may contain it)
  std::vector<std::string> why;      // modules whose inclusion to explain (build --why)
  // Stdlib extension modules the launcher has built in (a freeze-built distribution's): a
  // lib-dynload copy of one is not collected, nor the system libraries it would bring along.
  std::set<std::string> builtin_extensions;
};

// The whole stage, for a build. Sets the config's entry module for entry = "console_script:NAME".
// Throws UserError.
std::vector<Resource> collect(AppConfig& config, const CollectOptions& options);

// Its first step: the files of the trees the config names, each at its place in the
// installation, duplicates settled. Throws UserError, listing every missing or conflicting item at once.
// `output_dir` is never collected from (an app tree may contain it). `python`: the version the
// app is frozen for, which places the trees (lib/python3.X/...) and names extension modules.
Collection collect_resources(const AppConfig& config, const std::filesystem::path& stdlib_dir,
                             const std::filesystem::path& output_dir,
                             const PythonVersion& python = PythonVersion::embedded());

// The stdlib in `stdlib_dir` as a build with [stdlib]'s defaults collects it (include = "all",
// the default exclusions), whatever the app: what the build's zstd dictionaries are trained on
// (stdlib_dictionaries.h).
std::vector<Resource> default_stdlib(const std::filesystem::path& stdlib_dir,
                                     const PythonVersion& python = PythonVersion::embedded());

}  // namespace freeze::packager

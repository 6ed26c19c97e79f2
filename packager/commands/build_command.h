// `freeze build`: app.toml in, one executable out.
#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "packager/collect/reachable_packages.h"
#include "packager/collect/uncollected_imports.h"

namespace freeze::packager {

struct BuildOptions {
  std::filesystem::path config_file = "app.toml";
  std::optional<std::filesystem::path> output_dir;  // default: dist/ beside the config
  int compression_level = 12;
  bool use_cache = true;  // reuse compiled and compressed resources from earlier builds
  std::vector<std::string> why;  // modules whose inclusion to explain ([stdlib] include = "reachable")
  std::optional<std::filesystem::path> distribution;  // --distribution: overrides [python] distribution
  // freeze check: the app's own entry (its copy runs the checking program instead), from which
  // BuildResult.reachable is found. Without it nothing is computed.
  struct AppEntry {
    std::string module;          // app.entry's module
    std::string console_script;  // or its console script
    std::string code;            // or app.code
    bool runs_as_main = false;   // the module is run as a script (entry = "module")
  };
  std::optional<AppEntry> reachable_from;
};

struct BuildResult {
  std::filesystem::path executable;
  std::size_t module_count = 0;
  std::size_t size = 0;
  ImportsLeftOut imports_left_out;  // uncollected ones are warned about; freeze check includes them
  std::optional<std::set<std::string>> reachable;  // with reachable_from: reachable_third_party()
};

// Throws UserError.
BuildResult build(const BuildOptions& options);

// The launcher stub that frozen executables start from: beside the freeze binary, or in
// ../libexec/freeze/ for an installed tree. Throws UserError.
std::filesystem::path find_launcher();

// The directory of the running freeze executable (/proc/self/exe). Throws UserError.
std::filesystem::path self_directory();

}  // namespace freeze::packager

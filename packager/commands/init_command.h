// `freeze init [DIR]`: writes a commented app.toml for the project in DIR. It reads
// pyproject.toml when there is one ([project] name -> app.name, [project.scripts] -> app.entry,
// [project] dependencies -> site_packages from this machine), else finds the single top-level
// package or module (in src/ or DIR). It never overwrites a file.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace freeze::packager {

struct InitOptions {
  std::filesystem::path directory = ".";
  std::string name;   // overrides the detected executable name
  std::string entry;  // overrides the detected entry point
};

struct InitResult {
  std::filesystem::path config_file;
  std::string text;  // what was written
};

// Throws UserError (an existing app.toml, nothing to freeze found, an ambiguous entry).
InitResult init_project(const InitOptions& options);

// Where `freeze build` and `freeze check` look for a config: `given` if it is a file; in a
// directory (`given`, or the current one when empty) app.toml, else a pyproject.toml with a
// [tool.freeze] table. Throws UserError saying what to do when there is none.
std::filesystem::path find_config(const std::filesystem::path& given);

}  // namespace freeze::packager

// app.toml: what to freeze and how. Parsed with toml++ and validated strictly: an unknown key,
// a wrong type or a missing path is a UserError naming the file, line and key.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "packager/build/routing.h"
#include "packager/config/python_names.h"  // is_identifier, is_dotted_name (used with the config)

namespace freeze::packager {

enum class StdlibInclude { All, None, Reachable };

struct AppConfig {
  std::filesystem::path config_file;  // absolute
  std::filesystem::path base_dir;     // relative paths in the file are relative to this
  std::string key_prefix;             // "tool.freeze." for a pyproject.toml, in messages

  // [app]
  std::string name;            // executable name
  std::string entry_module;    // from entry = "module[:function]"
  std::string entry_function;  // empty: run entry_module as __main__
  std::string code;            // alternative to entry
  std::string console_script;  // from entry = "console_script:NAME", resolved after collection
  // [app] commands: more programs in the one executable, each run instead of the entry when the
  // executable is started under its name (argv[0]'s file name: a symlink or hard link to it,
  // which the build writes beside it). Its entry is written and resolved as app.entry's.
  struct Command {
    std::string name;
    std::string entry_module;
    std::string entry_function;  // empty: run entry_module as __main__
    std::string console_script;
  };
  std::vector<Command> commands;

  // [python]
  bool isolated = true;
  int optimize = 0;
  bool interpreter = false;  // also accept python's command line (-c, -m, script, options)
  bool unbuffered = false;   // stdio unbuffered, as python -u
  bool frozen = true;        // sys.frozen = True (false: unset, as under python)
  bool site = false;         // import site at start-up, as python without -S (false: python -S, plus site's builtins)
  std::filesystem::path distribution;  // absolute; empty: Debian's CPython, the one freeze embeds
  std::string python_version;          // [python] version, "3.13"; empty: not asked for

  // [stdlib]
  StdlibInclude stdlib_include = StdlibInclude::All;
  std::vector<std::string> stdlib_exclude;
  std::vector<std::string> stdlib_add;  // with "reachable": modules imported dynamically

  // [packages]
  std::vector<std::filesystem::path> package_paths;  // absolute
  // Globs on paths below a package_paths directory: its files that belong to no package (a
  // top-level "data/" directory, "app.conf"), shipped at their place all the same.
  std::vector<std::string> package_data_files;
  struct SitePackages {
    std::filesystem::path dir;          // absolute
    std::vector<std::string> include;   // top-level packages/modules to take from it
  };
  std::vector<SitePackages> site_packages;
  std::vector<std::filesystem::path> wheels;  // absolute, globs expanded
  bool bundle_system_libraries = true;  // libssl & co. that extension modules need
  // Dotted names or fnmatch globs: modules of the app and its packages left out of the build,
  // each with everything below it (its submodules and package data): "*.tests", a drop-in.
  std::vector<std::string> packages_exclude;

  // [routing]
  RoutingPolicy routing;
};

std::vector<std::string> default_stdlib_exclude();

// The default [stdlib] exclude without `pattern`, to paste when the app needs what it leaves
// out; tkinter and _tkinter go together (one is of no use without the other).
std::vector<std::string> default_stdlib_exclude_without(const std::string& pattern);

// Throws UserError. `file` is an app.toml, or a pyproject.toml whose [tool.freeze] table holds
// the same tables ([tool.freeze.app], ...); there [app] name and entry default to [project]
// name and its [project.scripts] entry (the only one, or the one named like the project).
AppConfig load_app_config(const std::filesystem::path& file);

// True for a file named pyproject.toml (read through [tool.freeze]).
bool is_pyproject(const std::filesystem::path& file);

}  // namespace freeze::packager

// app.toml: what to freeze and how. Parsed with toml++ and validated strictly: an unknown key,
// a wrong type or a missing path is a UserError naming the file, line and key.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "routing.h"

namespace freeze::packager {

enum class StdlibInclude { All, None };

struct AppConfig {
  std::filesystem::path config_file;  // absolute
  std::filesystem::path base_dir;     // relative paths in the file are relative to this

  // [app]
  std::string name;            // executable name
  std::string entry_module;    // from entry = "module[:function]"
  std::string entry_function;  // empty: run entry_module as __main__
  std::string code;            // alternative to entry
  std::string console_script;  // from entry = "console_script:NAME", resolved after collection

  // [python]
  bool isolated = true;
  int optimize = 0;

  // [stdlib]
  StdlibInclude stdlib_include = StdlibInclude::All;
  std::vector<std::string> stdlib_exclude;

  // [packages]
  std::vector<std::filesystem::path> package_paths;  // absolute
  struct SitePackages {
    std::filesystem::path dir;          // absolute
    std::vector<std::string> include;   // top-level packages/modules to take from it
  };
  std::vector<SitePackages> site_packages;
  std::vector<std::filesystem::path> wheels;  // absolute, globs expanded
  bool bundle_system_libraries = true;  // libssl & co. that extension modules need

  // [routing]
  RoutingPolicy routing;
};

std::vector<std::string> default_stdlib_exclude();

// Throws UserError.
AppConfig load_app_config(const std::filesystem::path& file);

// Python-style dotted name: identifiers separated by dots.
bool is_dotted_name(std::string_view name);
bool is_identifier(std::string_view name);

}  // namespace freeze::packager

// The hint `freeze check` gives with each failure: what the failure means for this app and
// what to change (a site_packages include, a routing rule, an apt package, a stdlib setting),
// decided from what the executable includes and what this machine has installed.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "packager/commands/check/check_model.h"
#include "packager/commands/inspect_command.h"
#include "packager/config/app_config.h"
#include "packager/config/python_version.h"

namespace freeze::packager::checks {

// What the hints are decided from.
struct HintContext {
  const AppConfig& config;
  const Inspection& inspection;
  std::set<std::string> included_modules;
  std::set<std::string> included_tops;
  std::filesystem::path exe_dir;
  std::filesystem::path stdlib_dir;
  PythonVersion python;      // the CPython the app is frozen for
  bool debian_python = true;  // Debian's (the embedded one), not a distribution freeze built
  bool debian_packages_fit = true;  // its version is Debian's (3.11): Debian's dist-packages are for it
  std::filesystem::path interpreter;       // its python3.X: the distribution's, or Debian's /usr/bin one
  struct Package {
    std::string name;
    bool in_memory = false;
  };
  std::map<std::string, Package> package_dirs;  // "<exe dir>/.../blib2to3" -> blib2to3
  bool files_readable = false;                  // embedded files can be opened by path
  // Optional imports installed here but not included (optional_installed() in completion.h):
  // each package, with the top-level packages of the checks that tried it ("" for the entry).
  std::map<std::string, std::set<std::string>> optional_installed;
  // Test tools the app's entry point cannot start without (sqlfluff's __init__ imports pytest):
  // for this app they are a dependency like any other (note_test_tools_the_entry_needs).
  std::set<std::string> app_test_tools;
};

HintContext hint_context(const AppConfig& config, const std::optional<std::filesystem::path>& distribution_option,
                         const Inspection& inspection, const std::filesystem::path& executable, bool files_readable);

std::string hint_for(const Item& item, const Outcome& outcome, const HintContext& context);

// The site directory a missing top-level module `top` can be taken from: one of the config's
// site_packages directories, or (for a CPython of Debian's version, 3.11) Debian's own.
std::optional<std::filesystem::path> installed_site_of(const std::string& top, const HintContext& context);

// The directories installed_site_of looks in, in its order.
std::vector<std::filesystem::path> installed_site_dirs(const HintContext& context);

// Whether top-level module `top` is in the standard library of the CPython frozen for.
bool in_stdlib(const std::string& top, const HintContext& context);

// Whether `top` is a test tool (pytest & co.) that the app does not need: a module that misses
// it is test code, and it is never suggested.
bool is_optional_test_tool(const std::string& top, const HintContext& context);

// The test tools that are optional for this app (test_tools() without context.app_test_tools).
std::set<std::string> optional_test_tools(const HintContext& context);

// Adds to context.app_test_tools the test tools whose absence fails the entry-point check.
void note_test_tools_the_entry_needs(const Plan& plan, const std::vector<Outcome>& outcomes, HintContext& context);

}  // namespace freeze::packager::checks

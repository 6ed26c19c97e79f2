// What `freeze check` works on: the checks it plans (one Item each, run by the checking
// program inside a verification copy of the app), what each came to (Outcome), and what it
// leaves out, saying why (Skipped).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "packager/collect/entry_point_plugins.h"

namespace freeze::packager::checks {

struct Item {
  std::string kind;  // entry, module, resource, metadata, entry_point (a plugin), plugin (one not included)
  std::string name;  // what the report calls it
  std::vector<std::string> args;  // for the checking program
  std::string location;           // where it was routed, in words
  std::string top_level;
  bool testing_helper = false;  // a failure for want of a test tool is not the app's
  // An installed package's module checked without --tests: if the app does not reach it, a
  // failure for want of a test tool is not the app's either (tox._pytestplugin needs pytest).
  bool test_tools_optional = false;
  bool stdlib = false;          // a module of the standard library
  bool third_party = false;     // a module of an installed package (site_packages, wheels)
};

// The module an entry check's entry point names: app.entry's is `app_entry_module` (a console
// script's, once resolved), a command's the one its args give ("" for a command's console script).
inline std::string entry_check_module(const Item& item, const std::string& app_entry_module) {
  if (item.location == "app.entry") return app_entry_module;
  return item.args.empty() ? "" : item.args[0];
}

// A module no finder found during a check, and the module whose code asked for it ("" when it
// was the checked module itself, or the entry script): mesonbuild.utils.universal tries tqdm,
// whichever check first imports it.
struct NotFoundImport {
  std::string name;
  std::string importer;
};

// A warning shown (let through by the warnings filters) during a check: requests'
// RequestsDependencyWarning when it finds charset_normalizer 3 and no chardet.
struct ShownWarning {
  std::string category;  // "UserWarning", "requests.exceptions.RequestsDependencyWarning"
  std::string message;
  std::string module;  // the module whose code warned, "" if unknown
};

struct Outcome {
  enum class State { NotRun, Passed, Failed, Skipped } state = State::NotRun;
  std::string error_type;
  std::string message;
  std::string where;
  std::string traceback;
  std::string missing_module;  // ImportError.name
  std::string tried_first;     // the import whose ImportError it was raised while handling (its fallback failed)
  std::string fallback_missing;  // the fallback's module, when missing_module became tried_first (blame_first_choices)
  std::string missing_distribution;  // PackageNotFoundError's distribution, when missing_module became its package
  std::string filename;        // OSError.filename
  std::string output;          // what the check printed, for crashes
  std::uint64_t log_offset = 0;  // where its output starts in the log
  std::vector<std::string> warnings;
  std::vector<NotFoundImport> not_found;  // every module no finder found during the check, caught or not
  std::vector<ShownWarning> shown_warnings;  // the warnings python would have printed during the check
  std::string executable_use;          // a module's first line naming sys.executable ("pkg.mod line 12: ...")
  std::string frozen_test;             // a module's first line testing sys.frozen ("pkg.mod line 3: ...")
  std::string program_path;            // an in-memory module's path from __file__, where it starts programs
  bool crashed = false;
  bool timed_out = false;
  std::string hint;  // decided with the outcome (plugins not included), else by hint_for
  bool imports_under_python = false;  // the plain interpreter imports it (set_aside_failures_of_python)

  // `from M import name` found M but not the name in it (ImportError.name is M all the same).
  bool lacks_a_name() const { return error_type == "ImportError" && message.starts_with("cannot import name "); }
};

struct Skipped {
  enum class Why {
    NotImported,       // runs code when imported, needs a display, a test, for Windows, excluded
    FailsUnderPython,  // imported, and failed alike under the plain interpreter
    Integration,       // needs a package its distribution does not require (set_aside_integrations)
    Unreachable,       // needs such a package, imported only optionally if at all (set_aside_unreachable)
    OrderDependent,    // imported alone, it passes (set_aside_order_dependent)
  };
  Skipped(std::string name, std::string reason, Why why = Why::NotImported, std::string needs = {})
      : name(std::move(name)), reason(std::move(reason)), why(why), needs(std::move(needs)) {}
  std::string name;
  std::string reason;
  Why why;
  std::string needs;  // Why::Integration, Unreachable: the installed package it needs
};

struct Plan {
  std::vector<Item> items;
  std::vector<InstalledPlugins> absent;  // plugin distributions the config leaves out
  std::vector<Skipped> skipped;
  std::size_t stdlib_modules_not_imported = 0;
};

}  // namespace freeze::packager::checks

// Imports a module with the plain interpreter an app is frozen for (python3.X, not the frozen
// executable), with the app's packages and site directories in front of its sys.path: how
// `freeze check` tells a failure of the frozen app from one that is the module's own (click's
// _winconsole asserts it runs on Windows, under python as much as frozen).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "packager/commands/check/check_model.h"

namespace freeze::packager::checks {

struct PlainImport {
  enum class State { Imported, Failed, Unknown } state = State::Unknown;  // Unknown: python could not say
  std::string error_type;  // as the checking program names it: "AssertionError", "pkg.errors.Bad"
  std::string message;
  std::string where;  // the innermost frame outside the import system: "/path/file.py:LINE in FUNCTION"
  std::vector<ShownWarning> shown_warnings;  // what python printed as warnings while importing it
};

struct PlainPython {
  std::filesystem::path interpreter;               // python3.X
  std::vector<std::filesystem::path> paths;        // put first on sys.path ([packages] paths)
  std::vector<std::filesystem::path> site_dirs;    // then added as site directories (.pth files read)
  std::filesystem::path scratch;                   // a directory for the result file
  std::chrono::seconds timeout{60};
};

// Each import runs in a fresh process, in `scratch`, without PYTHON* environment variables:
// the checking program (check_script.py) with a one-module manifest, so that python's failure
// is classified by the same code as the frozen app's.
// `refused`: top-level names whose imports fail, as in a frozen app that lacks them.
PlainImport import_under_python(const PlainPython& python, const std::string& module,
                                const std::set<std::string>& refused = {});

// Imports each of `modules` in turn in one fresh process, as the frozen app would: of the site
// directories' packages only `included_tops`, and any other one a module fails without (allowed
// then, and the module imported again) unless it is `never_allowed` (the test tools). Optional
// imports stay refused. For each module, the
// modules its import loaded that none before it had, all layers below it; and for each
// top-level name, the modules outside the stdlib whose code imported from it. Empty if python
// could not say. (The program: needed_imports.py.)
struct LoadedModule {
  std::string name;
  std::filesystem::path file;
};
struct ModuleImport {
  std::string module;
  std::vector<LoadedModule> loaded;
};
struct PythonImports {
  std::vector<ModuleImport> modules;
  std::map<std::string, std::set<std::string>> importers;  // by top-level name imported
};
PythonImports needed_imports(const PlainPython& python, const std::set<std::string>& included_tops,
                             const std::set<std::string>& never_allowed, const std::vector<std::string>& modules);

}  // namespace freeze::packager::checks

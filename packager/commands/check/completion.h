// When failed imports miss packages this machine has installed, `freeze check` includes them
// and checks again, layer by layer, to suggest one site_packages setting that lacks none.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "packager/collect/uncollected_imports.h"
#include "packager/commands/check/check_model.h"
#include "packager/commands/check/hints.h"
#include "packager/commands/check_command.h"
#include "packager/config/app_config.h"

namespace freeze::packager::checks {

// A failed import that was the fallback of another (try: import roman / except ImportError:
// import docutils.utils.roman) is taken as missing the first choice when that one is installed
// here but not included: the fallback is not there (Debian's docutils has no utils/roman.py),
// and python here imports the first choice. Run on each round's outcomes before the rest.
void blame_first_choices(std::vector<Outcome>& outcomes, const HintContext& context);

// importlib.metadata's PackageNotFoundError is a ModuleNotFoundError named after a distribution
// (ansible.cli asks for the version of jinja2, Debian's Jinja2-3.1.2.egg-info): for one installed
// here, whose package is not included, the failure is taken as missing that package (its
// top-level module named like it, else its first), so that the hints and the rounds include it.
// Run with blame_first_choices.
void blame_missing_distributions(std::vector<Outcome>& outcomes, const HintContext& context);

// The top-level modules that failed imports miss and that a site directory the hints would
// name has installed, by directory; and the checks that failed so.
struct MissingInstalled {
  std::map<std::filesystem::path, std::set<std::string>> tops;
  std::set<std::string> failed_checks;   // Item::name
  std::set<std::string> failed_modules;  // the module checks among them, by module name
  // For each top, the checks that miss it: (Item::kind, Item::name, Item::top_level).
  std::map<std::string, std::set<std::tuple<std::string, std::string, std::string>>> missed_by;
};

// The site_packages that leave no installed package missing: what the first round misses is
// included, and the check runs again on what failed so and on the packages added (whose own
// imports can miss more), until a round misses nothing installed. One suggestion instead of a
// check, edit and check again per layer of dependencies (httpie from Debian has nine).
struct Completion {
  std::vector<AppConfig::SitePackages> site_packages;  // the config's, with the additions
  std::vector<std::string> added;                      // in the order found (through add())
  std::size_t rounds = 0;                              // checks run again
  bool complete = false;                               // the last round missed nothing installed
  // For each added package, the checks that missed it (MissingInstalled::missed_by).
  std::map<std::string, std::set<std::tuple<std::string, std::string, std::string>>> missed_by;
  // The top-level names of what the included distributions require (Requires-Dist): never
  // called avoidable, however few modules import them (sphinx requires Jinja2).
  std::set<std::string> required;
  // What the checks of the rounds tried to import and did not find (Outcome::not_found), for
  // optional_installed(): the rounds check modules the first could not reach.
  struct NotFound {
    std::string check;      // Item::name
    std::string top_level;  // Item::top_level
    std::vector<NotFoundImport> imports;
  };
  std::vector<NotFound> not_found;
  // Checks of the rounds set aside as integrations or unreachable (set_aside_integrations,
  // set_aside_unreachable), for the report.
  std::vector<Skipped> set_aside;
  // What the rounds' builds found imported, unguarded, of installed packages left out
  // (uncollected_imports(): inside functions, which the checks do not call), by package.
  std::map<std::string, UncollectedImport> uncollected;
  // Checks of the rounds that failed otherwise than for want of an installed package (tox.helper's
  // scripts exit when imported), by name: "SystemExit". Not examined further here (compared with
  // python, set aside): the check of the suggested config does that, and reports them in full.
  std::map<std::string, std::string> other_failures;
  std::string entry_module;             // the module app.entry runs (a console script's), if known
  std::set<std::string> entry_loads;    // the modules importing it loads under python

  void add(const std::string& top) {
    if (added_tops.insert(top).second) added.push_back(top);
  }
  bool has_added(const std::string& top) const { return added_tops.contains(top); }

 private:
  std::set<std::string> added_tops;  // `added`, to look up
};

// The top-level names of the distributions in `sites` that the included ones require.
// Required distributions are looked up in `sites` and then in `elsewhere` (installed_site_dirs:
// a distribution in /usr/share/thefuck requires six, installed in Debian's dist-packages).
std::set<std::string> required_tops(const std::vector<AppConfig::SitePackages>& sites, const PythonVersion& python,
                                    const std::vector<std::filesystem::path>& elsewhere = {});

// An added package that only a few modules of the config's own packages import (none of them
// top-level or the entry module: leaving those out leaves out the app) and that no included
// distribution requires (isort's setuptools_commands, a plugin for setuptools,
// imports setuptools): leaving those modules out of the app may be the better fix than
// bringing it in, with what it brought along in turn.
struct OptionalAddition {
  std::vector<std::string> packages;      // those only these modules import
  std::vector<std::string> imported_by;   // the modules, at most three, all of the config's packages
  std::vector<std::string> brought_along;  // added only because of it (_distutils_hack, pkg_resources)
};
std::vector<OptionalAddition> optional_additions(const Completion& completion);
MissingInstalled missing_installed(const Plan& plan, const std::vector<Outcome>& outcomes, const HintContext& context);

// Checks again in scratch/completion-N/ until nothing installed is missing (at most 20 rounds).
// With each layer, what python loads importing it is added too, to need fewer rounds.
Completion complete_site_packages(const AppConfig& config, const CheckOptions& options,
                                  const std::filesystem::path& scratch, const HintContext& context,
                                  const std::string& entry_module, MissingInstalled missing);

// The module app.entry runs: a console script's, from the entry_points.txt of the distributions
// in the site directories' include lists ("" if none declares it).
std::string entry_module_of(const AppConfig& config, const PythonVersion& python);

// Installed packages that checks looked for and did not find without failing for it: optional
// imports (requests tries chardet, and warns without it) that python here would satisfy, so
// the frozen app behaves otherwise. Not those the completion adds.
struct OptionalInstalled {
  std::string package;                // top-level name
  std::filesystem::path site;         // where it is installed
  std::vector<std::string> tried_by;  // the modules that looked for it (else their checks)
  std::set<std::string> tried_by_tops;  // their top-level packages ("" for the entry)
};
std::vector<OptionalInstalled> optional_installed(const Plan& plan, const std::vector<Outcome>& outcomes,
                                                  const HintContext& context, const Completion& completion);

// Of `imports` (a round's build's), the importers whose checks passed: a module that fails to
// import, or is not checked, runs none of its functions (pkg_resources' vendored
// pyparsing.diagram needs railroad, which is nowhere).
std::vector<UncollectedImport> imports_of_passed_modules(const std::vector<UncollectedImport>& imports, const Plan& plan,
                                                         const std::vector<Outcome>& outcomes);

// The packages of `uncollected` (each round's build's) that the completion did not add, nor
// the config include, nor an optional import already names: for the report.
std::vector<UncollectedImport> uncollected_left_out(const std::vector<UncollectedImport>& first_round,
                                                    const Completion& completion, const HintContext& context,
                                                    const std::vector<OptionalInstalled>& optional);

// What python loads from the site directories importing the packages of `uncollected` and the
// modules set aside for want of them (`skipped`: httpie.output.ui.rich_help, with rich, brings
// markdown_it and mdurl along), that the config, the completion and they leave out, by site
// directory: so that the setting that includes them is whole.
std::vector<std::pair<std::filesystem::path, std::string>> brought_along_by(
    const std::vector<UncollectedImport>& uncollected, const std::vector<Skipped>& skipped, const AppConfig& config,
    const Completion& completion, const CheckOptions& options, const HintContext& context,
    const std::filesystem::path& scratch);

// Adds the package `top` to the include of the table of `site` in `sites` (a new table if none is for it).
void add_to_site_packages(std::vector<AppConfig::SitePackages>& sites, const std::filesystem::path& site,
                          const std::string& top);

// The site_packages lines to paste: every table, in its order.
std::string site_packages_lines(const std::vector<AppConfig::SitePackages>& sites);

}  // namespace freeze::packager::checks

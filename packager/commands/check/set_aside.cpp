#include "packager/commands/check/set_aside.h"

#include <chrono>
#include <map>
#include <optional>
#include <regex>
#include <tuple>

#include "packager/collect/uncollected_imports.h"
#include "packager/commands/check/completion.h"
#include "packager/commands/check/import_under_python.h"
#include "packager/commands/check/plan.h"
#include "packager/commands/check/runner.h"
#include "packager/support/text.h"

namespace freeze::packager::checks {

namespace fs = std::filesystem;

namespace {

// The standard library's optional extension modules: a CPython may be built without them
// (Debian ships _gdbm and _tkinter separately; a python.org build may lack any of them), and then
// the stdlib modules that import them fail under that python too.
const std::map<std::string, std::string>& optional_stdlib_extensions() {
  static const std::map<std::string, std::string> extensions = {
      {"_dbm", ""}, {"_gdbm", " (Debian: python3-gdbm)"}, {"_tkinter", " (Debian: python3-tk)"},
      {"_curses", ""}, {"_curses_panel", ""}, {"readline", ""}, {"_sqlite3", ""}, {"_ssl", ""},
      {"_hashlib", ""}, {"_lzma", ""}, {"_bz2", ""}, {"_ctypes", ""}, {"_uuid", ""}, {"_decimal", ""}};
  return extensions;
}

}  // namespace

void set_aside_testing_helpers(Plan& plan, std::vector<Outcome>& outcomes, const std::set<std::string>& included_tops) {
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    Outcome& outcome = outcomes[i];
    if (!plan.items[i].testing_helper || outcome.state != Outcome::State::Failed) continue;
    const std::string top = outcome.missing_module.substr(0, outcome.missing_module.find('.'));
    if (!test_tools().contains(top) || included_tops.contains(top)) continue;
    outcome.state = Outcome::State::Skipped;
    plan.skipped.push_back({plan.items[i].name, "a testing helper that needs " + top +
                                                    ", which is not included (freeze check --tests reports it)"});
  }
}

namespace {

// The installed package a failed module of an installed package misses, if it is one that a
// module set aside may go without: not included, not a test tool nor the stdlib's, installed in
// a site directory, and required by no included distribution. Else empty.
class PackagesNotRequired {
 public:
  PackagesNotRequired(const HintContext& context, const std::vector<AppConfig::SitePackages>& sites)
      : context_(context), sites_(sites) {}

  bool may_go_without(const std::string& top) {
    if (context_.included_tops.contains(top) || is_optional_test_tool(top, context_) || in_stdlib(top, context_) ||
        !installed_site_of(top, context_)) {
      return false;
    }
    if (!required_) required_ = required_tops(sites_, context_.python, installed_site_dirs(context_));  // only if needed
    return !required_->contains(top);
  }

 private:
  const HintContext& context_;
  const std::vector<AppConfig::SitePackages>& sites_;
  std::optional<std::set<std::string>> required_;
};

// "KeyError: 'X'", at most 120 characters: a failure in a set-aside module's reason.
std::string shown_error(const Outcome& outcome) {
  std::string shown = outcome.error_type + (outcome.message.empty() ? "" : ": " + outcome.message);
  if (shown.size() > 120) shown = shown.substr(0, 117) + "...";
  return shown;
}

// The top-level name a failed module of an installed package misses, or empty.
std::string missing_top_of(const Item& item, const Outcome& outcome) {
  if (item.kind != "module" || !item.third_party || outcome.state != Outcome::State::Failed ||
      outcome.missing_module.empty()) {
    return "";
  }
  return outcome.missing_module.substr(0, outcome.missing_module.find('.'));
}

}  // namespace

void set_aside_integrations(Plan& plan, std::vector<Outcome>& outcomes, const HintContext& context,
                            const std::vector<AppConfig::SitePackages>& sites,
                            const std::map<std::string, std::string>& integrations) {
  PackagesNotRequired packages(context, sites);
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    const Item& item = plan.items[i];
    std::string top = missing_top_of(item, outcomes[i]);
    if (top.empty()) continue;
    if (!is_integration_with(item.name, top)) {
      const auto integration = integrations.find(item.name);
      if (integration == integrations.end()) continue;
      top = integration->second;  // it failed on another import first, one for that package
    }
    if (!packages.may_go_without(top)) continue;
    outcomes[i].state = Outcome::State::Skipped;
    plan.skipped.push_back({item.name,
                            "an integration with " + top + " (installed here), which no included distribution "
                            "requires: include it if the app uses " + item.name,
                            Skipped::Why::Integration, top});
  }
}

void set_aside_unreachable(Plan& plan, std::vector<Outcome>& outcomes, const HintContext& context,
                           const std::vector<AppConfig::SitePackages>& sites,
                           const std::optional<std::set<std::string>>& reachable) {
  if (!reachable) return;
  // What the entry, the app's modules and reachable ones fail on is needed, whoever else misses
  // it: core.plugin, unreachable, fails on dep first when the entry does too.
  std::set<std::string> needed;
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    const Item& item = plan.items[i];
    const Outcome& outcome = outcomes[i];
    if (outcome.state != Outcome::State::Failed || outcome.missing_module.empty()) continue;
    if (item.kind != "module" || !item.third_party || reachable->contains(item.name)) {
      needed.insert(outcome.missing_module.substr(0, outcome.missing_module.find('.')));
    }
  }
  PackagesNotRequired packages(context, sites);
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    const Item& item = plan.items[i];
    const std::string top = missing_top_of(item, outcomes[i]);
    if (top.empty() || needed.contains(top) || reachable->contains(item.name)) continue;
    const bool included = context.included_tops.contains(top);
    // The stdlib's, left out by [stdlib] exclude or its defaults (twisted.internet.tksupport's tkinter).
    const bool excluded_stdlib = !included && in_stdlib(top, context);
    // Installed nowhere here (twisted's Windows reactors need pywintypes): python fails alike,
    // and this spares comparing, which costs a python start each.
    const bool nowhere = !included && !excluded_stdlib && !installed_site_of(top, context);
    // A test tool (never suggested), for a module of an installed package checked without --tests.
    const bool test_tool = !included && item.test_tools_optional && is_optional_test_tool(top, context);
    if (!nowhere && !excluded_stdlib && !test_tool && !packages.may_go_without(top)) continue;
    outcomes[i].state = Outcome::State::Skipped;
    const std::string why_not = nowhere            ? ", installed nowhere here,"
                                : excluded_stdlib ? " (the standard library's, which [stdlib] exclude leaves out),"
                                : test_tool       ? ", a test tool (freeze check --tests reports it),"
                                                  : " (installed here), which no included distribution requires,";
    plan.skipped.push_back({item.name,
                            "needs " + top + why_not + " and the app imports it only optionally, if at all: include " + top +
                                " if the app uses " + item.name,
                            Skipped::Why::Unreachable, top});
  }
}

void set_aside_order_dependent(Plan& plan, std::vector<Outcome>& outcomes, const fs::path& executable,
                               const std::string& probe, const fs::path& scratch, int timeout_seconds) {
  constexpr std::size_t kMostAlone = 20;  // each costs a start of the copy and the module's imports
  std::size_t tried = 0;
  for (std::size_t i = 0; i < plan.items.size() && tried < kMostAlone; ++i) {
    Outcome& outcome = outcomes[i];
    if (plan.items[i].kind != "module" || outcome.state != Outcome::State::Failed || !outcome.missing_module.empty() ||
        outcome.crashed || outcome.timed_out || outcome.error_type == "SystemExit") {
      continue;
    }
    const fs::path dir = scratch / ("alone-" + std::to_string(++tried));
    fs::create_directories(dir);
    Plan alone;
    alone.items.push_back(plan.items[i]);
    write_manifest(alone, dir / "manifest.txt");
    bool files_readable = false;
    auto again = run_checks(alone, executable, dir, dir / "manifest.txt", probe, timeout_seconds, files_readable);
    if (again.front().state == Outcome::State::Failed && !again.front().crashed && !again.front().timed_out) {
      // Its own failure, which python's is compared with: autobahn.asyncio.xbr raises an
      // AttributeError alone, as under python, and "Explicitly using 'twisted'" after twisted.
      outcome = std::move(again.front());
      continue;
    }
    if (again.front().state != Outcome::State::Passed) continue;
    plan.skipped.push_back({plan.items[i].name,
                            "imports alone, in a fresh start of the app; after the other checks' imports it failed (" +
                                shown_error(outcome) + "): they exclude each other, not the frozen app",
                            Skipped::Why::OrderDependent});
    outcome.state = Outcome::State::Skipped;
  }
}

void set_aside_missing_extensions(Plan& plan, std::vector<Outcome>& outcomes, const std::set<std::string>& included) {
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    Outcome& outcome = outcomes[i];
    if (!plan.items[i].stdlib || outcome.state != Outcome::State::Failed ||
        (outcome.error_type != "ModuleNotFoundError" && outcome.error_type != "ImportError")) {
      continue;
    }
    // ImportError.name, or the name in the message of an ImportError raised again with more
    // words (Debian's dbm.gnu: "No module named '_gdbm', please install the python3-gdbm package").
    std::string missing = outcome.missing_module;
    std::smatch named;
    static const std::regex kNoModuleNamed("No module named '([A-Za-z0-9_.]+)'");
    if (missing.empty() && std::regex_search(outcome.message, named, kNoModuleNamed)) missing = named[1];
    const auto optional = optional_stdlib_extensions().find(missing);
    if (optional == optional_stdlib_extensions().end() || included.contains(outcome.missing_module)) continue;
    outcome.state = Outcome::State::Skipped;
    plan.skipped.push_back({plan.items[i].name, "needs " + optional->first + ", which this CPython is built without" +
                                                    optional->second});
  }
}

void set_aside_plain_libraries(Plan& plan, std::vector<Outcome>& outcomes) {
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    Outcome& outcome = outcomes[i];
    // The message of CPython's and the launcher's extension loaders alike.
    if (plan.items[i].kind != "module" || outcome.state != Outcome::State::Failed || outcome.error_type != "ImportError" ||
        outcome.missing_module != plan.items[i].name ||
        outcome.message.find("does not define module export function") == std::string::npos) {
      continue;
    }
    outcome.state = Outcome::State::Skipped;
    plan.skipped.push_back({plan.items[i].name,
                            "a shared library named like an extension module, with no PyInit_ function: python cannot "
                            "import it either (it is loaded with ctypes, if at all)",
                            Skipped::Why::FailsUnderPython});
  }
}

std::string without_directories(const std::string& message) {
  static const std::regex kDirectories(R"([^\s'"(),:=\[\]]*/)");
  return std::regex_replace(message, kDirectories, "");
}

std::string frame_site(const std::string& where) {
  const auto in = where.rfind(" in ");
  const auto colon = where.rfind(':', in);
  if (in == std::string::npos || colon == std::string::npos) return where;
  return fs::path(where.substr(0, colon)).filename().string() + where.substr(colon);
}

void set_aside_failures_of_python(Plan& plan, std::vector<Outcome>& outcomes, const HintContext& context,
                                  const fs::path& scratch, int timeout_seconds) {
  constexpr std::size_t kMostCompared = 40;  // each costs a python start and the module's imports
  std::error_code error;
  if (!fs::is_regular_file(context.interpreter, error)) return;
  PlainPython python{context.interpreter, context.config.package_paths, {}, scratch, std::chrono::seconds(timeout_seconds)};
  for (const auto& site : context.config.site_packages) python.site_dirs.push_back(site.dir);
  // One comparison serves every module that fails the same way at the same line: django's
  // GIS modules all raise GDAL's ImproperlyConfigured in libgdal.py, through whichever import.
  struct UnderPython {
    bool imports = false;  // python imports the module compared
    bool fails_alike = false;
  };
  std::map<std::tuple<std::string, std::string, std::string>, UnderPython> by_failure;
  std::size_t compared = 0;
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    Outcome& outcome = outcomes[i];
    if (plan.items[i].kind != "module" || outcome.state != Outcome::State::Failed || outcome.crashed ||
        outcome.timed_out || outcome.error_type == "SystemExit") {
      continue;
    }
    // A missing module has hints of its own (a name missing from a module that imports is not
    // one: lark.parsers.resolve_ambig's `from ..utils import compare`), unless an installed package's or the stdlib's
    // module misses one that including a package cannot bring: installed nowhere here (optional
    // integrations: pygments.sphinxext without docutils; stale code: lib2to3.pgen2.conv imports
    // a top-level pgen2), or a part that an included package lacks (dateutil.tzwin's
    // six.moves.winreg, on Windows only). Then python may fail alike, and it is not the app's.
    const std::string missing_top = outcome.missing_module.substr(0, outcome.missing_module.find('.'));
    if (!outcome.missing_module.empty() && !outcome.lacks_a_name() &&
        (!(plan.items[i].third_party || plan.items[i].stdlib) || context.included_modules.contains(outcome.missing_module) ||
         (!context.included_tops.contains(missing_top) && installed_site_of(missing_top, context)))) {
      continue;
    }
    const auto failure = std::make_tuple(outcome.error_type, frame_site(outcome.where), without_directories(outcome.message));
    auto known = by_failure.find(failure);
    if (known == by_failure.end()) {
      if (compared == kMostCompared) continue;
      ++compared;
      const PlainImport plain = import_under_python(python, plan.items[i].name);
      const bool same_line = !plain.where.empty() && frame_site(plain.where) == frame_site(outcome.where);
      const bool same_words = without_directories(plain.message) == without_directories(outcome.message);
      const bool alike = plain.state == PlainImport::State::Failed && plain.error_type == outcome.error_type &&
                         (same_line || same_words);
      known = by_failure.emplace(failure, UnderPython{plain.state == PlainImport::State::Imported, alike}).first;
    }
    outcome.imports_under_python = known->second.imports;
    if (!known->second.fails_alike) continue;
    outcome.state = Outcome::State::Skipped;
    plan.skipped.push_back({plan.items[i].name,
                            "fails alike under " + context.interpreter.string() + " (" + shown_error(outcome) +
                                "): the module's own failure, not the frozen app's",
                            Skipped::Why::FailsUnderPython});
  }
}

std::vector<InstalledPlugins> take_dependency_plugins(Plan& plan, const std::set<std::string>& app_tops) {
  std::vector<InstalledPlugins> kept, taken;
  for (auto& plugins : plan.absent) {
    const bool plugs_into_the_app = std::any_of(plugins.entry_points.begin(), plugins.entry_points.end(),
                                                [&](const EntryPoint& entry_point) {
                                                  return is_plugin_group_of(entry_point.group, app_tops);
                                                });
    (plugs_into_the_app ? kept : taken).push_back(std::move(plugins));
  }
  plan.absent = std::move(kept);
  return taken;
}

void add_absent_plugins(Plan& plan, std::vector<Outcome>& outcomes) {
  for (const auto& plugins : plan.absent) {
    const EntryPoint& first = plugins.entry_points.front();
    const std::string group_list = join(plugins.groups());
    Item item;
    item.kind = "plugin";
    item.name = plugins.name;
    item.location = "not included; installed in " + plugins.site_dir.string();
    item.top_level = first.top_level();
    Outcome outcome;
    outcome.state = Outcome::State::Failed;
    outcome.error_type = "not included";
    outcome.message = plugins.directory + " declares " + std::to_string(plugins.entry_points.size()) +
                      (plugins.entry_points.size() == 1 ? " entry point" : " entry points") + " in " + group_list + " (" +
                      first.name + " = " + first.value + (plugins.entry_points.size() > 1 ? ", ..." : "") +
                      "): python loads it, the frozen app does not see it";
    outcome.hint = "add \"" + item.top_level + "\" to the include list of the site_packages entry for " +
                   plugins.site_dir.string() + ":\n        site_packages = [{ dir = \"" + plugins.site_dir.string() +
                   "\", include = [..., \"" + item.top_level + "\"] }]\n      or, if the app does not need this plugin, " +
                   "--exclude " + plugins.name;
    plan.items.push_back(std::move(item));
    outcomes.push_back(std::move(outcome));
  }
}

}  // namespace freeze::packager::checks

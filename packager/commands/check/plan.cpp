#include "packager/commands/check/plan.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <vector>

#include "format/module_names.h"
#include "packager/collect/entry_point_plugins.h"
#include "packager/collect/file_tree.h"
#include "packager/support/read_file.h"

namespace freeze::packager::checks {

namespace fs = std::filesystem;

namespace {

// Modules of the standard library that are not imported even with --stdlib.
const std::map<std::string, std::string>& stdlib_never_imported() {
  static const std::map<std::string, std::string> skipped = {
      {"antigravity", "opens a web browser when imported"},
      {"this", "prints the Zen of Python when imported"},
      {"idlelib", "the IDLE editor: needs a display"},
      {"tkinter", "needs a display and Tk"},
      {"turtle", "needs a display and Tk"},
      {"turtledemo", "needs a display and Tk"},
      {"asyncio.windows_events", "Windows only"},
      {"asyncio.windows_utils", "Windows only"},
      {"multiprocessing.popen_spawn_win32", "Windows only"},
      {"encodings.mbcs", "Windows only"},
      {"encodings.oem", "Windows only"},
      {"distutils.msvc9compiler", "Windows only"},
      {"distutils._msvccompiler", "Windows only"},
      {"msilib", "Windows only"},
      {"_pyrepl.windows_console", "Windows only"},
      {"_pyrepl.windows_eventqueue", "Windows only"},
      {"_sysconfigdata__linux_x86_64-linux-gnu", "not a module name (build data)"},
      {"_sysconfigdata__x86_64-linux-gnu", "not a module name (build data)"},
      {"site", "changes sys.path when imported (freeze runs without it)"},
      {"sitecustomize", "the build machine's site customisation"},
      {"*.test", "the standard library's own tests"},
      {"*.tests", "the standard library's own tests"},
      {"*.idle_test", "the standard library's own tests"},
  };
  return skipped;
}

// Tools in a project directory that run when imported.
const std::set<std::string>& project_scripts() {
  static const std::set<std::string> scripts = {"setup", "conftest", "noxfile", "fabfile", "manage"};
  return scripts;
}

std::string location_words(const InspectedResource& item) {
  if (!item.in_memory()) return "filesystem-relative: " + item.path;
  if (item.filesystem_copy) return "in memory, with a fallback copy at " + item.path;
  return "in memory";
}

// Where the config's distributions come from, on this machine: the site_packages dirs and
// packages.paths (wheels are not searched).
std::vector<fs::path> metadata_search_dirs(const AppConfig& config) {
  std::vector<fs::path> dirs;
  for (const auto& site : config.site_packages) dirs.push_back(site.dir);
  for (const auto& path : config.package_paths) dirs.push_back(path);
  return dirs;
}

// Entry points of the included distributions in their packages' plugin groups are loaded, as
// the app would load them; the plugin distributions installed beside them but not included
// are failures of their own (python would load them, the frozen app does not see them).
// The latter are decided here and need no run: plan.absent holds them, after plan.items.
// `left_out` tells a module or distribution name the check leaves out (--exclude, tests).
void plan_plugin_checks(const AppConfig& config, const Inspection& inspection,
                        const std::map<std::string, std::vector<std::string>>& distributions,
                        const std::function<bool(const std::string&)>& left_out, Plan& plan) {
  std::set<std::string> third_party_tops;
  for (const auto& item : inspection.entries) {
    if (item.importable() && item.group != kGroupStdlib) {
      third_party_tops.insert(item.top_level);
    }
  }
  const std::vector<fs::path> search_dirs = metadata_search_dirs(config);
  std::set<std::string> included_directories;
  for (const auto& [directory, files] : distributions) {
    included_directories.insert(directory);
    if (std::find(files.begin(), files.end(), "entry_points.txt") == files.end()) continue;
    for (const auto& dir : search_dirs) {
      const fs::path file = dir / directory / "entry_points.txt";
      std::error_code error;
      if (!fs::is_regular_file(file, error)) continue;
      for (const auto& entry_point : parse_entry_points(read_file(file))) {
        if (!is_plugin_group_of(entry_point.group, third_party_tops) || left_out(entry_point.module())) continue;
        Item check;
        check.kind = "entry_point";
        check.name = entry_point.group + ": " + entry_point.name + " = " + entry_point.value;
        check.args = {entry_point.group, entry_point.name, entry_point.value};
        check.location = "entry point of " + directory;
        check.top_level = entry_point.top_level();
        plan.items.push_back(check);
      }
      break;
    }
  }
  for (auto& plugins : plugins_not_included(search_dirs, included_directories, third_party_tops)) {
    if (left_out(plugins.name) || left_out(plugins.entry_points.front().top_level())) continue;
    plan.absent.push_back(std::move(plugins));
  }
}

// What deciding the checks needs to know, beyond the index.
struct PlanContext {
  const AppConfig& config;
  const CheckOptions& options;
  std::set<std::string> packages;        // every package's dotted name
  std::set<std::string> tops_with_data;  // top-level packages with data files in memory
  std::set<std::string> site_tops;       // named in a site_packages include list

  bool excluded_by_user(const std::string& name) const {
    return std::any_of(options.exclude.begin(), options.exclude.end(),
                       [&](const std::string& pattern) { return name_matches(name, pattern); });
  }
  // An installed package, not the app's own code: named in a site_packages include list, or
  // what the index files under third-party (its distribution's metadata names it).
  bool installed_package(const InspectedResource& item) const {
    return item.group == kGroupThirdParty || site_tops.contains(item.top_level);
  }
};

PlanContext plan_context(const AppConfig& config, const Inspection& inspection, const CheckOptions& options) {
  PlanContext context{config, options, {}, {}, {}};
  for (const auto& item : inspection.entries) {
    if (item.kind == blob::Kind::Module && item.package) context.packages.insert(item.name);
    if (item.kind == blob::Kind::Resource && item.group != kGroupStdlib && item.in_memory()) {
      context.tops_with_data.insert(item.top_level);
    }
  }
  for (const auto& site : config.site_packages) context.site_tops.insert(site.include.begin(), site.include.end());
  return context;
}

// The check of one entry point: app.entry's, or a command's.
Item entry_check(const std::string& module, const std::string& function, const std::string& console_script,
                 const std::string& key) {
  Item entry;
  entry.kind = "entry";
  entry.name = !console_script.empty() ? "console_script:" + console_script
               : function.empty()      ? module
                                       : module + ":" + function;
  entry.args = {module, function, console_script};
  entry.location = key;
  return entry;
}

void plan_entry_check(const AppConfig& config, Plan& plan) {
  if (config.code.empty()) {
    plan.items.push_back(entry_check(config.entry_module, config.entry_function, config.console_script, "app.entry"));
  }
  for (const auto& command : config.commands) {
    plan.items.push_back(entry_check(command.entry_module, command.entry_function, command.console_script,
                                     "app.commands." + command.name));
  }
}

// Why module `name` is not imported ("" if it is). Standard library modules that are simply
// not asked for (no --stdlib) get "-" and are only counted.
std::string skip_reason(const std::string& name, const InspectedResource& item, bool stdlib, const PlanContext& context) {
  const AppConfig& config = context.config;
  const bool entry_runs_as_main = config.code.empty() && config.console_script.empty() && config.entry_function.empty();
  std::string reason;
  if (name == "__main__" || name.ends_with(".__main__")) {
    reason = "a __main__ module runs the program when imported";
  } else if (entry_runs_as_main && name == config.entry_module) {
    reason = "the entry point: it runs as __main__ (the entry check imports what it imports)";
  } else if (std::any_of(config.commands.begin(), config.commands.end(), [&](const AppConfig::Command& command) {
               return command.console_script.empty() && command.entry_function.empty() && name == command.entry_module;
             })) {
    reason = "a command's entry point: it runs as __main__ (the entry check imports what it imports)";
  } else if (context.excluded_by_user(name)) {
    reason = "--exclude";
  } else if (!stdlib && name.find('.') == std::string::npos && project_scripts().contains(name)) {
    reason = "a project tool script (" + name + ".py) that runs when imported";
  } else if (context.installed_package(item) && !context.options.tests && !(reason = third_party_test_reason(name)).empty()) {
    reason += " (freeze check --tests imports it)";
  } else if (stdlib) {
    for (const auto& [skip, why] : stdlib_never_imported()) {
      if (name_matches(name, skip)) reason = why;
    }
    if (reason.empty() && !context.options.stdlib) reason = "-";
  }
  return reason;
}

// One check per module, application modules first, then third-party, then the standard library.
void plan_module_checks(const Inspection& inspection, const PlanContext& context, Plan& plan) {
  const CheckOptions& options = context.options;
  // One check per module: a mypyc-compiled package ships mod.py beside mod.cpython-311-*.so
  // (two resources, one module), and its compiled __init__ is the package itself.
  std::set<std::string> planned;
  for (const char* group : {kGroupApplication, kGroupThirdParty, kGroupStdlib}) {
    for (const auto& item : inspection.entries) {
      if (!item.importable() || item.group != group) continue;
      std::string name = item.name;
      if (name.ends_with(".__init__")) name.resize(name.size() - std::string_view(".__init__").size());
      if (!planned.insert(name).second) continue;
      const bool stdlib = group == std::string(kGroupStdlib);
      const std::string reason = skip_reason(name, item, stdlib, context);
      if (reason == "-") {
        ++plan.stdlib_modules_not_imported;
        continue;
      }
      if (!reason.empty()) {
        if (!stdlib || options.stdlib) plan.skipped.push_back({name, reason});
        if (stdlib && !options.stdlib) ++plan.stdlib_modules_not_imported;
        continue;
      }
      Item check;
      check.kind = "module";
      check.name = name;
      check.top_level = item.top_level;
      check.args = {name, (!stdlib && item.in_memory() && context.tops_with_data.contains(check.top_level)) ? "1" : "0",
                    !stdlib && item.in_memory() ? "1" : "0"};
      check.location = location_words(item);
      check.stdlib = stdlib;
      check.third_party = context.installed_package(item);
      check.test_tools_optional = check.third_party && !options.tests;
      // A testing helper (numpy.testing, pylint.testutils) is checked, but a failure for want of
      // a test tool is theirs, not the app's.
      check.testing_helper = check.test_tools_optional && is_test_helper(name);
      plan.items.push_back(check);
    }
  }
}

// The package that holds resource `name` ("pkg/data/x.txt"): the longest leading directory
// path that is a package, and the file's path below it; empty if none.
std::pair<std::string, std::string> holding_package(const std::string& name, const std::set<std::string>& packages) {
  for (auto slash = name.rfind('/'); slash != std::string::npos && slash > 0; slash = name.rfind('/', slash - 1)) {
    const auto dotted = blob::name_of_directory(std::string_view(name).substr(0, slash));
    if (dotted && packages.contains(*dotted)) return {*dotted, name.substr(slash + 1)};
  }
  return {"", name};
}

void plan_resource_checks(const Inspection& inspection, const PlanContext& context, Plan& plan) {
  for (const auto& item : inspection.entries) {
    if (item.kind != blob::Kind::Resource || (item.group == kGroupStdlib && !context.options.stdlib)) continue;
    const std::string& name = item.name;
    if (context.excluded_by_user(name)) continue;
    const auto [package, relative] = holding_package(name, context.packages);
    Item check;
    check.kind = "resource";
    check.name = name;
    check.top_level = item.top_level;
    check.args = {name, package, relative, std::to_string(item.raw_size)};
    check.location = location_words(item);
    plan.items.push_back(check);
  }
}

// One check per distribution: its metadata directory and files. Returns directory -> files.
std::map<std::string, std::vector<std::string>> plan_metadata_checks(const Inspection& inspection, Plan& plan) {
  std::map<std::string, std::vector<std::string>> distributions;  // directory -> files
  for (const auto& item : inspection.entries) {
    if (item.kind != blob::Kind::Metadata) continue;
    const std::string& name = item.name;
    const auto slash = name.find('/');
    distributions[name.substr(0, slash)].push_back(slash == std::string::npos ? "" : name.substr(slash + 1));
  }
  for (const auto& [directory, files] : distributions) {
    Item check;
    check.kind = "metadata";
    check.name = directory;
    check.args = {directory};
    check.args.insert(check.args.end(), files.begin(), files.end());
    check.location = "distribution metadata";
    plan.items.push_back(check);
  }
  return distributions;
}

}  // namespace

Plan plan_checks(const AppConfig& config, const Inspection& inspection, const CheckOptions& options) {
  Plan plan;
  const PlanContext context = plan_context(config, inspection, options);
  plan_entry_check(config, plan);
  plan_module_checks(inspection, context, plan);
  plan_resource_checks(inspection, context, plan);
  const auto distributions = plan_metadata_checks(inspection, plan);
  // A test entry point (stevedore's stevedore.test.extension group names stevedore.tests.notfound,
  // unimportable on purpose) is left out as the package's tests are.
  plan_plugin_checks(config, inspection, distributions, [&](const std::string& name) {
    return context.excluded_by_user(name) || (!options.tests && !third_party_test_reason(name).empty());
  }, plan);
  return plan;
}

}  // namespace freeze::packager::checks

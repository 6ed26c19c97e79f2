#include "packager/commands/check_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <toml++/toml.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <optional>
#include <set>
#include <sstream>

#include "format/module_names.h"
#include "packager/config/app_config.h"
#include "packager/support/scratch_directory.h"
#include "packager/commands/build_command.h"
#include "packager/build/build_python.h"
#include "packager/build/python_distribution.h"
#include "check_script_source.h"
#include "packager/support/console.h"
#include "packager/collect/entry_point_plugins.h"
#include "packager/config/explain_config.h"
#include "packager/config/python_version.h"
#include "packager/collect/file_tree.h"
#include "packager/commands/import_under_python.h"
#include "packager/commands/inspect_command.h"
#include "packager/support/toml_text.h"
#include "packager/support/user_error.h"

extern char** environ;

namespace freeze::packager {
namespace {

namespace fs = std::filesystem;

// ---- the checks --------------------------------------------------------------------------------

struct Item {
  std::string kind;  // entry, module, resource, metadata
  std::string name;  // what the report calls it
  std::vector<std::string> args;  // for the checking program
  std::string location;           // where it was routed, in words
  std::string top_level;
  bool testing_helper = false;  // a failure for want of a test tool is not the app's
  bool stdlib = false;          // a module of the standard library
  bool third_party = false;     // a module of an installed package (site_packages, wheels)
};

struct Outcome {
  enum class State { NotRun, Passed, Failed, Skipped } state = State::NotRun;
  std::string error_type;
  std::string message;
  std::string where;
  std::string traceback;
  std::string missing_module;  // ImportError.name
  std::string filename;        // OSError.filename
  std::string output;          // what the check printed, for crashes
  std::uint64_t log_offset = 0;  // where its output starts in the log
  std::vector<std::string> warnings;
  bool crashed = false;
  bool timed_out = false;
  std::string hint;  // decided with the outcome (plugins not included), else by hint_for
  bool imports_under_python = false;  // the plain interpreter imports it (set_aside_failures_of_python)
};

struct Skipped {
  std::string name;
  std::string reason;
  bool fails_under_python = false;  // imported, and failed alike under the plain interpreter
};

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

// Why a third-party module is not imported by default (--tests imports it), or empty: test
// and build-time modules of installed packages, which fail for reasons no frozen app meets.
std::string third_party_test_reason(const std::string& name) {
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    const auto dot = name.find('.', start);
    parts.push_back(name.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    if (part == "tests" || part == "test") return "the package's own tests";
    if (part == "conftest") return "pytest's configuration of the package's tests";
    if (part == "examples" || part == "_examples") return "the package's examples, which need other packages";
    if (part == "_pyinstaller" || part == "__pyinstaller") return "PyInstaller hooks, read by PyInstaller only";
    if (part == "setup" && i + 1 == parts.size() && i > 0) return "a setup script of the package's build";
  }
  return {};
}

// A third-party testing helper package (numpy.testing, sphinx.testing): checked, but a failure
// for want of a test tool is theirs, not the app's.
bool is_testing_helper(const std::string& name) {
  return name.ends_with(".testing") || name.find(".testing.") != std::string::npos;
}

const std::set<std::string>& test_tools() {
  static const std::set<std::string> tools = {"pytest", "_pytest", "hypothesis", "nose", "mock", "unittest2"};
  return tools;
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

// ---- the verification build ------------------------------------------------------------------

// The checking build goes to $TMPDIR (or /tmp), never next to the user's output.
fs::path temporary_parent() {
  const char* base = std::getenv("TMPDIR");
  return base && *base ? fs::path(base) : fs::path("/tmp");
}

// The app's config with [app] entry replaced by the checking program and every path made
// absolute, so that it builds the same resources from another directory.
std::string verification_config(const AppConfig& config) {
  toml::table document;
  try {
    document = toml::parse_file(config.config_file.string());
  } catch (const toml::parse_error&) {
    throw UserError(config.config_file.string() + ": invalid TOML");  // load_app_config said so first
  }
  const toml::table* source = is_pyproject(config.config_file) ? document["tool"]["freeze"].as_table() : &document;
  if (source == nullptr) throw UserError(config.config_file.string() + ": [tool.freeze] is missing");
  toml::table root = *source;
  toml::table app;
  app.insert("name", config.name);
  app.insert("code", std::string(kCheckScriptSource));
  root.insert_or_assign("app", std::move(app));
  // include = "reachable" follows imports from the entry point, which the checking program
  // replaces: keep the entry module a root.
  if (config.stdlib_include == StdlibInclude::Reachable && !config.entry_module.empty()) {
    toml::table* stdlib = root["stdlib"].as_table();
    toml::array add;
    for (const auto& name : config.stdlib_add) add.push_back(name);
    add.push_back(config.entry_module);
    stdlib->insert_or_assign("add", std::move(add));
  }
  if (toml::table* python = root["python"].as_table(); python && !config.distribution.empty()) {
    python->insert_or_assign("distribution", config.distribution.string());
  }
  if (!config.site_packages.empty() && !root.contains("packages")) root.insert("packages", toml::table{});
  if (toml::table* packages = root["packages"].as_table()) {
    if (packages->contains("paths")) {
      toml::array paths;
      for (const auto& path : config.package_paths) paths.push_back(path.string());
      packages->insert_or_assign("paths", std::move(paths));
    }
    if (packages->contains("site_packages") || !config.site_packages.empty()) {  // more of them when completing
      toml::array sites;
      for (const auto& site : config.site_packages) {
        toml::array include;
        for (const auto& name : site.include) include.push_back(name);
        sites.push_back(toml::table{{"dir", site.dir.string()}, {"include", std::move(include)}});
      }
      packages->insert_or_assign("site_packages", std::move(sites));
    }
    if (packages->contains("wheels")) {
      toml::array wheels;
      for (const auto& wheel : config.wheels) wheels.push_back(wheel.string());
      packages->insert_or_assign("wheels", std::move(wheels));
    }
  }
  std::ostringstream out;
  out << root << '\n';
  return out.str();
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  if (from.empty()) return text;
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// ---- the manifest ----------------------------------------------------------------------------

struct Plan {
  std::vector<Item> items;
  std::vector<InstalledPlugins> absent;  // plugin distributions the config leaves out
  std::vector<Skipped> skipped;
  std::size_t stdlib_modules_not_imported = 0;
};

// Where the config's distributions come from, on this machine: the site_packages dirs and
// packages.paths (wheels are not searched).
std::vector<fs::path> metadata_search_dirs(const AppConfig& config) {
  std::vector<fs::path> dirs;
  for (const auto& site : config.site_packages) dirs.push_back(site.dir);
  for (const auto& path : config.package_paths) dirs.push_back(path);
  return dirs;
}

std::string read_whole_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Entry points of the included distributions in their packages' plugin groups are loaded, as
// the app would load them; the plugin distributions installed beside them but not included
// are failures of their own (python would load them, the frozen app does not see them).
// The latter are decided here and need no run: plan.absent holds them, after plan.items.
void plan_plugin_checks(const AppConfig& config, const Inspection& inspection,
                        const std::map<std::string, std::vector<std::string>>& distributions,
                        const std::function<bool(const std::string&)>& excluded_by_user, Plan& plan) {
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
      for (const auto& entry_point : parse_entry_points(read_whole_file(file))) {
        if (!is_plugin_group_of(entry_point.group, third_party_tops) || excluded_by_user(entry_point.module())) continue;
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
    if (excluded_by_user(plugins.name) || excluded_by_user(plugins.entry_points.front().top_level())) continue;
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

void plan_entry_check(const AppConfig& config, Plan& plan) {
  if (!config.code.empty()) return;
  Item entry;
  entry.kind = "entry";
  entry.name = !config.console_script.empty() ? "console_script:" + config.console_script
               : config.entry_function.empty()  ? config.entry_module
                                                : config.entry_module + ":" + config.entry_function;
  entry.args = {config.entry_module, config.entry_function, config.console_script};
  entry.location = "app.entry";
  plan.items.push_back(entry);
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
    reason = "the entry point: it runs as __main__ (its import is checked by the entry check)";
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
      check.args = {name, (!stdlib && item.in_memory() && context.tops_with_data.contains(check.top_level)) ? "1" : "0"};
      check.location = location_words(item);
      check.testing_helper = context.installed_package(item) && !options.tests && is_testing_helper(name);
      check.stdlib = stdlib;
      check.third_party = context.installed_package(item);
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

Plan plan_checks(const AppConfig& config, const Inspection& inspection, const CheckOptions& options) {
  Plan plan;
  const PlanContext context = plan_context(config, inspection, options);
  plan_entry_check(config, plan);
  plan_module_checks(inspection, context, plan);
  plan_resource_checks(inspection, context, plan);
  const auto distributions = plan_metadata_checks(inspection, plan);
  plan_plugin_checks(config, inspection, distributions,
                     [&](const std::string& name) { return context.excluded_by_user(name); }, plan);
  return plan;
}

// ---- running the checking program ------------------------------------------------------------

std::string unescape(std::string_view field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 1 < field.size()) {
      const char next = field[++i];
      out += next == 't' ? '\t' : next == 'n' ? '\n' : next == 'r' ? '\r' : next;
    } else {
      out += field[i];
    }
  }
  return out;
}

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    const auto tab = line.find('\t', start);
    fields.push_back(unescape(std::string_view(line).substr(start, tab - start)));
    if (tab == std::string::npos) return fields;
    start = tab + 1;
  }
}

// The last lines of `path` from byte `offset` on.
std::string tail_of_file(const fs::path& path, std::size_t max_lines, std::uint64_t offset = 0) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::string out;
  for (std::size_t i = lines.size() > max_lines ? lines.size() - max_lines : 0; i < lines.size(); ++i) {
    out += lines[i] + "\n";
  }
  return out;
}

std::string signal_name(int signal) {
  switch (signal) {
    case SIGSEGV: return "SIGSEGV (segmentation fault)";
    case SIGABRT: return "SIGABRT (abort)";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL (illegal instruction)";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    default: return "signal " + std::to_string(signal);
  }
}

// The checking program, started from check `first` on: its pid and the read end of the pipe
// it reports on.
struct Checker {
  pid_t pid = 0;
  int reports = -1;
};

Checker start_checker(const fs::path& executable, const fs::path& manifest, const fs::path& log, std::size_t first,
                      const std::string& probe) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw UserError(std::string("cannot create a pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 3);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  const std::string exe = executable.string();
  const std::string manifest_path = manifest.string();
  const std::string start = std::to_string(first);
  // No arguments: with [python] interpreter = true the launcher would take an existing file
  // (the manifest) for a script to run. The checking program reads its two inputs from the
  // environment instead, and removes them before the first check.
  char* argv[] = {const_cast<char*>(exe.c_str()), nullptr};
  std::string manifest_variable = "FREEZE_CHECK_MANIFEST=" + manifest_path;
  std::string start_variable = "FREEZE_CHECK_FIRST=" + start;
  std::string probe_variable = "FREEZE_CHECK_PROBE=" + probe;
  // The environment of a clean target machine: no PYTHONPATH & co. that could hide a module
  // missing from the executable (they matter when [python] isolated = false).
  std::vector<char*> environment;
  for (char** variable = environ; *variable != nullptr; ++variable) {
    if (std::strncmp(*variable, "PYTHON", 6) != 0 && std::strncmp(*variable, "FREEZE_CHECK_", 13) != 0) {
      environment.push_back(*variable);
    }
  }
  environment.push_back(manifest_variable.data());
  environment.push_back(start_variable.data());
  environment.push_back(probe_variable.data());
  environment.push_back(nullptr);
  pid_t pid = 0;
  const int spawn_error = ::posix_spawn(&pid, exe.c_str(), &actions, &attributes, argv, environment.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(pipe_fds[1]);
  if (spawn_error != 0) {
    ::close(pipe_fds[0]);
    throw UserError("cannot run the verification executable " + exe + ": " + std::strerror(spawn_error));
  }
  return {pid, pipe_fds[0]};

}

// Where the checking program got to, from its reports.
struct RunState {
  std::optional<std::size_t> current;  // the check it began and did not finish
  std::size_t next = 0;                // the check after the last one that finished
  bool finished = false;               // it reported the end
  bool timed_out = false;              // a check took longer than the timeout
};

// Applies one report line ("B", "K", "W", "F", "I", "E" and their fields) to the outcomes.
void apply_report(const std::string& line, int timeout_seconds, std::chrono::steady_clock::time_point& deadline,
                  bool& files_readable, std::vector<Outcome>& outcomes, RunState& progress) {
  const auto fields = split_fields(line);
  if (fields.empty()) return;
  if (fields[0] == "E") {
    progress.finished = true;
    return;
  }
  if (fields[0] == "I" && fields.size() >= 3 && fields[1] == "files_readable") {
    files_readable = fields[2] == "1";
    return;
  }
  if (fields.size() < 2) return;
  const std::size_t index = std::strtoull(fields[1].c_str(), nullptr, 10);
  if (index >= outcomes.size()) return;
  Outcome& outcome = outcomes[index];
  if (fields[0] == "B") {
    progress.current = index;
    if (fields.size() >= 3) outcome.log_offset = std::strtoull(fields[2].c_str(), nullptr, 10);
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  } else if (fields[0] == "K") {
    outcome.state = Outcome::State::Passed;
    progress.current.reset();
    progress.next = index + 1;
  } else if (fields[0] == "W" && fields.size() >= 3) {
    outcome.warnings.push_back(fields[2]);
  } else if (fields[0] == "F" && fields.size() >= 8) {
    outcome.state = Outcome::State::Failed;
    outcome.error_type = fields[2];
    outcome.message = fields[3];
    outcome.where = fields[4];
    outcome.traceback = fields[5];
    outcome.missing_module = fields[6];
    outcome.filename = fields[7];
    progress.current.reset();
    progress.next = index + 1;
  }
}

// Reads the reports until the program ends or a check outlasts the timeout.
RunState read_reports(int reports, std::size_t first, int timeout_seconds, bool& files_readable,
                      std::vector<Outcome>& outcomes) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + std::chrono::seconds(timeout_seconds);
  RunState progress;
  progress.next = first;
  std::string buffer;
  char chunk[65536];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
    if (left <= 0) {
      progress.timed_out = true;
      break;
    }
    pollfd poll_fd{reports, POLLIN, 0};
    const int ready = ::poll(&poll_fd, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) continue;
    const ssize_t got = ::read(reports, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EOF: the program ended
    buffer.append(chunk, static_cast<std::size_t>(got));
    for (auto newline = buffer.find('\n'); newline != std::string::npos; newline = buffer.find('\n')) {
      const std::string line = buffer.substr(0, newline);
      buffer.erase(0, newline + 1);
      apply_report(line, timeout_seconds, deadline, files_readable, outcomes, progress);
    }
  }
  return progress;
}

// Runs the checking program from item `first` on; fills `outcomes`. Returns the index to go on
// from (items.size() when done).
std::size_t run_from(const fs::path& executable, const fs::path& manifest, const fs::path& log, std::size_t first,
                     int timeout_seconds, const std::string& probe, bool& files_readable, std::vector<Outcome>& outcomes) {
  const Checker checker = start_checker(executable, manifest, log, first, probe);
  const pid_t pid = checker.pid;
  const RunState progress = read_reports(checker.reports, first, timeout_seconds, files_readable, outcomes);
  ::close(checker.reports);
  if (progress.timed_out) ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::kill(-pid, SIGKILL);  // anything the modules started and left behind
  if (progress.finished) return outcomes.size();
  const std::optional<std::size_t>& current = progress.current;
  const std::size_t next = progress.next;
  const bool timed_out = progress.timed_out;

  // It died, hung or exited. Between two checks: go on after the last one that finished.
  if (!current && next > first) return next;
  if (!current) {
    // Before its first check: the program itself does not start, which no module is to blame for.
    const std::string output = tail_of_file(log, 20);
    throw UserError("the verification executable stopped before its first check (" +
                    std::string(WIFSIGNALED(status) ? "killed by " + signal_name(WTERMSIG(status))
                                                    : "status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1)) +
                    (output.empty() ? ")" : "); its output:\n" + output) +
                    "\nDoes the app start at all? Try freeze build and run it.");
  }
  const std::size_t culprit = *current;
  Outcome& outcome = outcomes[culprit];
  outcome.state = Outcome::State::Failed;
  outcome.output = tail_of_file(log, 20, outcome.log_offset);
  if (timed_out) {
    outcome.timed_out = true;
    outcome.error_type = "timeout";
    outcome.message = "still running after " + std::to_string(timeout_seconds) + " s; stopped";
  } else if (WIFSIGNALED(status)) {
    outcome.crashed = true;
    outcome.error_type = "crash";
    outcome.message = "the process was killed by " + signal_name(WTERMSIG(status));
  } else {
    outcome.crashed = true;
    outcome.error_type = "exit";
    outcome.message = "the process exited with status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                      " (os._exit() or a fatal error)";
  }
  return culprit + 1;
}

// ---- hints -----------------------------------------------------------------------------------

struct HintContext {
  const AppConfig& config;
  const Inspection& inspection;
  std::set<std::string> included_modules;
  std::set<std::string> included_tops;
  fs::path exe_dir;
  fs::path stdlib_dir;
  PythonVersion python;      // the CPython the app is frozen for
  bool debian_python = true;  // Debian's (the embedded one), not a distribution freeze built
  bool debian_packages_fit = true;  // its version is Debian's (3.11): Debian's dist-packages are for it
  fs::path interpreter;       // its python3.X: the distribution's, or Debian's /usr/bin one
  struct Package {
    std::string name;
    bool in_memory = false;
  };
  std::map<std::string, Package> package_dirs;  // "<exe dir>/.../blib2to3" -> blib2to3
  bool files_readable = false;                  // embedded files can be opened by path
};

// The package whose directory holds `path`: the included package with the longest directory
// that contains it. The directories come from the index (each package's __init__ path, where
// its __file__ points), whatever the layout of the virtual tree is.
const HintContext::Package* owning_package(const std::string& path, const HintContext& context) {
  const HintContext::Package* best = nullptr;
  std::size_t best_length = 0;
  for (const auto& [dir, package] : context.package_dirs) {
    if (dir.size() > best_length && path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/') {
      best = &package;
      best_length = dir.size();
    }
  }
  return best;
}

bool installed_in(const fs::path& dir, const std::string& top) {
  std::error_code error;
  if (fs::is_directory(dir / top, error) || fs::is_regular_file(dir / (top + ".py"), error)) return true;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(top + ".") && name.ends_with(".so")) return true;
  }
  return false;
}

std::string routing_snippet(const std::string& top) {
  return "\n        [[routing.rule]]\n        name = \"" + top + "\"\n        location = \"filesystem-relative\"";
}

// The site directory a missing top-level module `top` can be taken from: one of the config's
// site_packages directories, or (for a CPython of Debian's version, 3.11) Debian's own.
std::optional<fs::path> installed_site_of(const std::string& top, const HintContext& context) {
  std::vector<fs::path> sites;
  for (const auto& site : context.config.site_packages) sites.push_back(site.dir);
  if (context.debian_packages_fit) {
    sites.insert(sites.end(), debian_site_directories().begin(), debian_site_directories().end());
  }
  for (const auto& site : sites) {
    if (installed_in(site, top)) return site;
  }
  return std::nullopt;
}

// Whether top-level module `top` is in the standard library of the CPython frozen for.
bool in_stdlib(const std::string& top, const HintContext& context) {
  return installed_in(context.stdlib_dir, top) || installed_in(context.stdlib_dir / "lib-dynload", top);
}

// An ImportError naming the module it did not find: where that module is, and how to include it.
std::string missing_module_hint(const Item& item, const Outcome& outcome, const HintContext& context) {
  const std::string missing = outcome.missing_module;
  const std::string top = missing.substr(0, missing.find('.'));
  if (context.included_modules.contains(missing)) {
    return "'" + missing + "' is included but failed to import: see its own entry in this report";
  }
  if (test_tools().contains(top)) {
    return "it is test code (it imports " + top + "): keep tests out of packages.paths (put the app in src/), or "
           "leave them out of the check with --exclude " + item.top_level;
  }
  // In the standard library?
  const bool stdlib = in_stdlib(top, context);
  if (stdlib && !context.included_tops.contains(top)) {
    for (const auto& pattern : context.config.stdlib_exclude) {
      if (name_matches(missing, pattern)) {
        return "'" + top + "' is in the standard library, but [stdlib] exclude leaves it out (\"" + pattern +
               "\"): remove it from stdlib.exclude";
      }
    }
    if (context.config.stdlib_include != StdlibInclude::All) {
      return "'" + top + "' is in the standard library, but [stdlib] include leaves it out: name it in [stdlib] add, "
             "or set include = \"all\"";
    }
    return "'" + top + "' is in the standard library but not included";
  }
  if (!stdlib && context.debian_python && (top == "tkinter" || top == "_tkinter" || top == "_gdbm")) {
    return "'" + top + "' is not part of Debian's python3.11 package (apt install python3-tk / python3-gdbm)";
  }
  if (context.included_tops.contains(top)) {
    return "'" + missing + "' is not among the included modules, though '" + top +
           "' is: an optional part installed separately, a module generated at install time, or a platform-specific "
           "extension module? If the import is optional, --exclude " + item.name + " skips it";
  }
  if (const auto site = installed_site_of(top, context)) {
    return "'" + top + "' is installed in " + site->string() + " but not included: add it to [packages], e.g.\n" +
           "        site_packages = [{ dir = " + quote(site->string()) + ", include = [..., " + quote(top) + "] }]";
  }
  if (!context.debian_packages_fit) {  // installed for Debian's python3.11, not for the target
    for (const fs::path& dir : debian_site_directories()) {
      if (!installed_in(dir, top)) continue;
      const std::string target = context.python.short_version();
      return "'" + top + "' is installed in " + dir.string() + ", but for Debian's python3.11, and the app is frozen "
             "for CPython " + target + ": install it into a venv of python" + target + " (or take a wheel built for " +
             target + ") and add that to [packages] site_packages or wheels; a pure-Python package can also come from " +
             dir.string() + " itself. If the import is optional, --exclude " + item.name + " skips it";
    }
  }
  std::string debian = top;
  for (auto& c : debian) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // A private name (_ast_gen) is no Debian package's.
  const std::string install = context.debian_packages_fit && !top.starts_with("_")
                                  ? "apt install python3-" + debian + ", or a wheel built for CPython 3.11"
                                  : "a wheel built for CPython " + context.python.short_version() + ", or a venv of that version";
  return "'" + top + "' is neither included nor installed on this machine: install it (" + install +
         ") and add it to [packages] site_packages or wheels. If the import is optional, --exclude " + item.name +
         " skips it";
}

// An OSError naming a file: one below the executable's directory is an embedded file that is
// not there, or a package's data read by a path when the package is in memory.
std::string missing_file_hint(const Item& item, const Outcome& outcome, const HintContext& context) {
  const std::string exe_prefix = context.exe_dir.string() + "/";
  const std::string filename = outcome.filename;
  if (filename.starts_with(exe_prefix)) {
    const std::string relative = filename.substr(exe_prefix.size());
    // The package whose data it is (blib2to3 when black fails on blib2to3's grammar).
    const HintContext::Package* owner = owning_package(filename, context);
    const bool in_memory = owner ? owner->in_memory : item.location.starts_with("in memory");
    const std::string package = owner ? owner->name : item.top_level.empty() ? relative.substr(0, relative.find('/'))
                                                                             : item.top_level;
    if (in_memory && context.files_readable) {  // embedded files open by path: this one is not among them
      return "<exe dir>/" + relative + " is not among the files of " + package +
             " that were built in: is it created at install time or at first run? Create it before building, or "
             "have the package write it elsewhere (a cache directory)";
    }
    if (in_memory) {
      return "it opens <exe dir>/" + relative +
             " by a path built from __file__, but in-memory packages are not files: it needs a filesystem "
             "location. Route the package to the filesystem:" + routing_snippet(package) +
             "\n      or read the file with importlib.resources.files(\"" + package + "\").joinpath(...)";
    }
    return "<exe dir>/" + relative + " is not among the files written beside the executable: is it created at "
           "install time, or outside the package directories?";
  }
  return "it reads " + filename + " when imported, which does not exist here: will it exist on the target machine?";
}

std::string hint_for(const Item& item, const Outcome& outcome, const HintContext& context) {
  if (!outcome.hint.empty()) return outcome.hint;
  if (outcome.timed_out) {
    return "importing it did not finish: does it wait for input, a lock or the network when imported? Raise "
           "--timeout, or leave it out of the check with --exclude " + item.name;
  }
  if (outcome.crashed) {
    if (item.kind == "module") {
      return "the process died while importing it (a crashing extension module, or os._exit() at import time); "
             "check with --exclude " + item.name + " to see the rest";
    }
    return "the process died during this check";
  }
  const std::string& type = outcome.error_type;
  if (type == "SystemExit") {
    return "it calls sys.exit() when imported: it is a script. Put its code under if __name__ == \"__main__\":, "
           "or leave it out of the check with --exclude " + item.name;
  }
  if (item.kind == "entry") {
    if (type == "AttributeError" || type == "TypeError") {
      return "app.entry names a function that module " + context.config.entry_module +
             " does not define (or that is not callable): fix app.entry";
    }
    if (type == "LookupError") {
      return "no included distribution declares it in entry_points.txt: check the name, and that the distribution's "
             "package is in a site_packages include list (its metadata comes with it)";
    }
  }
  if (!outcome.missing_module.empty() && (type == "ModuleNotFoundError" || type == "ImportError")) {
    return missing_module_hint(item, outcome, context);
  }
  if ((type == "ImportError" || type == "OSError") && outcome.message.find("cannot open shared object file") != std::string::npos) {
    return "a shared library it needs is missing: keep [packages] bundle_system_libraries = true (the default) so "
           "freeze bundles it, or install it on every target machine";
  }
  if (type.find("Error") != std::string::npos && !outcome.filename.empty()) return missing_file_hint(item, outcome, context);
  if (item.kind == "resource") {
    return "the file cannot be read back: rebuild; if it lives beside the executable, ship that directory with it";
  }
  if (item.kind == "metadata") {
    return "importlib.metadata cannot read this distribution's metadata";
  }
  if (outcome.imports_under_python) {
    return context.interpreter.string() + " imports it (with the config's packages on its sys.path): the difference is "
           "the frozen environment (sys.frozen is True, the interpreter is isolated; see \"Behaving like python\" in the "
           "README)";
  }
  return "it fails when imported in the frozen app; if `python" + context.python.short_version() + " -c \"import " + item.name +
         "\"` works, the difference is the frozen environment (sys.frozen is True, the interpreter is isolated; see "
         "\"Behaving like python\" in the README)";
}

std::string display_path(std::string text, const fs::path& exe_dir) {
  text = replace_all(std::move(text), exe_dir.string() + "/", "<exe dir>/");
  return replace_all(std::move(text), exe_dir.string(), "<exe dir>");
}

std::string indent(const std::string& text, const std::string& prefix) {
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out += prefix + line + "\n";
  return out;
}

// A testing helper package (numpy.testing) that fails for want of pytest is skipped, not failed.
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

// A stdlib module (--stdlib) that fails only because the CPython it is frozen with is built
// without an optional extension module is skipped, naming it: the same python fails alike.
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

// "file:LINE in FUNCTION" with the file's name only: where the frozen app and python raised
// compare alike although the frozen module's file is under the executable's directory.
std::string frame_site(const std::string& where) {
  const auto in = where.rfind(" in ");
  const auto colon = where.rfind(':', in);
  if (in == std::string::npos || colon == std::string::npos) return where;
  return fs::path(where.substr(0, colon)).filename().string() + where.substr(colon);
}

// A module that fails to import for a reason of its own (not a script that exits when
// imported, which has a hint of its own) is imported again by the plain interpreter, with the
// config's packages and site directories in front of its sys.path. If python fails alike (the
// same exception, with the same message or raised at the same line), the failure is the
// module's, not the frozen app's: it is set aside, saying so. Without that python, nothing is
// set aside.
void set_aside_failures_of_python(Plan& plan, std::vector<Outcome>& outcomes, const HintContext& context,
                                  const fs::path& scratch, int timeout_seconds) {
  constexpr std::size_t kMostCompared = 40;  // each costs a python start and the module's imports
  std::error_code error;
  if (!fs::is_regular_file(context.interpreter, error)) return;
  PlainPython python{context.interpreter, context.config.package_paths, {}, scratch, std::chrono::seconds(timeout_seconds)};
  for (const auto& site : context.config.site_packages) python.site_dirs.push_back(site.dir);
  std::size_t compared = 0;
  for (std::size_t i = 0; i < plan.items.size() && compared < kMostCompared; ++i) {
    Outcome& outcome = outcomes[i];
    if (plan.items[i].kind != "module" || outcome.state != Outcome::State::Failed || outcome.crashed ||
        outcome.timed_out || outcome.error_type == "SystemExit") {
      continue;
    }
    // A missing module has hints of its own, unless an installed package's module misses one
    // that is installed nowhere here (its optional integrations: pygments.sphinxext without
    // docutils): then python fails alike, and it is not the app's to fix.
    if (!outcome.missing_module.empty() &&
        (!plan.items[i].third_party || context.included_modules.contains(outcome.missing_module) ||
         installed_site_of(outcome.missing_module.substr(0, outcome.missing_module.find('.')), context))) {
      continue;
    }
    ++compared;
    const PlainImport plain = import_under_python(python, plan.items[i].name);
    outcome.imports_under_python = plain.state == PlainImport::State::Imported;
    if (plain.state != PlainImport::State::Failed || plain.error_type != outcome.error_type ||
        (plain.message != outcome.message && (plain.where.empty() || plain.where != frame_site(outcome.where)))) {
      continue;
    }
    outcome.state = Outcome::State::Skipped;
    std::string shown = outcome.error_type + (outcome.message.empty() ? "" : ": " + outcome.message);
    if (shown.size() > 120) shown = shown.substr(0, 117) + "...";
    plan.skipped.push_back({plan.items[i].name,
                            "fails alike under " + context.interpreter.string() + " (" + shown +
                                "): the module's own failure, not the frozen app's",
                            true});
  }
}

// Each plugin distribution the config leaves out becomes a failed item of its own.
void add_absent_plugins(Plan& plan, std::vector<Outcome>& outcomes) {
  for (const auto& plugins : plan.absent) {
    const EntryPoint& first = plugins.entry_points.front();
    std::set<std::string> groups;
    for (const auto& entry_point : plugins.entry_points) groups.insert(entry_point.group);
    std::string group_list;
    for (const auto& group : groups) group_list += (group_list.empty() ? "" : ", ") + group;
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

// The verification copy: the app's config with the checking program as its entry, built into
// `temp` with the build's own notes quiet. Its errors name the user's config, not the copy's.
BuildResult build_verification_copy(const AppConfig& config, const fs::path& dir,
                                    const std::optional<fs::path>& distribution, bool announce) {
  const fs::path toml_file = dir / "check.toml";
  {
    std::ofstream file(toml_file, std::ios::binary);
    file << verification_config(config);
    if (!file) throw UserError(toml_file.string() + ": cannot write (is the temporary directory full?)");
  }
  const std::string building = "freeze check: building a verification copy of " + config.name + " from " +
                               config.config_file.string();
  announce ? note(building) : detail(building);
  BuildOptions build_options;
  build_options.config_file = toml_file;
  build_options.output_dir = dir / "exe";
  build_options.distribution = distribution;
  const Verbosity saved = verbosity();
  if (saved != Verbosity::Verbose) set_verbosity(Verbosity::Quiet);  // the build's own notes
  try {
    BuildResult built = build(build_options);
    set_verbosity(saved);
    return built;
  } catch (const UserError& error) {
    set_verbosity(saved);
    throw UserError(replace_all(error.what(), toml_file.string(), config.config_file.string()));
  }
}

// The list of checks the checking program reads: one line each, kind and arguments.
void write_manifest(const Plan& plan, const fs::path& manifest) {
  std::ofstream file(manifest, std::ios::binary);
  for (const auto& item : plan.items) {
    file << item.kind;
    for (const auto& arg : item.args) file << '\t' << arg;
    file << '\n';
  }
}

// An in-memory module's virtual path: can the checking program open it by path?
std::string path_probe(const Inspection& inspection, const fs::path& executable) {
  for (const auto& item : inspection.entries) {
    if (item.kind == blob::Kind::Module && item.in_memory() && !item.path.empty()) {
      return (executable.parent_path() / item.path).string();
    }
  }
  return {};
}

// Runs the checking program until every check has an outcome, starting it again after the
// check that crashed or hung it.
std::vector<Outcome> run_checks(const Plan& plan, const fs::path& executable, const fs::path& dir,
                                const fs::path& manifest, const std::string& probe, int timeout_seconds,
                                bool& files_readable) {
  std::vector<Outcome> outcomes(plan.items.size());
  files_readable = false;
  std::size_t next = 0;
  for (int runs = 0; next < plan.items.size(); ++runs) {
    if (runs >= 50) {
      throw UserError("the verification executable keeps stopping; the report so far would be incomplete");
    }
    next = run_from(executable, manifest, dir / "output.log", next, timeout_seconds, probe, files_readable,
                    outcomes);
  }
  return outcomes;
}

HintContext hint_context(const AppConfig& config, const std::optional<fs::path>& distribution_option,
                         const Inspection& inspection, const fs::path& executable, bool files_readable) {
  // The stdlib of the CPython the app is frozen for: a distribution's, or Debian's.
  const std::optional<PythonDistribution> distribution = chosen_distribution(config, distribution_option);
  HintContext context{config, inspection, {}, {}, executable.parent_path(),
                      distribution ? distribution->stdlib_dir : BuildPython::instance().stdlib_dir(),
                      distribution ? distribution->version : PythonVersion::embedded(), !distribution,
                      !distribution || distribution->version.short_version() == PythonVersion::embedded().short_version(),
                      distribution ? distribution->interpreter : fs::path("/usr/bin") / PythonVersion::embedded().lib_name(),
                      {}, files_readable};
  for (const auto& item : inspection.entries) {
    if (item.importable()) {
      context.included_modules.insert(item.name);
      context.included_tops.insert(item.top_level);
      if (item.package && !item.path.empty()) {
        const fs::path init = context.exe_dir / item.path;
        context.package_dirs[init.parent_path().lexically_normal().string()] = {item.name, item.in_memory()};
      }
    }
  }
  return context;
}

// One build and run of the verification copy of `config`, in `dir`.
struct Round {
  BuildResult built;
  Inspection inspection;
  Plan plan;
  std::vector<Outcome> outcomes;
  bool files_readable = false;
};

// `keep`, when given, chooses the checks run (the later rounds of complete_site_packages).
Round run_round(const AppConfig& config, const CheckOptions& options, const fs::path& dir,
                const std::function<bool(const Item&)>& keep = nullptr) {
  Round round;
  round.built = build_verification_copy(config, dir, options.distribution, !keep);
  round.inspection = read_inspection(round.built.executable);
  round.plan = plan_checks(config, round.inspection, options);
  if (keep) std::erase_if(round.plan.items, [&](const Item& item) { return !keep(item); });
  const fs::path manifest = dir / "manifest.txt";
  write_manifest(round.plan, manifest);
  // The first round's count is news; a completion round's is a detail of its own note.
  const std::string running = "running " + std::to_string(round.plan.items.size()) +
                              (round.plan.items.size() == 1 ? " check" : " checks");
  keep ? detail(running) : note(running);
  round.outcomes = run_checks(round.plan, round.built.executable, dir, manifest,
                              path_probe(round.inspection, round.built.executable), options.timeout_seconds,
                              round.files_readable);
  return round;
}

// The top-level modules that failed imports miss and that a site directory the hints would
// name has installed, by directory; and the checks that failed so.
struct MissingInstalled {
  std::map<fs::path, std::set<std::string>> tops;
  std::set<std::string> failed_checks;  // Item::name
};

MissingInstalled missing_installed(const Plan& plan, const std::vector<Outcome>& outcomes, const HintContext& context) {
  MissingInstalled missing;
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    const Outcome& outcome = outcomes[i];
    if (outcome.state != Outcome::State::Failed || outcome.missing_module.empty()) continue;
    const std::string top = outcome.missing_module.substr(0, outcome.missing_module.find('.'));
    if (context.included_tops.contains(top) || test_tools().contains(top)) continue;
    if (in_stdlib(top, context)) continue;
    if (const auto site = installed_site_of(top, context)) {
      missing.tops[*site].insert(top);
      missing.failed_checks.insert(plan.items[i].name);
    }
  }
  return missing;
}

// The site_packages that leave no installed package missing: what the first round misses is
// included, and the check runs again on what failed so and on the packages added (whose own
// imports can miss more), until a round misses nothing installed. One suggestion instead of a
// check, edit and check again per layer of dependencies (httpie from Debian has nine).
struct Completion {
  std::vector<AppConfig::SitePackages> site_packages;  // the config's, with the additions
  std::vector<std::string> added;                      // in the order found
  std::size_t rounds = 0;                              // checks run again
  bool complete = false;                               // the last round missed nothing installed
};

Completion complete_site_packages(const AppConfig& config, const CheckOptions& options, const fs::path& scratch,
                                  MissingInstalled missing) {
  constexpr std::size_t kMostRounds = 20;  // a layer per round: httpie from Debian has nine
  AppConfig extended = config;
  Completion completion;
  while (!missing.tops.empty() && completion.rounds < kMostRounds) {
    std::set<std::string> added_now;
    for (const auto& [dir, tops] : missing.tops) {
      auto site = std::find_if(extended.site_packages.begin(), extended.site_packages.end(),
                               [&](const AppConfig::SitePackages& s) { return s.dir == dir; });
      if (site == extended.site_packages.end()) {
        extended.site_packages.push_back({dir, {}});
        site = std::prev(extended.site_packages.end());
      }
      for (const auto& top : tops) {
        if (std::find(site->include.begin(), site->include.end(), top) != site->include.end()) continue;
        site->include.push_back(top);
        completion.added.push_back(top);
        added_now.insert(top);
      }
    }
    if (added_now.empty()) break;
    ++completion.rounds;
    std::string names;
    for (const auto& top : added_now) names += (names.empty() ? "" : ", ") + top;
    note("freeze check: checking again with the installed package(s) it lacks: " + names);
    const fs::path dir = scratch / ("completion-" + std::to_string(completion.rounds));
    fs::create_directories(dir);
    const std::set<std::string> retry = missing.failed_checks;
    Round round;
    try {
      round = run_round(extended, options, dir, [&](const Item& item) {
        return retry.contains(item.name) || (item.kind == "module" && added_now.contains(item.top_level));
      });
    } catch (const UserError& error) {  // the additions do not build: suggest what was found so far
      detail(std::string("freeze check: the copy with them included does not build: ") + error.what());
      completion.site_packages = extended.site_packages;
      return completion;
    }
    const HintContext context = hint_context(extended, options.distribution, round.inspection, round.built.executable,
                                             round.files_readable);
    set_aside_testing_helpers(round.plan, round.outcomes, context.included_tops);
    missing = missing_installed(round.plan, round.outcomes, context);
  }
  completion.complete = missing.tops.empty();
  completion.site_packages = extended.site_packages;
  return completion;
}

// The site_packages lines to paste: every table of the config's, in its order, with the additions.
std::string site_packages_lines(const Completion& completion) {
  std::string out = "site_packages = [";
  for (std::size_t i = 0; i < completion.site_packages.size(); ++i) {
    const auto& site = completion.site_packages[i];
    out += std::string(i == 0 ? "" : ",\n                 ") + "{ dir = " + quote(site.dir.string()) +
           ", include = " + quoted_list(site.include) + " }";
  }
  return out + "]";
}

// What the report is made of.
struct Results {
  const AppConfig& config;
  const Plan& plan;
  const std::vector<Outcome>& outcomes;
  const HintContext& context;
  std::size_t failed = 0;
  std::size_t passed = 0;
  std::map<std::string, std::size_t> counts;  // checks by kind
  double seconds = 0;
  Completion completion;  // empty when no installed package is missing
};

void write_json_report(const Results& results, std::ostream& out) {
  const Plan& plan = results.plan;
  const auto& outcomes = results.outcomes;
  const HintContext& context = results.context;
  const AppConfig& config = results.config;
  const std::size_t failed = results.failed;
  const std::size_t passed = results.passed;
  nlohmann::json doc;
  doc["config"] = config.config_file.string();
  doc["checks"] = plan.items.size();
  doc["passed"] = passed;
  doc["failed"] = failed;
  doc["failures"] = nlohmann::json::array();
  doc["warnings"] = nlohmann::json::array();
  doc["skipped"] = nlohmann::json::array();
  doc["stdlib_modules_not_imported"] = plan.stdlib_modules_not_imported;
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    const Item& item = plan.items[i];
    const Outcome& outcome = outcomes[i];
    for (const auto& warning_text : outcome.warnings) {
      doc["warnings"].push_back({{"kind", item.kind}, {"name", item.name}, {"message", warning_text}});
    }
    if (outcome.state != Outcome::State::Failed) continue;
    nlohmann::json failure;
    failure["kind"] = item.kind;
    failure["name"] = item.name;
    failure["location"] = item.location;
    failure["error_type"] = outcome.error_type;
    failure["message"] = display_path(outcome.message, context.exe_dir);
    failure["where"] = display_path(outcome.where, context.exe_dir);
    failure["traceback"] = display_path(outcome.traceback, context.exe_dir);
    failure["hint"] = hint_for(item, outcome, context);
    if (!outcome.output.empty()) failure["output"] = display_path(outcome.output, context.exe_dir);
    doc["failures"].push_back(std::move(failure));
  }
  for (const auto& skipped : plan.skipped) doc["skipped"].push_back({{"name", skipped.name}, {"reason", skipped.reason}});
  if (!results.completion.added.empty()) {
    nlohmann::json sites = nlohmann::json::array();
    for (const auto& site : results.completion.site_packages) {
      sites.push_back({{"dir", site.dir.string()}, {"include", site.include}});
    }
    doc["complete_site_packages"] = {{"site_packages", sites}, {"added", results.completion.added},
                                     {"rounds", results.completion.rounds}, {"complete", results.completion.complete}};
  }
  out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

// Failures with the same exception and hint are one problem: shown once, with the others listed.
std::vector<std::vector<std::size_t>> failure_groups(const Results& results) {
  std::vector<std::vector<std::size_t>> groups;
  std::map<std::string, std::size_t> group_of;  // "type: message | hint" -> group
  for (std::size_t i = 0; i < results.plan.items.size(); ++i) {
    const Outcome& outcome = results.outcomes[i];
    if (outcome.state != Outcome::State::Failed) continue;
    const std::string key = outcome.crashed || outcome.timed_out
                                ? "#" + std::to_string(i)
                                : outcome.error_type + ": " + display_path(outcome.message, results.context.exe_dir) +
                                      " | " + hint_for(results.plan.items[i], outcome, results.context);
    const auto [it, inserted] = group_of.emplace(key, groups.size());
    if (inserted) groups.emplace_back();
    groups[it->second].push_back(i);
  }
  return groups;
}

void write_failure(const Results& results, const std::vector<std::size_t>& group, bool colors, bool verbose,
                   std::ostream& out) {
  const Plan& plan = results.plan;
  const HintContext& context = results.context;
  const Item& item = plan.items[group.front()];
  const Outcome& outcome = results.outcomes[group.front()];
  out << paint("FAIL", Style::Red, colors) << "  " << paint(item.kind + " " + item.name, Style::Bold, colors) << "  ["
      << item.location << "]\n";
  const std::string message = display_path(outcome.message, context.exe_dir);
  const std::string where = replace_all(outcome.where, context.exe_dir.string() + "/", "");
  out << "      " << outcome.error_type << (message.empty() ? "" : ": " + message) << "\n";
  if (!where.empty()) out << "      at " << where << "\n";
  if (verbose && !outcome.traceback.empty()) out << indent(display_path(outcome.traceback, context.exe_dir), "      | ");
  if (!outcome.output.empty()) {
    out << "      its last output:\n" << indent(display_path(outcome.output, context.exe_dir), "      | ");
  }
  if (group.size() > 1) {
    const std::size_t shown = verbose ? group.size() - 1 : std::min<std::size_t>(group.size() - 1, 8);
    std::string names;
    for (std::size_t k = 1; k <= shown; ++k) names += (k > 1 ? ", " : "") + plan.items[group[k]].name;
    if (shown < group.size() - 1) names += ", ... (--verbose lists all)";
    out << "      the same failure in " << group.size() - 1 << " more: " << names << "\n";
  }
  out << "      " << paint("hint:", Style::Cyan, colors) << " " << hint_for(item, outcome, context) << "\n";
}

void write_warnings(const Results& results, bool colors, std::ostream& out) {
  out << paint("possible problems (not failures):", Style::Yellow, colors) << "\n";
  for (const auto& outcome : results.outcomes) {
    for (const auto& warning_text : outcome.warnings) out << "  " << warning_text << "\n";
  }
  out << "  these modules build paths from __file__ while their package's data files are in memory: if they open\n"
         "  those files with open(), route the package to the filesystem ([[routing.rule]] location =\n"
         "  \"filesystem-relative\") or read them with importlib.resources\n";
}

// The closing lines: how many checks of which kinds passed, what was not imported, what next.
void write_summary(const Results& results, std::size_t problem_count, bool colors, bool quiet, bool verbose,
                   std::ostream& out) {
  const Plan& plan = results.plan;
  const std::size_t failed = results.failed;
  std::map<std::string, std::size_t> counts = results.counts;
  std::string what;
  auto add = [&](const char* kind, const char* singular, const char* plural) {
    if (!counts.contains(kind)) return;
    what += (what.empty() ? "" : ", ") + std::to_string(counts[kind]) + " " + (counts[kind] == 1 ? singular : plural);
  };
  add("entry", "entry point", "entry points");
  add("module", "module", "modules");
  add("resource", "resource file", "resource files");
  add("metadata", "distribution's metadata", "distributions' metadata");
  add("entry_point", "plugin entry point", "plugin entry points");
  add("plugin", "plugin distribution not included", "plugin distributions not included");
  std::ostringstream summary;
  summary.precision(1);
  summary << std::fixed;
  if (failed == 0) {
    summary << paint(plan.items.size() == 1 ? std::string("the 1 check passed") : "all " + std::to_string(plan.items.size()) + " checks passed", Style::Green, colors);
  } else {
    summary << paint(std::to_string(failed) + " of " + std::to_string(plan.items.size()) + " checks failed", Style::Red,
                     colors);
    if (problem_count < failed) {
      summary << ", " << problem_count << (problem_count == 1 ? " distinct problem" : " distinct problems");
    }
  }
  summary << " (" << (what.empty() ? "nothing to check" : what) << ") in " << results.seconds << " s\n";
  out << summary.str();
  if (quiet) return;
  if (plan.stdlib_modules_not_imported > 0) {
    out << "not imported: " << plan.stdlib_modules_not_imported
        << " standard library modules (freeze check --stdlib imports them too)\n";
  }
  const auto fails_under_python = static_cast<std::size_t>(std::count_if(
      plan.skipped.begin(), plan.skipped.end(), [](const Skipped& skipped) { return skipped.fails_under_python; }));
  if (plan.skipped.size() > fails_under_python) {
    out << "not imported: " << plan.skipped.size() - fails_under_python
        << " module(s) that run code when imported, need a display, are tests or for Windows, or were excluded"
        << (verbose ? ":" : " (--verbose lists them)") << "\n";
    if (verbose) {
      for (const auto& skipped : plan.skipped) {
        if (!skipped.fails_under_python) out << "  " << skipped.name << ": " << skipped.reason << "\n";
      }
    }
  }
  if (fails_under_python > 0) {
    out << "set aside: " << fails_under_python << " module(s) that fail alike under "
        << results.context.interpreter.string() << ", not only frozen" << (verbose ? ":" : " (--verbose lists them)")
        << "\n";
    if (verbose) {
      for (const auto& skipped : plan.skipped) {
        if (skipped.fails_under_python) out << "  " << skipped.name << ": " << skipped.reason << "\n";
      }
    }
  }
  if (failed == 0) {
    out << "next: freeze build " << results.config.config_file.string() << "\n";
  }
}

// Every installed package the app lacks, as one site_packages setting to paste.
void write_completion(const Completion& completion, bool colors, std::ostream& out) {
  const std::size_t count = completion.added.size();
  out << paint("missing installed packages:", Style::Cyan, colors) << " " << count << (count == 1 ? " package" : " packages")
      << " the app imports " << (count == 1 ? "is" : "are") << " installed but not included"
      << (completion.rounds > 1 ? " (checked again " + std::to_string(completion.rounds) + " times with them, for what they import in turn)"
                                : "")
      << ": " << quoted_items(completion.added) << ". With them:\n"
      << "        " << site_packages_lines(completion) << "\n";
  if (!completion.complete) {
    out << "      (not every layer was found: freeze check again with these to see the rest)\n";
  }
}

void write_text_report(const Results& results, std::ostream& out) {
  const bool colors = use_colors(stdout);
  const bool quiet = verbosity() == Verbosity::Quiet;
  const bool verbose = verbosity() == Verbosity::Verbose;
  std::size_t warnings = 0;
  for (std::size_t i = 0; i < results.plan.items.size(); ++i) {
    const Outcome& outcome = results.outcomes[i];
    warnings += outcome.warnings.size();
    if (outcome.state == Outcome::State::Passed && verbose) {
      out << paint("ok", Style::Green, colors) << "    " << results.plan.items[i].kind << " " << results.plan.items[i].name
          << "\n";
    }
  }
  const auto groups = failure_groups(results);
  for (const auto& group : groups) write_failure(results, group, colors, verbose, out);
  if (!results.completion.added.empty()) write_completion(results.completion, colors, out);
  if (warnings > 0 && !quiet) write_warnings(results, colors, out);
  if (!quiet || results.failed > 0) write_summary(results, groups.size(), colors, quiet, verbose, out);
}

}  // namespace

int check(const CheckOptions& options, std::ostream& out) {
  const auto started = std::chrono::steady_clock::now();
  const AppConfig config = load_app_config(options.config_file);  // errors name the real file
  explain_config(config);
  ScratchDirectory::remove_abandoned(temporary_parent(), "freeze-check-");  // of checks that were killed
  ScratchDirectory temp(temporary_parent(), "freeze-check-");
  Round round = run_round(config, options, temp.path());
  Plan& plan = round.plan;
  std::vector<Outcome>& outcomes = round.outcomes;

  const HintContext context = hint_context(config, options.distribution, round.inspection, round.built.executable,
                                           round.files_readable);
  set_aside_testing_helpers(plan, outcomes, context.included_tops);
  set_aside_missing_extensions(plan, outcomes, context.included_modules);
  set_aside_failures_of_python(plan, outcomes, context, temp.path(), options.timeout_seconds);
  Completion completion = complete_site_packages(config, options, temp.path(), missing_installed(plan, outcomes, context));
  add_absent_plugins(plan, outcomes);
  Results results{config, plan, outcomes, context, 0, 0, {}, 0, std::move(completion)};
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    ++results.counts[plan.items[i].kind];
    if (outcomes[i].state == Outcome::State::Failed) ++results.failed;
    if (outcomes[i].state == Outcome::State::Passed) ++results.passed;
  }
  results.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (options.json) {
    write_json_report(results, out);
  } else {
    write_text_report(results, out);
  }
  return results.failed == 0 ? 0 : 1;
}

}  // namespace freeze::packager

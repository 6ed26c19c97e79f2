#include "packager/config/app_config.h"

#include <glob.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <sstream>

#include "packager/collect/distributions.h"
#include "packager/config/python_version.h"
#include "packager/support/console.h"
#include "packager/support/user_error.h"
#include "packager/support/text.h"

namespace freeze::packager {
namespace {

namespace fs = std::filesystem;

// Formats "<file>:<line>: <key>: <message>".
[[noreturn]] void fail(const AppConfig& config, const toml::node* node, std::string_view key, std::string_view message) {
  std::ostringstream out;
  out << config.config_file.string();
  if (node != nullptr && node->source().begin.line != 0) out << ':' << node->source().begin.line;
  out << ": " << config.key_prefix << key << ": " << message;
  throw UserError(out.str());
}

void reject_unknown_keys(const AppConfig& config, const toml::table& table, std::string_view table_name,
                         const std::set<std::string_view>& known) {
  for (const auto& [key, node] : table) {
    if (!known.contains(key.str())) {
      const std::string expected = join(known);
      const std::string where = table_name.empty() ? std::string(key.str()) : std::string(table_name) + "." + std::string(key.str());
      fail(config, &node, where, "unknown key (expected one of: " + expected + ")");
    }
  }
}

const toml::table* get_table(const AppConfig& config, const toml::table& root, std::string_view name) {
  const toml::node* node = root.get(name);
  if (node == nullptr) return nullptr;
  if (!node->is_table()) fail(config, node, name, "must be a table ([" + std::string(name) + "])");
  return node->as_table();
}

std::optional<std::string> get_string(const AppConfig& config, const toml::table& table, std::string_view table_name,
                                      std::string_view key) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  if (!node->is_string()) fail(config, node, std::string(table_name) + "." + std::string(key), "must be a string");
  return node->as_string()->get();
}

std::optional<bool> get_bool(const AppConfig& config, const toml::table& table, std::string_view table_name,
                             std::string_view key) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  if (!node->is_boolean()) fail(config, node, std::string(table_name) + "." + std::string(key), "must be true or false");
  return node->as_boolean()->get();
}

std::optional<std::vector<std::string>> get_string_array(const AppConfig& config, const toml::table& table,
                                                         std::string_view table_name, std::string_view key) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  const std::string where = std::string(table_name) + "." + std::string(key);
  if (!node->is_array()) fail(config, node, where, "must be an array of strings");
  std::vector<std::string> values;
  for (const auto& item : *node->as_array()) {
    if (!item.is_string()) fail(config, &item, where, "must be an array of strings");
    values.push_back(item.as_string()->get());
  }
  return values;
}

// pyproject.toml: [project] supplies defaults for [tool.freeze.app] name and entry.
struct ProjectDefaults {
  std::optional<std::string> name;   // [project] name
  std::optional<std::string> entry;  // the [project.scripts] entry that the app runs
  std::string entry_problem;         // why no entry could be taken from [project.scripts]
};

// Control characters (NUL, newline, escape sequences) make no sane file name and would reach
// the terminal in messages.
bool has_control_characters(std::string_view name) {
  return std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
}

// An entry as app.entry writes it ("module", "module:function", "console_script:NAME") into
// its parts; `key` names it in errors.
void parse_entry_text(const AppConfig& config, const toml::node* node, const std::string& key, const std::string& text,
                      std::string& module, std::string& function, std::string& console_script) {
  if (text.starts_with("console_script:")) {
    console_script = text.substr(std::string_view("console_script:").size());
    if (console_script.empty()) fail(config, node, key, "console_script: needs a NAME");
    return;
  }
  const auto colon = text.find(':');
  module = text.substr(0, colon);
  function = colon == std::string::npos ? "" : text.substr(colon + 1);
  if (!is_dotted_name(module) || (colon != std::string::npos && !is_dotted_name(function))) {
    fail(config, node, key, "'" + text + "' is not \"module\" or \"module:function\" (dotted Python names)");
  }
}

void parse_commands(AppConfig& config, const toml::node& node) {
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    fail(config, &node, "app.commands", "must be a table of command names and entries, as { other-tool = \"pkg.cli:main\" }");
  }
  for (const auto& [key, value] : *table) {
    AppConfig::Command command;
    command.name = std::string(key.str());
    const std::string where = "app.commands." + command.name;
    if (command.name.empty() || command.name.starts_with(".") || command.name.find('/') != std::string::npos ||
        has_control_characters(command.name)) {
      fail(config, &value, where, "'" + command.name + "' is not a valid command name (a file name not starting with '.')");
    }
    if (command.name == config.name) {
      fail(config, &value, where, "is app.name: under its own name the executable runs app.entry");
    }
    if (command.name == "lib" || command.name == "local") {
      fail(config, &value, where, "'" + command.name + "' is the directory files routed beside the executable go to");
    }
    if (value.is_table()) {
      fail(config, &value, where, "is a table: TOML reads a dotted key as one; quote a command name with a dot in it (\"" +
                                      command.name + ".x\" = ...)");
    }
    if (!value.is_string()) {
      fail(config, &value, where, "must be a string: an entry as app.entry (\"module:function\", \"console_script:NAME\")");
    }
    parse_entry_text(config, &value, where, value.as_string()->get(), command.entry_module, command.entry_function,
                     command.console_script);
    config.commands.push_back(std::move(command));
  }
}

void parse_app(AppConfig& config, const toml::table& app, const ProjectDefaults& defaults) {
  reject_unknown_keys(config, app, "app", {"name", "entry", "code", "commands"});
  auto name = get_string(config, app, "app", "name");
  if (!name) name = defaults.name;
  if (!name) fail(config, &app, "app.name", "missing: the executable's name is required");
  if (has_control_characters(*name)) fail(config, app.get("name"), "app.name", "must not contain control characters (newline, escape, NUL)");
  if (name->empty() || *name == "." || *name == ".." || name->find('/') != std::string::npos) {
    fail(config, app.get("name"), "app.name", "'" + *name + "' is not a valid file name");
  }
  config.name = *name;
  if (const toml::node* commands = app.get("commands")) parse_commands(config, *commands);

  auto entry = get_string(config, app, "app", "entry");
  const auto code = get_string(config, app, "app", "code");
  if (!entry && !code && defaults.entry) {
    entry = defaults.entry;
  } else if (!entry && !code && !defaults.entry_problem.empty()) {
    fail(config, &app, "app.entry", "missing, and " + defaults.entry_problem);
  }
  if (entry.has_value() == code.has_value()) {
    fail(config, &app, "app.entry", "set exactly one of app.entry (\"module\" or \"module:function\") and app.code");
  }
  if (code) {
    config.code = *code;
    if (config.code.empty()) fail(config, app.get("code"), "app.code", "must not be empty");
    return;
  }
  parse_entry_text(config, app.get("entry"), "app.entry", *entry, config.entry_module, config.entry_function,
                   config.console_script);
}

fs::path existing_directory(const AppConfig& config, const toml::node* node, std::string_view key, const std::string& path);

void parse_python(AppConfig& config, const toml::table& python) {
  reject_unknown_keys(config, python, "python", {"isolated", "optimize", "interpreter", "unbuffered", "site", "frozen", "distribution", "version"});
  if (const auto isolated = get_bool(config, python, "python", "isolated")) config.isolated = *isolated;
  if (const auto interpreter = get_bool(config, python, "python", "interpreter")) config.interpreter = *interpreter;
  if (const auto unbuffered = get_bool(config, python, "python", "unbuffered")) config.unbuffered = *unbuffered;
  if (const auto site = get_bool(config, python, "python", "site")) config.site = *site;
  if (const auto frozen = get_bool(config, python, "python", "frozen")) config.frozen = *frozen;
  if (const toml::node* node = python.get("optimize")) {
    const auto value = node->value<std::int64_t>();
    if (!node->is_integer() || !value || *value < 0 || *value > 2) {
      fail(config, node, "python.optimize", "must be 0, 1 or 2");
    }
    config.optimize = static_cast<int>(*value);
  }
  if (const auto version = get_string(config, python, "python", "version")) {
    if (!PythonVersion::parse_target(*version)) {
      fail(config, python.get("version"), "python.version", "must be a CPython version from 3.11 on, as \"3.13\"");
    }
    config.python_version = *version;
  }
  if (const auto distribution = get_string(config, python, "python", "distribution")) {
    config.distribution = existing_directory(config, python.get("distribution"), "python.distribution", *distribution);
  }
}

// A dotted module name, or an fnmatch glob over one ("*.tests", "encodings.cp*").
bool is_module_pattern(std::string_view name) {
  if (name.find_first_of("*?[") == std::string_view::npos) return is_dotted_name(name);
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_.*?[]!-", c) != nullptr ||
           static_cast<unsigned char>(c) >= 0x80;
  });
}

// A '/'-separated relative path or fnmatch glob that stays below its directory: no empty,
// "." or ".." component ("data", "*.conf", "share/*/x.txt").
bool is_relative_glob(std::string_view glob) {
  if (glob.empty() || glob.find('\0') != std::string_view::npos) return false;
  while (true) {
    const auto slash = glob.find('/');
    const auto part = glob.substr(0, slash);
    if (part.empty() || part == "." || part == "..") return false;
    if (slash == std::string_view::npos) return true;
    glob.remove_prefix(slash + 1);
  }
}

// table.key as a list of module patterns (stdlib.exclude, packages.exclude), or nullopt if absent.
std::optional<std::vector<std::string>> get_module_patterns(const AppConfig& config, const toml::table& table,
                                                            std::string_view table_name, std::string_view key) {
  auto patterns = get_string_array(config, table, table_name, key);
  if (!patterns) return patterns;
  const std::string full_key = std::string(table_name) + "." + std::string(key);
  for (const auto& name : *patterns) {
    if (!is_module_pattern(name)) fail(config, table.get(key), full_key, "'" + name + "' is not a dotted module name or glob");
  }
  return patterns;
}

void parse_stdlib(AppConfig& config, const toml::table& stdlib) {
  reject_unknown_keys(config, stdlib, "stdlib", {"include", "exclude", "add"});
  if (const auto include = get_string(config, stdlib, "stdlib", "include")) {
    if (*include == "all") {
      config.stdlib_include = StdlibInclude::All;
    } else if (*include == "none") {
      config.stdlib_include = StdlibInclude::None;
    } else if (*include == "reachable") {
      config.stdlib_include = StdlibInclude::Reachable;
    } else {
      fail(config, stdlib.get("include"), "stdlib.include",
           "must be \"all\", \"reachable\" or \"none\", not \"" + *include + "\"");
    }
  }
  if (auto add = get_string_array(config, stdlib, "stdlib", "add")) {
    for (const auto& name : *add) {
      if (!is_dotted_name(name)) fail(config, stdlib.get("add"), "stdlib.add", "'" + name + "' is not a dotted module name");
    }
    config.stdlib_add = std::move(*add);
  }
  if (auto exclude = get_module_patterns(config, stdlib, "stdlib", "exclude")) config.stdlib_exclude = std::move(*exclude);
}

fs::path existing_directory(const AppConfig& config, const toml::node* node, std::string_view key, const std::string& path) {
  const fs::path absolute = fs::absolute(config.base_dir / path).lexically_normal();
  std::error_code error;
  if (!fs::is_directory(absolute, error)) {
    fail(config, node, key, "'" + path + "' is not a directory (" + absolute.string() + ")");
  }
  return absolute;
}

bool is_module_name(std::string_view name) {
  // Any name import can reach at the top level: identifiers, and mypyc's "<hash>__mypyc".
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return std::isalnum(c) || c == '_' || c >= 0x80;
  });
}

// "pycodestyle.py" or "_cffi_backend.cpython-311-x86_64-linux-gnu.so": the module's file,
// where include wants its name. Empty when NAME is not a module file's name.
std::string module_named_by_file(std::string_view name) {
  const auto dot = name.find('.');
  if (dot == std::string_view::npos) return "";
  const std::string_view stem = name.substr(0, dot);
  const std::string_view suffix = name.substr(dot);
  const bool module_file = suffix == ".py" || suffix == ".pyc" || suffix.ends_with(".so");
  if (!module_file || !is_module_name(stem)) return "";
  return "include names modules as import does, not by their file: \"" + std::string(stem) + "\"";
}

void parse_site_packages(AppConfig& config, const toml::node& node) {
  const auto* array = node.as_array();
  if (array == nullptr) fail(config, &node, "packages.site_packages", "must be an array of { dir = ..., include = [...] }");
  for (const auto& item : *array) {
    const auto* table = item.as_table();
    if (table == nullptr) fail(config, &item, "packages.site_packages", "each entry must be { dir = ..., include = [...] }");
    reject_unknown_keys(config, *table, "packages.site_packages", {"dir", "include"});
    const auto dir = get_string(config, *table, "packages.site_packages", "dir");
    if (!dir) fail(config, &item, "packages.site_packages.dir", "missing");
    const auto include = get_string_array(config, *table, "packages.site_packages", "include");
    if (!include || include->empty()) {
      fail(config, &item, "packages.site_packages.include", "missing: list the top-level packages to take");
    }
    const fs::path directory = existing_directory(config, table->get("dir"), "packages.site_packages.dir", *dir);
    for (const auto& name : *include) {
      if (is_module_name(name)) continue;
      // A module's file name ("pycodestyle.py") or a distribution's name ("rdiff-backup") is
      // the usual slip: say what to write instead.
      std::string named = module_named_by_file(name);
      if (named.empty()) {
        const PythonVersion python =
            PythonVersion::parse_target(config.python_version).value_or(PythonVersion::embedded());
        named = distribution_named(directory, name, python);
      }
      fail(config, table->get("include"), "packages.site_packages.include",
           "'" + name + "' is not a top-level module name" + (named.empty() ? "" : ": " + named));
    }
    config.site_packages.push_back({directory, *include});
  }
}

void parse_wheels(AppConfig& config, const toml::node* node, const std::vector<std::string>& patterns) {
  for (const auto& pattern : patterns) {
    const std::string absolute = fs::absolute(config.base_dir / pattern).lexically_normal().string();
    glob_t matches{};
    const int rc = ::glob(absolute.c_str(), 0, nullptr, &matches);
    std::vector<fs::path> found(matches.gl_pathv, matches.gl_pathv + (rc == 0 ? matches.gl_pathc : 0));
    globfree(&matches);
    if (found.empty()) fail(config, node, "packages.wheels", "'" + pattern + "' matches no file");
    for (auto& path : found) config.wheels.push_back(std::move(path));
  }
}

void parse_routing(AppConfig& config, const toml::table& routing) {
  reject_unknown_keys(config, routing, "routing", {"default", "rule"});
  std::string error;
  if (const auto text = get_string(config, routing, "routing", "default")) {
    const auto placement = parse_location(*text, &error);
    if (!placement) fail(config, routing.get("default"), "routing.default", error);
    if (const auto text = old_prefix_warning(config.key_prefix + "routing.default", *placement); !text.empty()) warning(text);
    config.routing.default_target = *placement;
    config.routing.default_text = *text;
  }
  const toml::node* rules = routing.get("rule");
  if (rules == nullptr) return;
  if (!rules->is_array()) fail(config, rules, "routing.rule", "must be an array of tables ([[routing.rule]])");
  for (const auto& item : *rules->as_array()) {
    const auto* table = item.as_table();
    if (table == nullptr) fail(config, &item, "routing.rule", "must be a table ([[routing.rule]])");
    reject_unknown_keys(config, *table, "routing.rule", {"stdlib", "kind", "name", "location"});
    RoutingRule rule;
    rule.stdlib = get_bool(config, *table, "routing.rule", "stdlib");
    if (const auto kinds = get_string_array(config, *table, "routing.rule", "kind")) {
      for (const auto& kind : *kinds) {
        const auto parsed = parse_kind(kind);
        if (!parsed) fail(config, table->get("kind"), "routing.rule.kind", "'" + kind + "' is not one of module, resource, metadata, extension, shared-library");
        rule.kinds.push_back(*parsed);
      }
    }
    if (const toml::node* name = table->get("name"); name != nullptr && name->is_string()) {
      rule.names.push_back(name->as_string()->get());
    } else if (const auto names = get_string_array(config, *table, "routing.rule", "name")) {
      rule.names = *names;
    }
    const auto location = get_string(config, *table, "routing.rule", "location");
    if (!location) fail(config, &item, "routing.rule.location", "missing: where matching resources go");
    const auto placement = parse_location(*location, &error);
    if (!placement) fail(config, table->get("location"), "routing.rule.location", error);
    if (const auto text = old_prefix_warning(config.key_prefix + "routing.rule.location", *placement); !text.empty()) warning(text);
    rule.target = *placement;
    rule.text = *location;
    config.routing.rules.push_back(std::move(rule));
  }
}

void parse_packages(AppConfig& config, const toml::table& packages) {
  reject_unknown_keys(config, packages, "packages",
                      {"paths", "data_files", "site_packages", "wheels", "bundle_system_libraries", "exclude"});
  if (auto exclude = get_module_patterns(config, packages, "packages", "exclude")) {
    config.packages_exclude = std::move(*exclude);
  }
  if (const auto bundle = get_bool(config, packages, "packages", "bundle_system_libraries")) {
    config.bundle_system_libraries = *bundle;
  }
  if (const toml::node* node = packages.get("site_packages")) parse_site_packages(config, *node);
  if (const auto wheels = get_string_array(config, packages, "packages", "wheels")) {
    parse_wheels(config, packages.get("wheels"), *wheels);
  }
  if (const auto paths = get_string_array(config, packages, "packages", "paths")) {
    for (const auto& path : *paths) {
      config.package_paths.push_back(existing_directory(config, packages.get("paths"), "packages.paths", path));
    }
  }
  if (auto globs = get_string_array(config, packages, "packages", "data_files")) {
    for (const auto& glob : *globs) {
      if (!is_relative_glob(glob)) {
        fail(config, packages.get("data_files"), "packages.data_files",
             "'" + glob + "' is not a path or glob below a packages.paths directory (as \"data\" or \"*.conf\")");
      }
    }
    if (!globs->empty() && config.package_paths.empty()) {
      fail(config, packages.get("data_files"), "packages.data_files", "needs packages.paths, the directories its files are in");
    }
    config.package_data_files = std::move(*globs);
  }
}

}  // namespace

std::vector<std::string> default_stdlib_exclude() {
  // What an app does not need and costs size: CPython's test suite and the test packages of
  // stdlib packages (Debian's /usr/lib/python3.11 has unittest.test, ctypes.test,
  // distutils.tests, lib2to3.tests, tkinter.test and idlelib.idle_test), the GUI (tkinter with
  // its _tkinter extension, which would bring Tcl/Tk and X11 libraries along when python3-tk is
  // installed), and the tools that only serve an installation. lib2to3 itself stays: tools use it
  // at run time (autopep8 reads every file's encoding with it).
  return {"test",    "unittest.test", "ctypes.test", "distutils.tests", "lib2to3.tests", "idlelib",
          "tkinter", "_tkinter",      "turtledemo",  "ensurepip"};
}

std::vector<std::string> default_stdlib_exclude_without(const std::string& pattern) {
  const bool gui = pattern == "tkinter" || pattern == "_tkinter";
  std::vector<std::string> kept;
  for (const auto& name : default_stdlib_exclude()) {
    if (name != pattern && !(gui && (name == "tkinter" || name == "_tkinter"))) kept.push_back(name);
  }
  return kept;
}

namespace {

// [project] of a pyproject.toml: the name, and the entry from [project.scripts] (the only one,
// or the one named like the project).
ProjectDefaults project_defaults(const AppConfig& config, const toml::table& root) {
  ProjectDefaults defaults;
  const toml::table* project = root["project"].as_table();
  if (project == nullptr) {
    defaults.entry_problem = "pyproject.toml has no [project] table to take it from";
    return defaults;
  }
  if (const auto name = (*project)["name"].value<std::string>()) defaults.name = *name;
  const toml::table* scripts = (*project)["scripts"].as_table();
  if (scripts == nullptr || scripts->empty()) {
    defaults.entry_problem = "[project.scripts] declares no script to take it from: set tool.freeze.app.entry";
    return defaults;
  }
  auto normalise = [](std::string text) {
    for (auto& c : text) c = (c == '_' || c == '.') ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
  };
  std::string chosen;
  std::string listed;
  for (const auto& [key, value] : *scripts) {
    listed += (listed.empty() ? "" : ", ") + std::string(key.str());
    if (scripts->size() == 1 || (defaults.name && normalise(std::string(key.str())) == normalise(*defaults.name))) {
      chosen = std::string(key.str());
    }
  }
  if (chosen.empty()) {
    defaults.entry_problem = "[project.scripts] declares several scripts (" + listed +
                             "): set tool.freeze.app.entry to the one to run";
    return defaults;
  }
  const toml::node* value = scripts->get(chosen);
  if (!value->is_string()) fail(config, value, "project.scripts." + chosen, "must be a string \"module:function\"");
  std::string target = value->as_string()->get();
  target = target.substr(0, target.find('['));  // "pkg.cli:main [extra]"
  while (!target.empty() && std::isspace(static_cast<unsigned char>(target.back()))) target.pop_back();
  while (!target.empty() && std::isspace(static_cast<unsigned char>(target.front()))) target.erase(0, 1);
  defaults.entry = target;
  return defaults;
}

toml::table parse_toml_file(const AppConfig& config) {
  try {
    return toml::parse_file(config.config_file.string());
  } catch (const toml::parse_error& parse_error) {
    std::ostringstream out;
    out << config.config_file.string() << ':' << parse_error.source().begin.line << ':'
        << parse_error.source().begin.column << ": invalid TOML: " << parse_error.description();
    throw UserError(out.str());
  }
}

}  // namespace

bool is_pyproject(const fs::path& file) { return file.filename() == "pyproject.toml"; }

AppConfig load_app_config(const fs::path& file) {
  AppConfig config;
  config.config_file = fs::absolute(file).lexically_normal();
  config.base_dir = config.config_file.parent_path();
  config.stdlib_exclude = default_stdlib_exclude();

  std::error_code error;
  if (!fs::is_regular_file(config.config_file, error)) {
    throw UserError(config.config_file.string() + ": no such file (write an app.toml, see the README)");
  }
  const toml::table document = parse_toml_file(config);
  const toml::table* table = &document;
  ProjectDefaults defaults;
  if (is_pyproject(config.config_file)) {
    // pyproject.toml: the same tables under [tool.freeze]; [project] gives name and entry.
    config.key_prefix = "tool.freeze.";
    table = document["tool"]["freeze"].as_table();
    if (table == nullptr) {
      throw UserError(config.config_file.string() +
                      ": no [tool.freeze] table: add one (same keys as app.toml, e.g. [tool.freeze.packages] paths = "
                      "[\"src\"]), or run `freeze init` to write an app.toml");
    }
    defaults = project_defaults(config, document);
  }
  const toml::table& root = *table;

  reject_unknown_keys(config, root, "", {"app", "python", "stdlib", "packages", "routing"});
  const toml::table* app = get_table(config, root, "app");
  const toml::table no_app;
  if (app == nullptr && !config.key_prefix.empty()) app = &no_app;
  if (app == nullptr) fail(config, nullptr, "app", "missing: [app] with name and entry is required");
  parse_app(config, *app, defaults);
  if (const auto* python = get_table(config, root, "python")) parse_python(config, *python);
  if (const auto* stdlib = get_table(config, root, "stdlib")) parse_stdlib(config, *stdlib);
  if (const auto* packages = get_table(config, root, "packages")) parse_packages(config, *packages);
  if (const auto* routing = get_table(config, root, "routing")) parse_routing(config, *routing);
  return config;
}

}  // namespace freeze::packager

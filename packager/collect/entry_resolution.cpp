#include "packager/collect/entry_resolution.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "packager/collect/distributions.h"
#include "packager/support/console.h"
#include "packager/support/user_error.h"
#include "packager/support/text.h"

namespace freeze::packager {
namespace {

namespace fs = std::filesystem;

// When NAME is a Python script on PATH that no distribution declares (Debian writes some
// itself: /usr/bin/trash-list is `from trashcli.cmds import list as main; sys.exit(main())`),
// what to write in app.entry instead; else empty.
std::string script_on_path_hint(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream directories(path ? path : "");
  for (std::string directory; std::getline(directories, directory, ':');) {
    if (directory.empty()) continue;
    const fs::path script = fs::path(directory) / name;
    if (::access(script.c_str(), X_OK) != 0) continue;
    std::ifstream in(script);
    std::string line;
    if (!in || !std::getline(in, line) || !line.starts_with("#!") || line.find("python") == std::string::npos) continue;
    // `from pkg.mod import func [as alias]`, then a call of it at the top level.
    static const std::regex imported(R"(^from ([A-Za-z_][\w.]*) import ([A-Za-z_]\w*)(?: as ([A-Za-z_]\w*))?\s*$)");
    std::map<std::string, std::string> targets;  // name in the script -> "module:function"
    std::string called;
    while (std::getline(in, line)) {
      std::smatch match;
      if (std::regex_match(line, match, imported)) {
        targets[match[3].matched ? match[3].str() : match[2].str()] = match[1].str() + ":" + match[2].str();
      }
      for (const auto& [alias, target] : targets) {
        if (line == alias + "()" || line.starts_with("sys.exit(" + alias + "(")) called = target;
      }
    }
    if (!called.empty()) return "; " + script.string() + " is a Python script that calls " + called + ": entry = \"" + called + "\"";
    return "; " + script.string() + " is a Python script of its own: copy it into packages.paths as a module and name "
           "that module in app.entry";
  }
  return {};
}

// One entry point of the config: app.entry, or a command of app.commands.
struct EntryRef {
  std::string key;  // "app.entry", "app.commands.NAME"
  const std::string& console_script;
  std::string& module;
  std::string& function;
};

// Resolves "console_script:NAME" from the included distributions' entry_points.txt.
void resolve_console_script(const AppConfig& config, const EntryRef& entry, const std::vector<Resource>& metadata) {
  if (entry.console_script.empty()) return;
  const std::string target = find_console_script(metadata, entry.console_script);
  if (target.empty()) {
    // Debian renames some (its pyflakes3 is pyflakes' "pyflakes"): say which there are.
    std::vector<std::string> names;
    for (const auto& [name, script_target] : console_scripts(metadata)) names.push_back(name);
    const std::string declared = join(names);
    throw UserError(config.config_file.string() + ": " + entry.key + ": no included distribution declares the console script '" +
                    entry.console_script + "' (in entry_points.txt [console_scripts]); " +
                    (declared.empty() ? "they declare none" : "they declare: " + declared) +
                    script_on_path_hint(entry.console_script));
  }
  const auto colon = target.find(':');
  entry.module = target.substr(0, colon);
  entry.function = colon == std::string::npos ? "" : target.substr(colon + 1);
  detail("console script " + entry.console_script + " -> " + target);
}

void check_entry(const AppConfig& config, const EntryRef& entry, const std::vector<Resource>& resources) {
  if (entry.module.empty()) return;
  const bool found = std::any_of(resources.begin(), resources.end(), [&](const Resource& r) {
    return (r.kind == blob::Kind::Module || r.kind == blob::Kind::Extension) && r.name == entry.module;
  });
  if (found) return;
  std::string where;
  for (const auto& path : config.package_paths) where += (where.empty() ? "" : ", ") + path.string();
  throw UserError(config.config_file.string() + ": " + entry.key + ": module '" + entry.module +
                  "' is not among the included modules (packages.paths: " + (where.empty() ? "none" : where) + ")");
}

}  // namespace

void resolve_entry(AppConfig& config, const std::vector<Resource>& resources) {
  std::vector<EntryRef> entries{{"app.entry", config.console_script, config.entry_module, config.entry_function}};
  for (auto& command : config.commands) {
    entries.push_back({"app.commands." + command.name, command.console_script, command.entry_module, command.entry_function});
  }
  std::vector<Resource> metadata;  // only for console scripts: a copy of every distribution's files
  if (std::any_of(entries.begin(), entries.end(), [](const EntryRef& entry) { return !entry.console_script.empty(); })) {
    for (const auto& resource : resources) {
      if (resource.kind == blob::Kind::Metadata) metadata.push_back(resource);
    }
  }
  for (const auto& entry : entries) {
    resolve_console_script(config, entry, metadata);
    check_entry(config, entry, resources);
  }
}

void mark_main_module(const std::string& entry_module, std::vector<Resource>& resources) {
  const auto is_module = [](const Resource& r, const std::string& name) { return r.kind == blob::Kind::Module && r.name == name; };
  const auto entry = std::find_if(resources.begin(), resources.end(), [&](const Resource& r) { return is_module(r, entry_module); });
  if (entry == resources.end()) return;
  const std::string main = (entry->flags & blob::kFlagPackage) ? entry_module + ".__main__" : entry_module;
  for (auto& resource : resources) {
    if (is_module(resource, main)) resource.runs_as_main = true;
  }
}

}  // namespace freeze::packager

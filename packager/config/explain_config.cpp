#include "packager/config/explain_config.h"

#include <string>

#include "packager/support/console.h"
#include "packager/support/text.h"

namespace freeze::packager {
namespace {

std::string join_or_none(const std::vector<std::string>& items) {
  return items.empty() ? "(none)" : join(items);
}

std::string placement_words(const RoutingTarget& target) {
  if (target.location == blob::Location::FilesystemRelative) return "files beside the executable, at their place in the installation";
  if (target.filesystem_copy) return "in memory, with a fallback copy beside the executable";
  return "in memory";
}

// What an entry point runs, in words.
std::string entry_words(const std::string& module, const std::string& function, const std::string& console_script) {
  if (!console_script.empty()) return "the console script " + console_script + " of an included distribution";
  if (function.empty()) return module + " runs as __main__, like python -m " + module;
  return "imports " + module + " and calls " + function + "()";
}

}  // namespace

void explain_config(const AppConfig& config) {
  if (verbosity() < Verbosity::Verbose) return;
  const std::string prefix = config.key_prefix;
  detail("config " + config.config_file.string() + (prefix.empty() ? "" : " ([tool.freeze])"));
  if (!config.code.empty()) {
    detail("entry: " + prefix + "app.code runs as __main__");
  } else {
    detail("entry: " + entry_words(config.entry_module, config.entry_function, config.console_script));
  }
  for (const auto& command : config.commands) {
    detail("command " + command.name + " (started under that name): " +
           entry_words(command.entry_module, command.entry_function, command.console_script));
  }
  switch (config.stdlib_include) {
    case StdlibInclude::All:
      detail("stdlib: every module, data file and extension module, except " + join_or_none(config.stdlib_exclude) +
             " (" + prefix + "stdlib.exclude)");
      break;
    case StdlibInclude::None:
      detail("stdlib: only what the interpreter needs to start (encodings) (" + prefix + "stdlib.include = \"none\")");
      break;
    case StdlibInclude::Reachable:
      detail("stdlib: the modules the app's code imports, directly or not, plus " + join_or_none(config.stdlib_add) + " (" +
             prefix + "stdlib.add), except " + join_or_none(config.stdlib_exclude));
      break;
  }
  for (const auto& path : config.package_paths) {
    detail(prefix + "packages.paths: every module, package, extension module and package data file below " + path.string());
  }
  if (!config.package_data_files.empty()) {
    detail(prefix + "packages.data_files: " + join_or_none(config.package_data_files) +
           " below those directories as well, files of no package, each at its place");
  }
  for (const auto& site : config.site_packages) {
    detail(prefix + "packages.site_packages: " + join_or_none(site.include) + " from " + site.dir.string() +
           ", with their distributions' metadata");
  }
  for (const auto& wheel : config.wheels) detail(prefix + "packages.wheels: " + wheel.string());
  if (!config.packages_exclude.empty()) {
    detail(prefix + "packages.exclude: " + join_or_none(config.packages_exclude) +
           " left out, each with its submodules and package data");
  }
  detail(config.bundle_system_libraries
             ? "system libraries that extension modules need: bundled (" + prefix + "packages.bundle_system_libraries)"
             : "system libraries: left to the target machine (" + prefix + "packages.bundle_system_libraries = false)");
  detail("routing: by default " + placement_words(config.routing.default_target) + " (" + prefix + "routing.default = \"" +
         config.routing.default_text + "\")");
  int number = 0;
  for (const auto& rule : config.routing.rules) {
    std::string matchers;
    if (rule.stdlib) matchers += std::string(matchers.empty() ? "" : ", ") + (*rule.stdlib ? "stdlib" : "not stdlib");
    if (!rule.kinds.empty()) {
      std::vector<std::string> kinds;
      for (const auto kind : rule.kinds) kinds.emplace_back(blob::kind_name(kind));
      matchers += (matchers.empty() ? "" : ", ") + std::string("kind ") + join_or_none(kinds);
    }
    if (!rule.names.empty()) matchers += (matchers.empty() ? "" : ", ") + std::string("name ") + join_or_none(rule.names);
    detail("routing.rule " + std::to_string(++number) + ": " + (matchers.empty() ? "everything" : matchers) + " -> " +
           placement_words(rule.target));
  }
}

}  // namespace freeze::packager

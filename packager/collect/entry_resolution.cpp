#include "packager/collect/entry_resolution.h"

#include <algorithm>
#include <string>

#include "packager/collect/distributions.h"
#include "packager/support/console.h"
#include "packager/support/user_error.h"
#include "packager/support/text.h"

namespace freeze::packager {
namespace {

// Resolves entry = "console_script:NAME" from the included distributions' entry_points.txt.
void resolve_console_script(AppConfig& config, const std::vector<Resource>& resources) {
  if (config.console_script.empty()) return;
  std::vector<Resource> metadata;
  for (const auto& resource : resources) {
    if (resource.kind == blob::Kind::Metadata) metadata.push_back(resource);
  }
  const std::string target = find_console_script(metadata, config.console_script);
  if (target.empty()) {
    // Debian renames some (its pyflakes3 is pyflakes' "pyflakes"): say which there are.
    std::vector<std::string> names;
    for (const auto& [name, script_target] : console_scripts(metadata)) names.push_back(name);
    const std::string declared = join(names);
    throw UserError(config.config_file.string() + ": app.entry: no included distribution declares the console script '" +
                    config.console_script + "' (in entry_points.txt [console_scripts]); " +
                    (declared.empty() ? "they declare none" : "they declare: " + declared));
  }
  const auto colon = target.find(':');
  config.entry_module = target.substr(0, colon);
  config.entry_function = colon == std::string::npos ? "" : target.substr(colon + 1);
  detail("console script " + config.console_script + " -> " + target);
}

void check_entry(const AppConfig& config, const std::vector<Resource>& resources) {
  if (config.entry_module.empty()) return;
  const bool found = std::any_of(resources.begin(), resources.end(), [&](const Resource& r) {
    return (r.kind == blob::Kind::Module || r.kind == blob::Kind::Extension) && r.name == config.entry_module;
  });
  if (found) return;
  std::string where;
  for (const auto& path : config.package_paths) where += (where.empty() ? "" : ", ") + path.string();
  throw UserError(config.config_file.string() + ": app.entry: module '" + config.entry_module +
                  "' is not among the included modules (packages.paths: " + (where.empty() ? "none" : where) + ")");
}

}  // namespace

void resolve_entry(AppConfig& config, const std::vector<Resource>& resources) {
  resolve_console_script(config, resources);
  check_entry(config, resources);
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

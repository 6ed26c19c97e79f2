#include "packager/collect/reachable_packages.h"

#include <deque>
#include <map>

#include "importer/install_layout.h"
#include "packager/collect/entry_point_plugins.h"

namespace freeze::packager {

namespace {

// True if the module may import by a name it computes (importlib.import_module, __import__):
// docutils.parsers.get_parser_class imports docutils.parsers.rst so, and no import statement
// names it. Read from the source: a mention in a comment only makes more modules reachable,
// which keeps more failures reported.
bool imports_by_computed_name(const Resource& module) {
  const std::string& source = module.source_utf8.empty() ? module.data : module.source_utf8;
  return source.find("import_module(") != std::string::npos || source.find("__import__(") != std::string::npos;
}

// The package whose modules such an import may reach: the module's own if it is a package, else
// its parent's; empty for a top-level module.
std::string package_reached_by_name(const Resource& module) {
  if ((module.flags & blob::kFlagPackage) != 0) return module.name;
  const auto dot = module.name.rfind('.');
  return dot == std::string::npos ? std::string() : module.name.substr(0, dot);
}

}  // namespace

std::set<std::string> reachable_third_party(const std::vector<Resource>& resources, const std::vector<std::string>& roots,
                                            const ScanImports& scan) {
  std::map<std::string, const Resource*> modules;  // the non-stdlib ones: the stdlib imports none of them
  for (const auto& r : resources) {
    if (!r.stdlib() && (r.kind == blob::Kind::Module || r.kind == blob::Kind::Extension)) modules.emplace(r.name, &r);
  }
  std::set<std::string> reached;
  std::deque<const Resource*> to_scan;
  const auto reach = [&](const std::string& name) {
    for (auto dot = name.find('.');; dot = name.find('.', dot + 1)) {
      const std::string part = name.substr(0, dot);
      const auto it = modules.find(part);
      if (it != modules.end() && reached.insert(part).second) to_scan.push_back(it->second);
      if (dot == std::string::npos) break;
    }
  };
  for (const auto& name : roots) reach(name);
  const std::string app_dir = std::string(layout::kAppDir) + "/";
  for (const auto& r : resources) {
    if (r.kind == blob::Kind::Module && r.relative_path.starts_with(app_dir)) reach(r.name);
    if (r.kind == blob::Kind::Metadata && r.name.ends_with("/entry_points.txt")) {
      for (const auto& entry_point : parse_entry_points(r.data)) {
        // Plugins are imported by name; a dependency's own commands never run in the app.
        if (entry_point.group != "console_scripts" && entry_point.group != "gui_scripts") reach(entry_point.module());
      }
    }
  }
  while (!to_scan.empty()) {
    const Resource* module = to_scan.front();
    to_scan.pop_front();
    if (module->kind != blob::Kind::Module || module->namespace_package() || !module->compiled) continue;
    for (const auto& name : scan(*module)) reach(name);
    if (const std::string package = package_reached_by_name(*module); !package.empty() && imports_by_computed_name(*module)) {
      const std::string prefix = package + ".";
      for (auto it = modules.lower_bound(prefix); it != modules.end() && it->first.starts_with(prefix); ++it) reach(it->first);
    }
  }
  return reached;
}

}  // namespace freeze::packager

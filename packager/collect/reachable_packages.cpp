#include "packager/collect/reachable_packages.h"

#include <deque>
#include <map>

#include "importer/install_layout.h"
#include "packager/collect/entry_point_plugins.h"

namespace freeze::packager {

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
  }
  return reached;
}

}  // namespace freeze::packager

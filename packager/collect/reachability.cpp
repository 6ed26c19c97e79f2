#include "packager/collect/reachability.h"

#include <deque>
#include <set>

#include "packager/collect/file_tree.h"

namespace freeze::packager {

std::map<std::string, std::string> prune_unreachable_stdlib(std::vector<Resource>& resources,
                                                            const std::vector<ReachabilityRoot>& roots,
                                                            const CompileModule& compile, const ScanImports& scan) {
  std::map<std::string, std::size_t> stdlib_modules;  // importable stdlib name -> resource
  for (std::size_t i = 0; i < resources.size(); ++i) {
    const Resource& r = resources[i];
    if (r.stdlib() && (r.kind == blob::Kind::Module || r.kind == blob::Kind::Extension)) stdlib_modules.emplace(r.name, i);
  }
  std::map<std::string, std::string> reached;  // kept stdlib module -> who imported it
  std::deque<std::size_t> to_scan;
  auto reach = [&](const std::string& name, const std::string& by, bool follow = true) {
    const auto it = stdlib_modules.find(name);
    if (it == stdlib_modules.end() || !reached.emplace(name, by).second) return;
    if (follow) to_scan.push_back(it->second);
  };
  for (std::size_t i = 0; i < resources.size(); ++i) {
    if (!resources[i].stdlib() && resources[i].kind == blob::Kind::Module) to_scan.push_back(i);
  }
  for (const auto& root : roots) {
    // A root names a module and its parents; a package root keeps its whole subtree.
    const std::string& root_name = root.name;
    for (auto dot = root_name.find('.'); dot != std::string::npos; dot = root_name.find('.', dot + 1)) {
      reach(root_name.substr(0, dot), "");
    }
    for (const auto& [name, index] : stdlib_modules) {
      if (name_matches(name, root_name)) reach(name, "", root.follow);
    }
  }
  while (!to_scan.empty()) {
    Resource& module = resources[to_scan.front()];
    to_scan.pop_front();
    if (module.kind != blob::Kind::Module || (module.flags & blob::kFlagNamespace) || !compile(module)) continue;
    for (const auto& name : scan(module)) reach(name, module.name);
  }
  std::erase_if(resources, [&](const Resource& r) {
    if (!r.stdlib() || r.kind == blob::Kind::SharedLibrary) return false;
    if (r.kind == blob::Kind::Module || r.kind == blob::Kind::Extension) return !reached.contains(r.name);
    return !reached.contains(r.routing_name);  // package data goes with its package
  });
  return reached;
}

}  // namespace freeze::packager

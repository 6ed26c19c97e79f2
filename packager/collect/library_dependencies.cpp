#include "packager/collect/library_dependencies.h"

#include <map>
#include <set>
#include <string>

#include "format/elf_info.h"
#include "packager/support/console.h"

namespace freeze::packager {

void resolve_library_dependencies(std::vector<Resource>& resources) {
  std::map<std::string, const Resource*> by_soname;  // soname or file name -> library
  std::map<std::string, std::vector<std::string>> needed;  // resource name -> needed names
  for (const auto& resource : resources) {
    if (resource.kind != blob::Kind::SharedLibrary && resource.kind != blob::Kind::Extension) continue;
    const auto info = elf::read_dynamic_info(resource.data);
    if (!info) {
      warning(std::string(blob::kind_name(resource.kind)) + " '" + resource.name + "' (" + resource.origin +
              ") is not a 64-bit ELF shared object");
      continue;
    }
    needed[resource.name] = info->needed;
    if (resource.kind == blob::Kind::SharedLibrary) {
      by_soname[resource.relative_path.substr(resource.relative_path.rfind('/') + 1)] = &resource;
      if (!info->soname.empty()) by_soname[info->soname] = &resource;
    }
  }
  for (auto& resource : resources) {
    if (!needed.contains(resource.name)) continue;
    std::vector<std::string> order;
    std::set<std::string> visiting;
    auto visit = [&](auto&& self, const std::string& name) -> void {
      for (const auto& dependency : needed[name]) {
        const auto it = by_soname.find(dependency);
        if (it == by_soname.end()) continue;  // a system library
        const std::string& library = it->second->name;
        if (library == name || !visiting.insert(library).second) continue;
        self(self, library);
        order.push_back(library);
      }
    };
    visit(visit, resource.name);
    resource.needed_libraries = std::move(order);
  }
}

}  // namespace freeze::packager

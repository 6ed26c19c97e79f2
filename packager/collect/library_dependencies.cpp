#include "packager/collect/library_dependencies.h"

#include <filesystem>
#include <set>

#include "packager/collect/file_tree.h"
#include "packager/support/console.h"

namespace freeze::packager {
bool looks_like_elf(const std::string& data) { return data.size() >= 4 && data.compare(0, 4, "\x7f" "ELF") == 0; }

LibrariesBeside::LibrariesBeside(const std::vector<Resource>& resources) {
  for (const auto& resource : resources) {
    const bool may_be_library = resource.native() || (resource.kind == blob::Kind::Resource && looks_like_elf(resource.data));
    if (may_be_library) by_path_.emplace(resource.relative_path, &resource);
  }
}

const Resource* LibrariesBeside::find(const Resource& object, const elf::DynamicInfo& info,
                                      const std::string& needed) const {
  if (needed.find('/') != std::string::npos) return nullptr;
  const std::string origin = object.relative_path.substr(0, object.relative_path.rfind('/'));
  for (const auto& entry : info.run_path) {
    const std::string directory = elf::expand_origin(entry, origin);
    if (directory.empty()) continue;
    // Relative to the executable's directory, as the keys are: an absolute entry or one that
    // climbs out of the installation ("../x") names none of them.
    const std::string path = std::filesystem::path(directory + "/" + needed).lexically_normal().string();
    if (const auto it = by_path_.find(path); it != by_path_.end() && it->second != &object) return it->second;
  }
  return nullptr;
}

void resolve_library_dependencies(std::vector<Resource>& resources) {
  const LibrariesBeside beside(resources);
  std::map<std::string, const Resource*> by_soname;  // soname or file name -> bundled library
  std::map<const Resource*, std::vector<const Resource*>> needs;  // object -> the libraries it needs that are here
  std::map<const Resource*, elf::DynamicInfo> infos;
  for (const auto& resource : resources) {
    const bool library_file = resource.kind == blob::Kind::Resource && looks_like_elf(resource.data);
    if (!resource.native() && !library_file) continue;
    auto info = elf::read_dynamic_info(resource.data);
    if (!info) {
      if (library_file) continue;  // ELF, but no 64-bit shared object: never a dependency
      warning(std::string(blob::kind_name(resource.kind)) + " '" + resource.name + "' (" + resource.origin +
              ") is not a 64-bit ELF shared object");
      continue;
    }
    if (resource.kind == blob::Kind::SharedLibrary) {
      by_soname[resource.relative_path.substr(resource.relative_path.rfind('/') + 1)] = &resource;
      if (!info->soname.empty()) by_soname[info->soname] = &resource;
    }
    infos.emplace(&resource, std::move(*info));
  }
  for (const auto& [object, info] : infos) {
    for (const auto& dependency : info.needed) {
      const Resource* library = beside.find(*object, info, dependency);
      if (library == nullptr) {
        const auto it = by_soname.find(dependency);
        if (it == by_soname.end()) continue;  // a system library
        library = it->second;
      }
      if (infos.contains(library)) needs[object].push_back(library);
    }
  }
  for (auto& resource : resources) {
    if (!resource.native() || !infos.contains(&resource)) continue;
    std::vector<std::string> order;
    std::set<const Resource*> visiting;
    auto visit = [&](auto&& self, const Resource* object) -> void {
      for (const Resource* library : needs[object]) {
        if (library == &resource || !visiting.insert(library).second) continue;
        self(self, library);
        order.push_back(library->name);
      }
    };
    visit(visit, &resource);
    resource.needed_libraries = std::move(order);
  }
}

}  // namespace freeze::packager

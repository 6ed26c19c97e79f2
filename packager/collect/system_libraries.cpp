#include "packager/collect/system_libraries.h"

#include <filesystem>
#include <map>
#include <set>

#include "format/elf_info.h"
#include "packager/collect/library_dependencies.h"
#include "packager/support/console.h"
#include "importer/install_layout.h"
#include "packager/support/read_file.h"

namespace freeze::packager {
namespace {

namespace fs = std::filesystem;

// glibc, the dynamic loader and the GCC runtime: present on every glibc system, and not to
// be replaced by copies (they must match the loader).
const std::set<std::string> kBaseSystem = {
    "libc.so.6",     "libm.so.6",      "libpthread.so.0", "libdl.so.2",        "librt.so.1",
    "libutil.so.1",  "libresolv.so.2", "libnsl.so.1",     "libanl.so.1",       "ld-linux-x86-64.so.2",
    "libgcc_s.so.1", "libstdc++.so.6", "libcrypt.so.1",   "libmvec.so.1",
};

// The directories the dynamic loader searches on Debian x86-64, in its order.
const char* const kLibraryDirs[] = {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
                                    "/lib", "/usr/lib", "/usr/local/lib"};

std::optional<fs::path> find_library(const std::string& soname) {
  for (const char* dir : kLibraryDirs) {
    const fs::path candidate = fs::path(dir) / soname;
    if (std::error_code error; fs::is_regular_file(candidate, error)) return candidate;
  }
  return std::nullopt;
}

}  // namespace

void add_system_libraries(std::vector<Resource>& resources) {
  std::set<std::string> provided;  // sonames and file names of bundled libraries
  for (const auto& resource : resources) {
    if (resource.kind != blob::Kind::SharedLibrary) continue;
    provided.insert(resource.relative_path.substr(resource.relative_path.rfind('/') + 1));
    if (const auto info = elf::read_dynamic_info(resource.data); info && !info->soname.empty()) provided.insert(info->soname);
  }
  // Breadth-first over what the native code needs, adding each library found. A library
  // beside the object needing it (found through its run path) is no system library: its own
  // needs are followed instead.
  const LibrariesBeside beside(resources);
  std::vector<std::pair<std::string, std::string>> queue;  // (needed soname, who needs it)
  std::vector<const Resource*> objects;
  std::set<const Resource*> seen;
  for (const auto& resource : resources) {
    if (resource.native()) objects.push_back(&resource);
  }
  for (std::size_t i = 0; i < objects.size(); ++i) {
    const Resource& object = *objects[i];
    const auto info = elf::read_dynamic_info(object.data);
    if (!info) continue;
    for (const auto& soname : info->needed) {
      if (const Resource* library = beside.find(object, *info, soname)) {
        if (seen.insert(library).second && !library->native()) objects.push_back(library);
      } else {
        queue.emplace_back(soname, object.name);
      }
    }
  }
  std::set<std::string> missing;
  for (std::size_t i = 0; i < queue.size(); ++i) {
    const auto [soname, needed_by] = queue[i];
    if (kBaseSystem.contains(soname) || provided.contains(soname)) continue;
    provided.insert(soname);
    const auto path = find_library(soname);
    if (!path) {
      missing.insert(soname + " (needed by " + needed_by + ")");
      continue;
    }
    Resource library;
    library.kind = blob::Kind::SharedLibrary;
    library.name = "system-libs/" + soname;
    library.relative_path = std::string(layout::kSystemLibrariesDir) + "/" + soname;
    library.routing_name = soname;
    library.origin = path->string();
    library.data = read_file(*path);
    library.flags = blob::kFlagStdlib;  // part of the platform, routed like the stdlib
    detail("shared-library " + soname + " <- " + path->string() + " (needed by " + needed_by + ")");
    if (const auto info = elf::read_dynamic_info(library.data)) {
      for (const auto& dependency : info->needed) queue.emplace_back(dependency, library.name);
    }
    resources.push_back(std::move(library));
  }
  for (const auto& name : missing) warning("system library " + name + " was not found; the target machine must have it");
}

}  // namespace freeze::packager

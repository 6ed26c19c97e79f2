// Which libraries each extension module and bundled library needs loaded first.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "format/elf_info.h"
#include "packager/build/resource.h"

namespace freeze::packager {

// The ELF shared objects among the resources by their installed path, to find the library
// that an object's DT_NEEDED names beside it, through its run path ("$ORIGIN",
// "$ORIGIN/../lib"), as the dynamic loader would: pyarrow's extension modules need
// pyarrow/libarrow.so.1500, a Qt plugin its Qt/lib/libQt5Gui.so.5. From memory the loader
// cannot look there ($ORIGIN is /proc/self/fd), so such a library is loaded first.
class LibrariesBeside {
 public:
  explicit LibrariesBeside(const std::vector<Resource>& resources);
  // The resource `needed` names for `object` (its dynamic facts `info`), or nullptr.
  const Resource* find(const Resource& object, const elf::DynamicInfo& info, const std::string& needed) const;

 private:
  std::map<std::string, const Resource*> by_path_;  // relative_path -> ELF resource
};

// True for a file that starts like an ELF object (a library that is package data, say).
bool looks_like_elf(const std::string& data);

// Sets needed_libraries of every extension module and bundled library: the libraries it needs
// (DT_NEEDED) that the executable holds, bundled ones (by name) and those beside it (by its run
// path), transitively, in an order that loads every library after its own dependencies. A
// resource that is not a 64-bit ELF shared object is warned about.
void resolve_library_dependencies(std::vector<Resource>& resources);

}  // namespace freeze::packager

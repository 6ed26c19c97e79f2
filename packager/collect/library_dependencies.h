// Which bundled libraries each extension module and bundled library needs loaded first.
#pragma once

#include <vector>

#include "packager/build/resource.h"

namespace freeze::packager {

// Sets needed_libraries of every extension module and bundled library: the bundled libraries
// it needs (DT_NEEDED), transitively, in an order that loads every library after its own
// dependencies. A resource that is not a 64-bit ELF shared object is warned about.
void resolve_library_dependencies(std::vector<Resource>& resources);

}  // namespace freeze::packager

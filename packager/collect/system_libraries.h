// The system shared libraries that the embedded extension modules need beyond glibc and the
// compiler runtime (libssl for _ssl, libsqlite3 for _sqlite3, libffi for _ctypes, ...), bundled
// so that the executable runs on a machine that has never had Python or these libraries.
#pragma once

#include <vector>

#include "packager/build/resource.h"

namespace freeze::packager {

// Adds a SharedLibrary resource ("system-libs/<soname>") for every library that an Extension
// or SharedLibrary among `resources` needs (transitively) and that is neither bundled already
// nor part of the base system every Linux has. Libraries that cannot be found are warned about.
void add_system_libraries(std::vector<Resource>& resources);

}  // namespace freeze::packager

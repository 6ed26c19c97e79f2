// The names a module resource imports, as the target python's scanner (scan_imports.py) finds
// them, kept in the build cache by the module's source: reachability and the build's warnings
// scan the same modules on every build.
#pragma once

#include <string>
#include <vector>

#include "packager/build/resource.h"
#include "packager/build/target_python.h"

namespace freeze::packager {

// `module` must be compiled (its source_utf8 set). Throws UserError if its source does not parse.
std::vector<std::string> cached_imported_names(TargetPython& python, const Resource& module, ImportScope scope);

}  // namespace freeze::packager

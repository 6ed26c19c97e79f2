// [stdlib] include = "reachable": keeps only the stdlib modules that the app can import,
// found by following imports in bytecode (like modulefinder) from the app's own modules,
// the included packages, the entry point and [stdlib] add, through the stdlib itself.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "packager/build/resource.h"

namespace freeze::packager {

// Compiles a module resource in place (sets bytecode); returns false if it does not compile.
using CompileModule = std::function<bool(Resource&)>;
// The absolute names a compiled module imports.
using ScanImports = std::function<std::vector<std::string>(const Resource&)>;

struct ReachabilityRoot {
  std::string name;    // a module; a package root keeps its whole subtree
  bool follow = true;  // also keep what it imports (false: keep it, but its imports are not followed)
};

// Removes the stdlib modules, extension modules and data that nothing reaches from `roots` and
// every non-stdlib module. Returns, for each kept stdlib module, the module whose import
// brought it in ("" for roots).
std::map<std::string, std::string> prune_unreachable_stdlib(std::vector<Resource>& resources,
                                                            const std::vector<ReachabilityRoot>& roots,
                                                            const CompileModule& compile, const ScanImports& scan);

}  // namespace freeze::packager

// [stdlib] include = "reachable" for a build: prune_unreachable_stdlib() (reachability.h) with
// the embedded CPython compiling and scanning modules (through the build cache), the roots the
// launcher needs, and `--why` answered.
#pragma once

#include <string>
#include <vector>

#include "packager/build/resource.h"
#include "packager/build/target_python.h"
#include "packager/config/app_config.h"

namespace freeze::packager {

// Drops the stdlib modules nothing imports. Modules the launcher itself may import at run
// time are roots, as are [stdlib] add and the entry point. For each module in `why`, a note
// says which imports brought it in, or why it is left out.
void keep_reachable_stdlib(const AppConfig& config, const std::vector<std::string>& why, std::vector<Resource>& resources,
                           TargetPython& python);

}  // namespace freeze::packager

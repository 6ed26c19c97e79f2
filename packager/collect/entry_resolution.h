// The entry point against what was collected: entry = "console_script:NAME" resolved from the
// included distributions' entry_points.txt, and the entry module checked to be included.
#pragma once

#include <vector>

#include "packager/build/resource.h"
#include "packager/config/app_config.h"

namespace freeze::packager {

// Sets entry_module/entry_function for a console script, of app.entry and of each of
// app.commands. Throws UserError naming the key when a console script or an entry module is
// not among `resources`.
void resolve_entry(AppConfig& config, const std::vector<Resource>& resources);

// Marks the module that runs as __main__ (Resource::runs_as_main) when `entry_module` is run
// as a script (entry = "module"): that module, or its __main__ submodule for a package, as
// `python -m` runs them.
void mark_main_module(const std::string& entry_module, std::vector<Resource>& resources);

}  // namespace freeze::packager

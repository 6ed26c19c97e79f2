// The entry point against what was collected: entry = "console_script:NAME" resolved from the
// included distributions' entry_points.txt, and the entry module checked to be included.
#pragma once

#include <vector>

#include "packager/build/resource.h"
#include "packager/config/app_config.h"

namespace freeze::packager {

// Sets config.entry_module/entry_function for a console script. Throws UserError naming
// app.entry when the console script or the entry module is not among `resources`.
void resolve_entry(AppConfig& config, const std::vector<Resource>& resources);

}  // namespace freeze::packager

// `--verbose` for build and check: what the config includes and how it routes, in words, before
// the per-resource decisions the build itself prints.
#pragma once

#include "packager/config/app_config.h"

namespace freeze::packager {

// Prints (as detail(), i.e. only with --verbose) how `config` selects and routes resources.
void explain_config(const AppConfig& config);

}  // namespace freeze::packager

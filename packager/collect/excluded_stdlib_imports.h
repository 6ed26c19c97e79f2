// freeze build's warning when an included module imports a stdlib module that [stdlib] exclude
// leaves out, unguarded (no try that handles ImportError around it): that import would fail in
// the frozen app, on a user's machine, far from the cause. autopep8 imports lib2to3, which the
// default exclude list leaves out, in the function that reads every file it formats; freeze
// check, which imports modules but calls nothing, cannot see that.
#pragma once

#include <string>
#include <vector>

#include "packager/build/resource.h"
#include "packager/build/target_python.h"
#include "packager/config/app_config.h"

namespace freeze::packager {

// Scans the app's and third-party packages' compiled modules that mention an excluded name:
// one warning per exclude pattern that they hit, for freeze build to print.
std::vector<std::string> excluded_stdlib_import_warnings(const AppConfig& config, const std::vector<Resource>& resources,
                                                         TargetPython& python);

}  // namespace freeze::packager

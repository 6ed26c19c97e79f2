// Configures and starts the embedded interpreter (PyPreConfig/PyConfig), with the blob's
// importer installed in the core phase, before anything outside libpython's frozen modules
// is imported.
#pragma once

#include "importer_module.h"
#include "launch_settings.h"

namespace freeze::launcher {

// Starts the interpreter. On failure prints CPython's message and exits like python does.
void start_interpreter(const importer::ImporterContext& context, const blob::LaunchSettings& settings,
                       int argc, char** argv);

}  // namespace freeze::launcher

// Configures and starts the embedded interpreter (PyPreConfig/PyConfig), with the blob's
// importer installed in the core phase, before anything outside libpython's frozen modules
// is imported.
#pragma once

#include "launcher/command_line.h"
#include "importer/importer_context.h"
#include "format/launch_settings.h"

namespace freeze::launcher {

// Starts the interpreter, configured from app.toml's settings and, for a python command line,
// from argv as python parses it. On failure prints CPython's message and exits like python does
// (for a bad command line: python's usage message, status 2).
void start_interpreter(const importer::ImporterContext& context, const blob::LaunchSettings& settings, RunKind kind,
                       int argc, char** argv);

}  // namespace freeze::launcher

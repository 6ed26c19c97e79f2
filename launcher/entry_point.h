// Runs the app's entry point in a started interpreter and turns the outcome into the
// process's exit status, as python does.
#pragma once

#include "launcher/command_line.h"
#include "format/launch_settings.h"

namespace freeze::launcher {

// Runs the entry (or the python command line, or multiprocessing's spawn child), finalises the
// interpreter and returns the exit status. An unhandled KeyboardInterrupt ends the process by
// SIGINT (the shell reports 130), as python does.
int run(const blob::LaunchSettings& settings, const Invocation& invocation);

}  // namespace freeze::launcher

// Runs the app's entry point in a started interpreter and turns the outcome into the
// process's exit status, as python does.
#pragma once

#include "launch_settings.h"

namespace freeze::launcher {

// Runs the entry, finalises the interpreter and returns the exit status. An unhandled
// KeyboardInterrupt ends the process by SIGINT (the shell reports 130), as python does.
int run_entry_point(const blob::LaunchSettings& settings);

}  // namespace freeze::launcher

// Progress and diagnostics for the CLI: errors always, notes unless --quiet, details with
// --verbose. Everything goes to stderr; stdout is for command output (inspect).
#pragma once

#include <string_view>

namespace freeze::packager {

enum class Verbosity { Quiet = 0, Normal = 1, Verbose = 2 };

void set_verbosity(Verbosity verbosity);
void note(std::string_view message);     // normal progress
void detail(std::string_view message);   // only with --verbose
void warning(std::string_view message);  // unless --quiet

}  // namespace freeze::packager

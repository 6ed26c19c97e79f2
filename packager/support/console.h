// Progress and diagnostics for the CLI: errors always, notes unless --quiet, details with
// --verbose. Everything goes to stderr; stdout is for command output (inspect, check reports).
// Colours only when the stream is a terminal, TERM is not "dumb" and NO_COLOR is unset or empty.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace freeze::packager {

enum class Verbosity { Quiet = 0, Normal = 1, Verbose = 2 };

void set_verbosity(Verbosity verbosity);
Verbosity verbosity();
void note(std::string_view message);     // normal progress
void detail(std::string_view message);   // only with --verbose
void warning(std::string_view message);  // unless --quiet: "freeze: warning: ..."
void error(std::string_view message);    // always: "freeze: error: ..."

// Text styles for terminals.
enum class Style { Bold, Red, Yellow, Green, Cyan, Dim };

// Whether `stream` (stdout or stderr) gets colours.
bool use_colors(std::FILE* stream);
// `text` wrapped in the escape codes for `style` when `enabled`, else `text` unchanged.
std::string paint(std::string_view text, Style style, bool enabled);

}  // namespace freeze::packager

namespace freeze::packager {

// "873 B", "12.4 KiB", "21.6 MiB".
std::string human_size(std::uint64_t bytes);

}  // namespace freeze::packager

#include "packager/support/console.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace freeze::packager {
namespace {

Verbosity g_verbosity = Verbosity::Normal;

void print(std::string_view prefix, std::string_view message) {
  std::fprintf(stderr, "%.*s%.*s\n", static_cast<int>(prefix.size()), prefix.data(), static_cast<int>(message.size()),
               message.data());
  std::fflush(stderr);
}

}  // namespace

bool use_colors(std::FILE* stream) {
  const char* no_color = std::getenv("NO_COLOR");  // https://no-color.org: set and not empty
  if (no_color != nullptr && no_color[0] != '\0') return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::strcmp(term, "dumb") == 0) return false;
  return ::isatty(::fileno(stream)) == 1;
}

std::string paint(std::string_view text, Style style, bool enabled) {
  if (!enabled) return std::string(text);
  const char* code = "";
  switch (style) {
    case Style::Bold: code = "\033[1m"; break;
    case Style::Red: code = "\033[1;31m"; break;
    case Style::Yellow: code = "\033[1;33m"; break;
    case Style::Green: code = "\033[32m"; break;
    case Style::Cyan: code = "\033[36m"; break;
    case Style::Dim: code = "\033[2m"; break;
  }
  return code + std::string(text) + "\033[0m";
}

void set_verbosity(Verbosity verbosity) { g_verbosity = verbosity; }
Verbosity verbosity() { return g_verbosity; }

void note(std::string_view message) {
  if (g_verbosity >= Verbosity::Normal) print("", message);
}
void detail(std::string_view message) {
  if (g_verbosity >= Verbosity::Verbose) print("  ", message);
}
void warning(std::string_view message) {
  if (g_verbosity >= Verbosity::Normal) print(paint("freeze: warning: ", Style::Yellow, use_colors(stderr)), message);
}
void error(std::string_view message) { print(paint("freeze: error: ", Style::Red, use_colors(stderr)), message); }

}  // namespace freeze::packager

namespace freeze::packager {

std::string human_size(std::uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes) / 1024.0;
  int unit = 0;
  while (value >= 1024.0 && unit < 3) {
    value /= 1024.0;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, value < 100 ? "%.1f %s" : "%.0f %s", value, units[unit]);
  return text;
}

}  // namespace freeze::packager

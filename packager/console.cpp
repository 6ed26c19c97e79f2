#include "console.h"

#include <cstdio>
#include <string>

namespace freeze::packager {
namespace {

Verbosity g_verbosity = Verbosity::Normal;

void print(std::string_view prefix, std::string_view message) {
  std::fprintf(stderr, "%.*s%.*s\n", static_cast<int>(prefix.size()), prefix.data(), static_cast<int>(message.size()),
               message.data());
}

}  // namespace

void set_verbosity(Verbosity verbosity) { g_verbosity = verbosity; }
void note(std::string_view message) {
  if (g_verbosity >= Verbosity::Normal) print("", message);
}
void detail(std::string_view message) {
  if (g_verbosity >= Verbosity::Verbose) print("  ", message);
}
void warning(std::string_view message) {
  if (g_verbosity >= Verbosity::Normal) print("freeze: warning: ", message);
}

}  // namespace freeze::packager

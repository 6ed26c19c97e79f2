// What the packager told the launcher, decoded from the blob's Settings entry "app". The keys
// are written by the packager and read by the launcher; both use the names below.
#pragma once

#include <string>

#include "format/blob_format.h"

namespace freeze::blob {

namespace keys {
inline constexpr const char* kAppName = "app.name";
inline constexpr const char* kEntryModule = "entry.module";      // module to import or run
inline constexpr const char* kEntryFunction = "entry.function";  // attribute path to call; empty: run module as __main__
inline constexpr const char* kEntryCode = "entry.code";          // source run as __main__ instead
inline constexpr const char* kIsolated = "python.isolated";      // "1" or "0"
inline constexpr const char* kOptimize = "python.optimize";      // "0", "1" or "2"
inline constexpr const char* kPythonVersion = "python.version";  // "3.11": bytecode is only valid for it
inline constexpr const char* kInterpreter = "python.interpreter";  // "1": also accept python's command line
inline constexpr const char* kUnbuffered = "python.unbuffered";    // "1": unbuffered stdio, as python -u
inline constexpr const char* kSite = "python.site";                // "0": do not import site, as python -S
}  // namespace keys

struct LaunchSettings {
  std::string app_name;
  std::string entry_module;
  std::string entry_function;
  std::string entry_code;
  bool isolated = true;
  int optimize = 0;
  std::string python_version;
  bool interpreter = false;  // absent in older executables: off
  bool unbuffered = false;
  bool site = false;

  // Throws DamagedError if a required key is missing or malformed.
  static LaunchSettings from(const Settings& settings);
};

}  // namespace freeze::blob

// What the packager tells the launcher: the blob's Settings entry, its record encoding, its
// keys and their values. Encoded by LaunchSettings::to_settings + encode_settings (the
// packager's build), decoded by read_settings + LaunchSettings::from (the launcher; `freeze
// inspect` shows the record as it is).
//
// Grammar (docs/blob-format.md, "Launch settings"):
//   entry   = the Settings entry named kSettingsEntryName ("app"); its data span is the record
//   record  = *(string string)          ; key, value; keys in bytewise order, each once
//   string  = size(u32 LE) size*byte
//   values  = "0" / "1" for flags, a digit for python.optimize, "3.11" for python.version
// Unknown keys are ignored, so a newer packager may add some; a missing flag is its default.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "format/blob_format.h"

namespace freeze::blob {

class BlobReader;

inline constexpr std::string_view kSettingsEntryName = "app";

// The record: a flat string map. decode_settings throws DamagedError.
using Settings = std::map<std::string, std::string, std::less<>>;
std::string encode_settings(const Settings& settings);
Settings decode_settings(std::string_view bytes);
// The decoded record of `reader`'s Settings entry; throws DamagedError if it is missing.
Settings read_settings(const BlobReader& reader);

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
inline constexpr const char* kFrozen = "python.frozen";            // "0": leave sys.frozen unset
// "command.NAME": the entry run when the executable is started as NAME ([app] commands):
// "module" (run as __main__) or "module:function".
inline constexpr std::string_view kCommandPrefix = "command.";
}  // namespace keys

// The value of python.version for CPython major.minor: "3.11".
std::string python_version_of(int major, int minor);

// A command.NAME value: "module" (run as __main__) or "module:function", and back.
std::string encode_command_entry(const std::string& module, const std::string& function);
struct CommandEntry {
  std::string module;
  std::string function;  // empty: run module as __main__
};
CommandEntry decode_command_entry(std::string_view value);

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
  bool frozen = true;  // sys.frozen set; absent in older executables: set
  // [app] commands: name -> "module" or "module:function".
  std::map<std::string, std::string, std::less<>> commands;

  bool operator==(const LaunchSettings&) const = default;

  // Throws DamagedError if a required key is missing or malformed.
  static LaunchSettings from(const Settings& settings);
  // The record from() reads back: entry.code, or entry.module and entry.function.
  Settings to_settings() const;

  // Started as `invoked_name` (argv[0]'s file name), one of `commands`: makes its entry the one
  // that runs and returns true; else changes nothing.
  bool select_command(std::string_view invoked_name);
};

}  // namespace freeze::blob

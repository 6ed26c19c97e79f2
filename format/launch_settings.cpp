#include "format/launch_settings.h"

namespace freeze::blob {
namespace {

std::string get(const Settings& settings, const char* key) {
  const auto it = settings.find(key);
  return it == settings.end() ? std::string() : it->second;
}

}  // namespace

LaunchSettings LaunchSettings::from(const Settings& settings) {
  LaunchSettings s;
  s.app_name = get(settings, keys::kAppName);
  s.entry_module = get(settings, keys::kEntryModule);
  s.entry_function = get(settings, keys::kEntryFunction);
  s.entry_code = get(settings, keys::kEntryCode);
  s.isolated = get(settings, keys::kIsolated) != "0";
  const std::string optimize = get(settings, keys::kOptimize);
  s.optimize = optimize.empty() ? 0 : optimize[0] - '0';
  s.python_version = get(settings, keys::kPythonVersion);
  s.interpreter = get(settings, keys::kInterpreter) == "1";
  s.unbuffered = get(settings, keys::kUnbuffered) == "1";
  s.site = get(settings, keys::kSite) == "1";
  if (s.entry_module.empty() == s.entry_code.empty()) throw DamagedError("launch settings name no entry point");
  if (s.optimize < 0 || s.optimize > 2 || optimize.size() > 1) throw DamagedError("launch settings are malformed");
  return s;
}

}  // namespace freeze::blob

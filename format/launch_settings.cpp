#include "format/launch_settings.h"

#include "format/blob_reader.h"

namespace freeze::blob {
namespace {

std::string get(const Settings& settings, const char* key) {
  const auto it = settings.find(key);
  return it == settings.end() ? std::string() : it->second;
}

const char* flag(bool value) { return value ? "1" : "0"; }

// Little-endian u32, as everywhere in the blob (blob_format.h).
void put_size(std::string& out, std::size_t size) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((size >> (8 * i)) & 0xFF);
}
std::uint32_t get_size(std::string_view in) {
  std::uint32_t size = 0;
  for (int i = 3; i >= 0; --i) size = (size << 8) | static_cast<unsigned char>(in[static_cast<std::size_t>(i)]);
  return size;
}

}  // namespace

std::string encode_settings(const Settings& settings) {
  std::string out;
  for (const auto& [key, value] : settings) {
    put_size(out, key.size());
    out += key;
    put_size(out, value.size());
    out += value;
  }
  return out;
}

Settings decode_settings(std::string_view bytes) {
  Settings settings;
  auto take = [&bytes]() -> std::string {
    if (bytes.size() < 4) throw DamagedError("settings record is truncated");
    const auto size = get_size(bytes);
    bytes.remove_prefix(4);
    if (size > bytes.size()) throw DamagedError("settings record is truncated");
    std::string value(bytes.substr(0, size));
    bytes.remove_prefix(size);
    return value;
  };
  while (!bytes.empty()) {
    auto key = take();
    settings[key] = take();
  }
  return settings;
}

Settings read_settings(const BlobReader& reader) {
  const auto entry = reader.find(Kind::Settings, kSettingsEntryName);
  if (!entry) throw DamagedError("launch settings are missing");
  return decode_settings(reader.read(entry->data));
}

std::string python_version_of(int major, int minor) { return std::to_string(major) + "." + std::to_string(minor); }

std::string encode_command_entry(const std::string& module, const std::string& function) {
  return function.empty() ? module : module + ":" + function;
}

CommandEntry decode_command_entry(std::string_view value) {
  const auto colon = value.find(':');
  return {std::string(value.substr(0, colon)), colon == std::string_view::npos ? "" : std::string(value.substr(colon + 1))};
}

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
  s.frozen = get(settings, keys::kFrozen) != "0";
  for (auto it = settings.lower_bound(keys::kCommandPrefix); it != settings.end() && it->first.starts_with(keys::kCommandPrefix);
       ++it) {
    const std::string name = it->first.substr(keys::kCommandPrefix.size());
    if (name.empty() || it->second.empty() || it->second.front() == ':') throw DamagedError("launch settings are malformed");
    s.commands[name] = it->second;
  }
  if (s.entry_module.empty() == s.entry_code.empty()) throw DamagedError("launch settings name no entry point");
  if (s.optimize < 0 || s.optimize > 2 || optimize.size() > 1) throw DamagedError("launch settings are malformed");
  return s;
}

Settings LaunchSettings::to_settings() const {
  Settings settings;
  settings[keys::kAppName] = app_name;
  if (!entry_code.empty()) settings[keys::kEntryCode] = entry_code;
  if (entry_code.empty()) settings[keys::kEntryModule] = entry_module;
  // Always with a module ("": run it as __main__); with code only if set (from() keeps it).
  if (entry_code.empty() || !entry_function.empty()) settings[keys::kEntryFunction] = entry_function;
  settings[keys::kIsolated] = flag(isolated);
  settings[keys::kOptimize] = std::to_string(optimize);
  settings[keys::kInterpreter] = flag(interpreter);
  settings[keys::kUnbuffered] = flag(unbuffered);
  settings[keys::kSite] = flag(site);
  settings[keys::kFrozen] = flag(frozen);
  settings[keys::kPythonVersion] = python_version;
  for (const auto& [name, entry] : commands) settings[std::string(keys::kCommandPrefix) + name] = entry;
  return settings;
}

bool LaunchSettings::select_command(std::string_view invoked_name) {
  const auto it = commands.find(invoked_name);
  if (it == commands.end()) return false;
  auto [module, function] = decode_command_entry(it->second);
  entry_module = std::move(module);
  entry_function = std::move(function);
  entry_code.clear();
  return true;
}

}  // namespace freeze::blob

// Fuzz target: app.toml loading and validation (packager/app_config, with the routing
// locations it parses). The config is written into a scratch project that has a `src/`
// directory, so that path checks can succeed as well as fail. The only exception allowed out
// is UserError (a refused config, with a message naming file, line and key).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "packager/config/app_config.h"
#include "fuzz/fuzz_support.h"
#include "packager/support/user_error.h"

namespace packager = freeze::packager;

namespace {

// A routing prefix that would put files outside the output directory.
bool escapes(const std::string& prefix) {
  if (prefix.empty()) return false;
  if (prefix.front() == '/') return true;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = prefix.find('/', start);
    const std::string part = prefix.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part == ".." || part == "." || part.empty()) return true;
    if (slash == std::string::npos) return false;
    start = slash + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = freeze::fuzz::as_view(data, size);
  // Globs in packages.wheels are expanded with glob(3): a pattern like "/*/*/*/*/*" walks the
  // whole machine, which is slow but not a bug. Keep inputs to a few wildcards.
  std::size_t wildcards = 0;
  for (const char c : text) wildcards += (c == '*' || c == '?' || c == '[');
  if (wildcards > 2) return 0;

  static const std::string project = [] {
    const std::string dir = freeze::fuzz::scratch_directory() + "/project";
    std::filesystem::create_directories(dir + "/src/pkg");
    freeze::fuzz::write_whole_file(dir + "/src/pkg/__init__.py", "");
    return dir;
  }();
  const std::string path = project + "/app.toml";
  freeze::fuzz::write_whole_file(path, text);
  try {
    const packager::AppConfig config = packager::load_app_config(path);
    // A config that loads has a usable name and entry.
    if (config.name.empty() || config.name.find('/') != std::string::npos) __builtin_trap();
    if (config.code.empty() && config.console_script.empty() && !packager::is_dotted_name(config.entry_module)) {
      __builtin_trap();
    }
    // No routing prefix escaping the output directory gets through.
    if (escapes(config.routing.default_target.old_prefix)) __builtin_trap();
    for (const auto& rule : config.routing.rules) {
      if (escapes(rule.target.old_prefix)) __builtin_trap();
    }
  } catch (const packager::UserError&) {
  }
  return 0;
}

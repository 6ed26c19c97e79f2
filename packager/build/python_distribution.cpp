#include "packager/build/python_distribution.h"

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "launcher_source_key.h"
#include "packager/build/build_cache.h"
#include "packager/config/environment_markers.h"
#include "packager/support/hex.h"
#include "packager/support/read_file.h"
#include "packager/support/user_error.h"

namespace fs = std::filesystem;

namespace freeze::packager {

PythonDistribution load_distribution(const fs::path& dir, const std::string& origin) {
  const fs::path manifest_path = dir / "manifest.json";
  std::error_code error;
  if (!fs::is_regular_file(manifest_path, error)) {
    throw UserError(origin + ": " + dir.string() +
                    " is not a CPython distribution (no manifest.json); build one with `freeze distribution build VERSION`");
  }
  nlohmann::json manifest;
  try {
    manifest = nlohmann::json::parse(read_file(manifest_path));
  } catch (const nlohmann::json::exception& e) {
    throw UserError(origin + ": " + manifest_path.string() + ": not valid JSON (" + e.what() + ")");
  }
  PythonDistribution out;
  out.dir = dir;
  try {
    const auto version = PythonVersion::parse(manifest.at("version").get<std::string>());
    if (!version) throw UserError(origin + ": " + manifest_path.string() + ": version is not a CPython version");
    out.version = *version;
    for (const auto& name : manifest.at("builtin_module_names")) out.builtin_modules.insert(name.get<std::string>());
    const auto magic = decode_hex(manifest.at("magic_number").get<std::string>());
    if (!magic || magic->size() != 4) {
      throw UserError(origin + ": " + manifest_path.string() + ": magic_number is not 4 bytes in hexadecimal");
    }
    out.magic_number = *magic;
    out.stdlib_dir = dir / manifest.at("stdlib").get<std::string>();
    out.interpreter = dir / manifest.at("python").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw UserError(origin + ": " + manifest_path.string() + ": missing or malformed entry (" + e.what() + ")");
  }
  out.launcher = dir / "bin" / "freeze-launcher";
  if (!fs::is_regular_file(out.launcher, error)) {
    throw UserError(origin + ": " + dir.string() + " has no bin/freeze-launcher; build it with `freeze distribution build VERSION`");
  }
  if (!fs::is_regular_file(out.interpreter, error)) {
    throw UserError(origin + ": " + dir.string() + " has no interpreter at " + out.interpreter.string());
  }
  if (!fs::is_directory(out.stdlib_dir, error)) {
    throw UserError(origin + ": " + dir.string() + " has no stdlib at " + out.stdlib_dir.string());
  }
  return out;
}

std::vector<PythonDistribution> cached_distributions() {
  const fs::path root = default_cache_directory() / "distributions";
  std::vector<std::pair<fs::file_time_type, PythonDistribution>> found;
  std::error_code error;
  for (fs::directory_iterator it(root, error), end; !error && it != end; it.increment(error)) {
    // cpython-<full version>-<key>, complete (a build in progress is cpython-...-<key>.tmp).
    const std::string name = it->path().filename().string();
    if (!name.starts_with("cpython-") || name.ends_with(".tmp")) continue;
    std::error_code missing;
    if (!fs::is_regular_file(it->path() / "manifest.json", missing) ||
        !fs::is_regular_file(it->path() / "bin" / "freeze-launcher", missing)) {
      continue;
    }
    try {
      PythonDistribution candidate = load_distribution(it->path(), root.string());
      found.emplace_back(fs::last_write_time(it->path() / "manifest.json", missing), std::move(candidate));
    } catch (const UserError&) {
      continue;  // damaged or half-removed: not a candidate
    }
  }
  // Newest release first; of several builds of one release (other options, an older builder),
  // the one built last, so that the choice never depends on the order a directory lists in.
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    const int newer = compare_versions(a.second.version.full, b.second.version.full);
    if (newer != 0) return newer > 0;
    if (a.first != b.first) return a.first > b.first;
    return a.second.dir < b.second.dir;
  });
  std::vector<PythonDistribution> out;
  for (auto& [built, distribution] : found) out.push_back(std::move(distribution));
  return out;
}

PythonDistribution find_distribution(const std::string& version, const std::string& origin) {
  for (PythonDistribution& candidate : cached_distributions()) {
    if (candidate.version.short_version() == version) return std::move(candidate);
  }
  throw UserError(origin + " = \"" + version + "\": no CPython " + version + " distribution is built in " +
                  (default_cache_directory() / "distributions").string() + "; build one with `freeze distribution build " +
                  version + "` (about 15 minutes on 2 cores, once), or name one with python.distribution");
}

std::string launcher_source_key(const PythonDistribution& distribution) {
  const fs::path key_file = distribution.dir / "launcher-source.key";
  std::error_code error;
  if (!fs::is_regular_file(key_file, error)) return kLauncherSourceKey;  // not made by the builder: taken as it is
  std::string key = read_file(key_file);
  return key.substr(0, key.find_first_of("-\n"));  // "<key>-lto\n"
}

bool launcher_is_current(const PythonDistribution& distribution) {
  return launcher_source_key(distribution) == kLauncherSourceKey;
}

namespace {

// The launcher reads what this freeze writes only if it was built from the same sources:
// DIR/launcher-source.key (written by distribution/launcher_build.py) names them.
void check_launcher_is_current(const PythonDistribution& distribution) {
  if (launcher_is_current(distribution)) return;
  throw UserError(distribution.dir.string() + ": its launcher was built from other freeze sources (" +
                  launcher_source_key(distribution) + ", this freeze: " + kLauncherSourceKey +
                  "); rebuild it with `freeze distribution build " + distribution.version.short_version() +
                  "` (about a minute)");
}

}  // namespace

// --distribution (`option`) wins over [python] distribution, which wins over [python] version (a
// distribution of that version from the cache; for the embedded version, Debian's CPython);
// none: Debian's CPython and build/freeze-launcher. A version asked for must be the one chosen.
std::optional<PythonDistribution> chosen_distribution(const AppConfig& config, const std::optional<fs::path>& option) {
  const std::string version_key = config.key_prefix + "python.version";
  std::optional<PythonDistribution> chosen;
  if (option) {
    chosen = load_distribution(fs::absolute(*option).lexically_normal(), "--distribution");
  } else if (!config.distribution.empty()) {
    chosen = load_distribution(config.distribution, config.key_prefix + "python.distribution");
  } else if (!config.python_version.empty() && config.python_version != PythonVersion::embedded().short_version()) {
    chosen = find_distribution(config.python_version, version_key);
  }
  if (chosen && !config.python_version.empty() && chosen->version.short_version() != config.python_version) {
    throw UserError(version_key + " = \"" + config.python_version + "\", but the distribution " + chosen->dir.string() +
                    " is CPython " + chosen->version.full);
  }
  if (chosen) check_launcher_is_current(*chosen);
  return chosen;
}

}  // namespace freeze::packager

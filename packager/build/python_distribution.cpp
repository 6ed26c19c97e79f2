#include "packager/build/python_distribution.h"

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
                    " is not a CPython distribution (no manifest.json); build one with distribution/freeze_distribution.py");
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
    throw UserError(origin + ": " + dir.string() + " has no bin/freeze-launcher; build it with distribution/freeze_distribution.py");
  }
  if (!fs::is_regular_file(out.interpreter, error)) {
    throw UserError(origin + ": " + dir.string() + " has no interpreter at " + out.interpreter.string());
  }
  if (!fs::is_directory(out.stdlib_dir, error)) {
    throw UserError(origin + ": " + dir.string() + " has no stdlib at " + out.stdlib_dir.string());
  }
  return out;
}

PythonDistribution find_distribution(const std::string& version, const std::string& origin) {
  const fs::path root = default_cache_directory() / "distributions";
  // The newest CPython release; of several builds of it (other options, an older builder), the
  // one built last, so that the choice never depends on the order a directory lists in.
  std::optional<PythonDistribution> best;
  fs::file_time_type best_built;
  std::error_code error;
  for (fs::directory_iterator it(root, error), end; !error && it != end; it.increment(error)) {
    // cpython-<full version>-<key>, complete (a build in progress is cpython-...-<key>.tmp).
    const std::string name = it->path().filename().string();
    if (!name.starts_with("cpython-" + version + ".") || name.ends_with(".tmp")) continue;
    std::error_code missing;
    if (!fs::is_regular_file(it->path() / "manifest.json", missing) ||
        !fs::is_regular_file(it->path() / "bin" / "freeze-launcher", missing)) {
      continue;
    }
    PythonDistribution candidate = load_distribution(it->path(), origin);
    if (candidate.version.short_version() != version) continue;
    const fs::file_time_type built = fs::last_write_time(it->path() / "manifest.json", missing);
    const int newer = best ? compare_versions(candidate.version.full, best->version.full) : 1;
    if (newer > 0 || (newer == 0 && (built > best_built || (built == best_built && candidate.dir < best->dir)))) {
      best = std::move(candidate);
      best_built = built;
    }
  }
  if (!best) {
    throw UserError(origin + " = \"" + version + "\": no CPython " + version + " distribution is built in " + root.string() +
                    "; build one with `/usr/bin/python3.11 distribution/freeze_distribution.py --version " + version +
                    "` from freeze's source tree (about 10 minutes on 2 cores, once), or name one with python.distribution");
  }
  return *best;
}

namespace {

// The launcher reads what this freeze writes only if it was built from the same sources:
// DIR/launcher-source.key (written by distribution/launcher_build.py) names them. A directory
// without the file was not made by the builder and is taken as it is.
void check_launcher_is_current(const PythonDistribution& distribution) {
  const fs::path key_file = distribution.dir / "launcher-source.key";
  std::error_code error;
  if (!fs::is_regular_file(key_file, error)) return;
  std::string key = read_file(key_file);
  key = key.substr(0, key.find_first_of("-\n"));  // "<key>-lto\n"
  if (key != kLauncherSourceKey) {
    throw UserError(distribution.dir.string() + ": its launcher was built from other freeze sources (" + key +
                    ", this freeze: " + kLauncherSourceKey + "); rebuild it with `/usr/bin/python3.11 "
                    "distribution/freeze_distribution.py --version " + distribution.version.short_version() +
                    "` from this freeze's source tree (about a minute)");
  }
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

#include "packager/build/python_distribution.h"

#include <nlohmann/json.hpp>

#include "packager/build/build_python.h"
#include "packager/support/read_file.h"
#include "packager/support/user_error.h"

namespace fs = std::filesystem;

namespace freeze::packager {

namespace {

std::string to_hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

}  // namespace

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
    throw UserError(manifest_path.string() + ": not valid JSON (" + e.what() + ")");
  }
  PythonDistribution out;
  out.dir = dir;
  try {
    out.version = manifest.at("version").get<std::string>();
    for (const auto& name : manifest.at("builtin_module_names")) out.builtin_modules.insert(name.get<std::string>());
    const auto magic = manifest.at("magic_number").get<std::string>();
    const std::string minor = out.version.substr(0, out.version.rfind('.'));
    BuildPython& python = BuildPython::instance();
    if (minor != python.version() || magic != to_hex(python.magic_number())) {
      throw UserError(origin + ": " + dir.string() + " holds CPython " + out.version + ", which is not supported yet (only " +
                      python.version() + ": freeze compiles bytecode with its embedded CPython " + python.version() + ")");
    }
    out.stdlib_dir = dir / manifest.at("stdlib").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw UserError(manifest_path.string() + ": missing or malformed entry (" + e.what() + ")");
  }
  out.launcher = dir / "bin" / "freeze-launcher";
  if (!fs::is_regular_file(out.launcher, error)) {
    throw UserError(origin + ": " + dir.string() + " has no bin/freeze-launcher; build it with distribution/freeze_distribution.py");
  }
  if (!fs::is_directory(out.stdlib_dir, error)) {
    throw UserError(origin + ": " + dir.string() + " has no stdlib at " + out.stdlib_dir.string());
  }
  return out;
}

}  // namespace freeze::packager

#include "packager/config/python_version.h"

#include <patchlevel.h>  // the embedded CPython's version

#include <charconv>

#include "format/launch_settings.h"
#include "format/pyc_file.h"

namespace freeze::packager {

PythonVersion PythonVersion::embedded() { return {PY_MAJOR_VERSION, PY_MINOR_VERSION, PY_VERSION}; }

std::optional<PythonVersion> PythonVersion::parse(const std::string& text) {
  PythonVersion out;
  const char* end = text.data() + text.size();
  auto [after_major, major_error] = std::from_chars(text.data(), end, out.major);
  if (major_error != std::errc() || after_major == end || *after_major != '.') return std::nullopt;
  auto [after_minor, minor_error] = std::from_chars(after_major + 1, end, out.minor);
  if (minor_error != std::errc() || (after_minor != end && *after_minor != '.')) return std::nullopt;
  out.full = text;
  return out;
}

// The same spelling the launcher compares the settings' python_version with.
const std::vector<std::filesystem::path>& debian_site_directories() {
  static const std::vector<std::filesystem::path> dirs{"/usr/local/lib/python3.11/dist-packages",
                                                       "/usr/lib/python3/dist-packages"};
  return dirs;
}

std::optional<PythonVersion> PythonVersion::parse_target(const std::string& text) {
  auto version = parse(text);
  if (!version || version->full != version->short_version() || version->major != 3 || version->minor < 11) return {};
  return version;
}

std::string PythonVersion::short_version() const { return blob::python_version_of(major, minor); }

std::string PythonVersion::cache_tag() const { return blob::pyc::cache_tag(major, minor); }

std::string PythonVersion::lib_name() const { return "python" + short_version(); }

std::vector<std::string> PythonVersion::extension_suffixes() const {
  return {"." + cache_tag() + "-x86_64-linux-gnu.so", ".abi3.so", ".so"};
}

}  // namespace freeze::packager

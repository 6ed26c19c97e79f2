// The CPython version an app is frozen for, and what follows from it alone: the cache tag of
// its bytecode and tagged extension modules, its directory names in the installation, the
// values of the environment markers that name it. The packager links CPython 3.11, but an app
// may be frozen for a distribution of another version: everything version-dependent in the
// packager takes this value instead of the PY_*_VERSION macros it was compiled with.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace freeze::packager {

struct PythonVersion {
  int major = 3;
  int minor = 11;
  std::string full;  // "3.11.2": PEP 508's python_full_version

  // The version of the CPython the packager itself embeds (and Debian's default launcher).
  static PythonVersion embedded();
  // From "3.13.5" (or "3.13"); nothing for text that is not MAJOR.MINOR[.MICRO...].
  static std::optional<PythonVersion> parse(const std::string& text);
  // A version an app can be frozen for, as [python] version gives it: "3.MINOR", from 3.11 on.
  static std::optional<PythonVersion> parse_target(const std::string& text);

  std::string short_version() const;  // "3.13"
  std::string cache_tag() const;      // "cpython-313"
  std::string lib_name() const;       // "python3.13", as in lib/python3.13
  // importlib.machinery.EXTENSION_SUFFIXES on x86-64 Linux, most specific first.
  std::vector<std::string> extension_suffixes() const;

  bool operator==(const PythonVersion& other) const { return major == other.major && minor == other.minor; }
};

// Debian's directories of installed third-party packages (/usr/local's, then its own), which
// serve its python3.11, the embedded CPython, alone.
const std::vector<std::filesystem::path>& debian_site_directories();

}  // namespace freeze::packager

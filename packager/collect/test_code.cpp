#include "packager/collect/test_code.h"

#include <vector>

namespace freeze::packager {

namespace {

std::vector<std::string> name_parts(const std::string& name) {
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    const auto dot = name.find('.', start);
    parts.push_back(name.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

}  // namespace

std::string third_party_test_reason(const std::string& name) {
  const std::vector<std::string> parts = name_parts(name);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    if (part == "tests" || part == "test" || part == "testsuite") return "the package's own tests";
    if (part == "conftest") return "pytest's configuration of the package's tests";
    if (part == "examples" || part == "_examples") return "the package's examples, which need other packages";
    if (part == "_pyinstaller" || part == "__pyinstaller") return "PyInstaller hooks, read by PyInstaller only";
    const bool module_in_package = i + 1 == parts.size() && i > 0;
    if (module_in_package && part == "setup") return "a setup script of the package's build";
    // pytest's default python_files: ecdsa ships its tests as ecdsa/test_der.py and so on.
    if (module_in_package && (part.starts_with("test_") || part.ends_with("_test"))) return "the package's own tests";
  }
  return {};
}

bool is_test_helper(const std::string& name) {
  for (const auto& part : name_parts(name)) {
    if (part == "testing" || part == "testutils" || part == "test_utils" || part.starts_with("test_")) return true;
  }
  return false;
}

const std::set<std::string>& test_tools() {
  static const std::set<std::string> tools = {"pytest", "_pytest", "hypothesis", "nose", "mock", "unittest2"};
  return tools;
}

}  // namespace freeze::packager

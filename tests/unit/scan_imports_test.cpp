// Unit tests for the import scanner (packager/collect/scan_imports.py through the embedded
// CPython) in each of its scopes, and for the build's warning about module-body imports of
// stdlib modules that [stdlib] exclude leaves out (packager/collect/excluded_stdlib_imports.h).
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "packager/build/build_python.h"
#include "packager/collect/excluded_stdlib_imports.h"

namespace packager = freeze::packager;
using packager::ImportScope;

namespace {

const char* const kModule =
    "import os.path\n"
    "from . import sibling\n"
    "try:\n"
    "    import tomllib\n"
    "except ImportError:\n"
    "    tomllib = None\n"
    "if os.name == 'nt':\n"
    "    import winreg\n"
    "if TYPE_CHECKING:\n"
    "    import typing_extensions\n"
    "try:\n"
    "    import json\n"
    "except ValueError:\n"
    "    pass\n"
    "def later():\n"
    "    import decimal\n"
    "class Settings:\n"
    "    import csv\n"
    "if __name__ == '__main__':\n"
    "    import argparse\n";

std::vector<std::string> scan(ImportScope scope) {
  return packager::BuildPython::instance().imported_names(kModule, "pkg.mod", false, scope, false);
}

bool has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

packager::Resource compiled_module(const std::string& name, const std::string& source) {
  packager::Resource module;
  module.name = module.routing_name = name;
  module.compiled = true;
  module.source_utf8 = source;
  return module;
}

}  // namespace

TEST_CASE("the import scanner's scopes: everywhere, outside functions, unguarded") {
  const auto everywhere = scan(ImportScope::Everywhere);
  for (const char* name : {"os", "os.path", "pkg", "pkg.sibling", "tomllib", "winreg", "typing_extensions", "json",
                           "decimal", "csv"}) {
    CHECK_MESSAGE(has(everywhere, name), name);
  }
  CHECK_FALSE(has(everywhere, "argparse"));  // a `python -m` main block is never followed

  const auto outside_functions = scan(ImportScope::OutsideFunctions);
  CHECK_FALSE(has(outside_functions, "decimal"));
  CHECK(has(outside_functions, "tomllib"));
  CHECK(has(outside_functions, "csv"));

  // Not those a try handles the ImportError of, nor those only type checkers run; a try that
  // handles something else does not guard an import, and an if or a function does not either.
  CHECK(scan(ImportScope::Unguarded) ==
        std::vector<std::string>{"csv", "decimal", "json", "os", "os.path", "pkg", "pkg.sibling", "winreg"});
}

TEST_CASE("an unguarded import of a stdlib module that [stdlib] exclude leaves out is one warning per pattern") {
  packager::AppConfig config;
  config.stdlib_exclude = {"lib2to3", "unittest.test", "nosuchstdlib"};
  std::vector<packager::Resource> resources = {
      compiled_module("fixer", "from lib2to3.pgen2 import tokenize\n"),
      compiled_module("fixer.more", "def detect():\n    try:\n        import lib2to3\n    except SyntaxError:\n        pass\n"),
      compiled_module("optional", "try:\n    import lib2to3\nexcept ImportError:\n    pass\n"),  // guarded
      compiled_module("tests_here", "import unittest.test\n"),
      compiled_module("elsewhere", "import nosuchstdlib\n"),  // not in this CPython's stdlib at all
      compiled_module("mentions", "# lib2to3 is only named here\n"),
  };
  const auto warnings = packager::excluded_stdlib_import_warnings(config, resources, packager::BuildPython::instance());
  REQUIRE(warnings.size() == 2);
  CHECK(warnings[0] ==
        "fixer and 1 more module import lib2to3, which [stdlib] exclude leaves out (\"lib2to3\"): those imports fail in "
        "the frozen app, as nothing handles the ImportError; remove \"lib2to3\" from stdlib.exclude if the app runs them");
  CHECK(warnings[1] ==
        "tests_here imports unittest.test, which [stdlib] exclude leaves out (\"unittest.test\"): that import fails in "
        "the frozen app, as nothing handles the ImportError; remove \"unittest.test\" from stdlib.exclude if the app "
        "runs it");

  // The app's own module of that name is what the import finds: nothing is missing.
  resources.push_back(compiled_module("lib2to3", ""));
  resources.push_back(compiled_module("unittest.test", ""));
  CHECK(packager::excluded_stdlib_import_warnings(config, resources, packager::BuildPython::instance()).empty());
}

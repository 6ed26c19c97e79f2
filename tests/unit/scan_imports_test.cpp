// Unit tests for the import scanner (packager/collect/scan_imports.py through the embedded
// CPython) in each of its scopes, for the build's warning about module-body imports of stdlib
// modules that [stdlib] exclude leaves out (packager/collect/excluded_stdlib_imports.h), and for
// its warning about imports of installed packages left out (packager/collect/uncollected_imports.h).
#include <map>
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "packager/build/build_python.h"
#include "packager/collect/excluded_stdlib_imports.h"
#include "packager/collect/uncollected_imports.h"
#include "temp_dir.h"

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
  return packager::BuildPython::instance().imported_names(kModule, "pkg.mod", false, scope, false, false);
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

  // Not those a try handles the ImportError of, nor those only type checkers run, nor Windows'
  // (this python runs on Linux); a try that handles something else does not guard an import, and
  // an if or a function does not either.
  CHECK(scan(ImportScope::Unguarded) ==
        std::vector<std::string>{"csv", "decimal", "json", "os", "os.path", "pkg", "pkg.sibling"});
}

TEST_CASE("unguarded: the branches this python never takes, and what only an optional import's success runs") {
  const char* const source =
      "import sys\n"
      "if sys.version_info >= (3, 8):\n"
      "    from importlib import metadata\n"
      "else:\n"
      "    import importlib_metadata_old\n"
      "if sys.version_info[:2] < (3, 0) or sys.platform.startswith('win'):\n"
      "    import never_here\n"
      "if not sys.platform == 'linux':\n"
      "    import not_linux\n"
      "try:\n"
      "    from typing import Protocol\n"
      "except ImportError:\n"
      "    from typing_extensions import Protocol\n"  // a fallback for older pythons
      "try:\n"
      "    import fastjson\n"
      "    has_fastjson = True\n"
      "except ImportError:\n"
      "    import slowjson\n"  // the fallback that must work
      "    has_fastjson = False\n"
      "else:\n"
      "    import fastjson_extras\n"
      "if has_fastjson:\n"
      "    from fastjson import Decoder\n"
      "try:\n"
      "    import numpy\n"
      "except ImportError:\n"
      "    numpy = None\n"
      "if numpy is not None:\n"
      "    import numpy.linalg\n"
      "else:\n"
      "    import array\n"
      "if CONFIG:\n"
      "    import configured\n";
  const auto names = packager::BuildPython::instance().imported_names(source, "mod", false, ImportScope::Unguarded, false, false);
  CHECK(names == std::vector<std::string>{"array", "configured", "importlib", "importlib.metadata", "slowjson", "sys"});
  // Everywhere still means every statement: the reachable stdlib is not decided by this python's branches.
  const auto everywhere = packager::BuildPython::instance().imported_names(source, "mod", false, ImportScope::Everywhere, false, false);
  CHECK(has(everywhere, "importlib_metadata_old"));
  CHECK(has(everywhere, "typing_extensions"));
}

TEST_CASE("imports under the main guard count for a module run as __main__; a handler that exits needs them") {
  const std::string source =
      "import sys\n"
      "if __name__ == '__main__':\n"
      "    try:\n"
      "        from tool.config import Config\n"
      "    except Exception as e:\n"
      "        print(e)\n"
      "        sys.exit(1)\n"  // as s3cmd's: the import is needed, not optional
      "    try:\n"
      "        import fancy\n"
      "    except ImportError:\n"
      "        fancy = None\n";
  auto& python = packager::BuildPython::instance();
  CHECK(python.imported_names(source, "tool", false, ImportScope::Unguarded, false, false) == std::vector<std::string>{"sys"});
  CHECK(python.imported_names(source, "tool", false, ImportScope::Unguarded, false, true) ==
        std::vector<std::string>{"sys", "tool", "tool.config", "tool.config.Config"});
  CHECK(has(python.imported_names(source, "tool", false, ImportScope::Everywhere, false, true), "fancy"));
}

TEST_CASE("an unguarded import of an installed package left out is named, with where it is installed") {
  freeze::testing::TempDir dir("uncollected");
  dir.write("site/unidecode/__init__.py", "");
  dir.write("site/sphinx/__init__.py", "");
  dir.write("site/pytest/__init__.py", "");
  dir.write("site/included/__init__.py", "");
  packager::AppConfig config;
  config.site_packages = {{dir / "site", {"included"}}};
  const std::vector<packager::Resource> resources = {
      compiled_module("included", ""),
      compiled_module("app.utils", "def slugify(text):\n    import unidecode\n    return text\n"),
      compiled_module("app.more", "import unidecode.data\nimport included\nimport json\n"),
      compiled_module("app.sphinxext", "import sphinx\nimport unidecode\n"),  // an integration with sphinx
      compiled_module("app.tests.test_x", "import unidecode\n"),                 // test code
      compiled_module("app.helpers", "import pytest\n"),                         // a test tool
      compiled_module("app.optional", "try:\n    import unidecode\nexcept ImportError:\n    pass\n"),
      compiled_module("app.nowhere", "import not_installed_anywhere\n"),
  };
  const auto left_out = packager::imports_left_out(config, resources, packager::BuildPython::instance());
  CHECK(left_out.integrations == std::map<std::string, std::string>{{"app.sphinxext", "sphinx"}});
  const auto& imports = left_out.uncollected;
  REQUIRE(imports.size() == 1);
  CHECK(imports[0].top == "unidecode");
  CHECK(imports[0].site == dir / "site");
  CHECK(imports[0].importers == std::vector<std::string>{"app.more", "app.utils"});
  CHECK(packager::uncollected_imports_warning(imports) ==
        "1 package installed in the site_packages directories but not included is imported where nothing handles "
        "the ImportError: unidecode (by app.more and 1 more). The frozen app fails where it runs such an import: "
        "include it (freeze check names them too, with the site_packages setting)");
  CHECK(packager::uncollected_imports_warning({}).empty());
}

TEST_CASE("a module is an integration with a package a part below its top-level package is named after") {
  CHECK(packager::is_integration_with("pygments.sphinxext", "sphinx"));
  CHECK(packager::is_integration_with("IPython.sphinxext.ipython_directive", "sphinx"));
  CHECK(packager::is_integration_with("urllib3.contrib.pyopenssl", "OpenSSL"));
  CHECK(packager::is_integration_with("tqdm.rich", "rich"));
  CHECK(packager::is_integration_with("pkg._yaml_support", "_yaml"));  // leading underscores do not count
  CHECK_FALSE(packager::is_integration_with("sphinx", "sphinx"));         // a top-level package itself
  CHECK_FALSE(packager::is_integration_with("sphinx.ext.napoleon", "sphinx"));  // only below the top
  CHECK_FALSE(packager::is_integration_with("pkg.gtk3", "gi"));           // too short a name to tell
  CHECK_FALSE(packager::is_integration_with("pkg.core.display", "rich"));
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

  // Left out by the default list, which the config does not have: that list, without it, to paste.
  packager::AppConfig defaults;
  defaults.stdlib_exclude = packager::default_stdlib_exclude();
  const std::vector<packager::Resource> gui = {compiled_module("PIL.ImageTk", "import tkinter\n")};
  const auto gui_warnings = packager::excluded_stdlib_import_warnings(defaults, gui, packager::BuildPython::instance());
  REQUIRE(gui_warnings.size() == 1);
  CHECK(gui_warnings[0] ==
        "PIL.ImageTk imports tkinter, which the default [stdlib] exclude leaves out (\"tkinter\"): that import fails in "
        "the frozen app, as nothing handles the ImportError; if the app runs it, give [stdlib] the default list without "
        "it: exclude = [\"test\", \"unittest.test\", \"ctypes.test\", \"distutils.tests\", \"lib2to3.tests\", \"idlelib\", "
        "\"turtledemo\", \"ensurepip\"]");

  // The app's own module of that name is what the import finds: nothing is missing.
  resources.push_back(compiled_module("lib2to3", ""));
  resources.push_back(compiled_module("unittest.test", ""));
  CHECK(packager::excluded_stdlib_import_warnings(config, resources, packager::BuildPython::instance()).empty());
}

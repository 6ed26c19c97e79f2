// Unit tests for the target interpreter as a child process (packager/build/python_process.h):
// run with Debian's python3.11, the same version the packager embeds, every answer must match
// the embedded interpreter's, and a broken interpreter gets one clear error.
#include <doctest/doctest.h>

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <marshal.h>

#include <string>

#include "packager/build/build_python.h"
#include "packager/build/python_process.h"
#include "packager/support/user_error.h"

namespace packager = freeze::packager;

namespace {

const char* const kSource =
    "# -*- coding: latin-1 -*-\n"
    "import os.path, json\n"
    "from . import sibling\n"
    "from collections import abc as _abc\n"
    "def later():\n"
    "    import decimal\n"
    "CONSTANTS = frozenset({'a', 'b', 'c', 'd'})\n"
    "TEXT = '\xe9t\xe9'\n";

// The code objects two marshalled modules hold are equal (marshal's bytes themselves depend on
// reference counts, so they are not compared).
bool same_code(const std::string& a, const std::string& b) {
  PyObject* first = PyMarshal_ReadObjectFromString(a.data(), static_cast<Py_ssize_t>(a.size()));
  PyObject* second = PyMarshal_ReadObjectFromString(b.data(), static_cast<Py_ssize_t>(b.size()));
  const bool equal = first && second && PyObject_RichCompareBool(first, second, Py_EQ) == 1;
  Py_XDECREF(first);
  Py_XDECREF(second);
  PyErr_Clear();
  return equal;
}

}  // namespace

TEST_CASE("a python3.11 child process answers as the embedded 3.11 does") {
  packager::BuildPython& embedded = packager::BuildPython::instance();
  packager::PythonProcess process(FREEZE_TEST_PYTHON);
  CHECK(process.version() == embedded.version());
  CHECK(process.magic_number() == embedded.magic_number());
  CHECK(process.cache_tag() == embedded.cache_tag());
  CHECK(process.stdlib_dir() == embedded.stdlib_dir());

  for (int optimize : {0, 2}) {
    const packager::CompiledModule ours = process.compile(kSource, "/app/pkg/mod.py", optimize);
    const packager::CompiledModule theirs = embedded.compile(kSource, "/app/pkg/mod.py", optimize);
    CHECK(same_code(ours.bytecode, theirs.bytecode));
    CHECK(ours.source_utf8 == theirs.source_utf8);
    CHECK(ours.source_utf8.find("\xc3\xa9t\xc3\xa9") != std::string::npos);  // latin-1 decoded, UTF-8 out
  }
  CHECK(process.source_hash(kSource) == embedded.source_hash(kSource));
  for (auto scope : {packager::ImportScope::Everywhere, packager::ImportScope::OutsideFunctions,
                     packager::ImportScope::Unguarded}) {
    for (const bool as_main : {false, true}) {
      CHECK(process.imported_names(kSource, "pkg.mod", false, scope, false, as_main) ==
            embedded.imported_names(kSource, "pkg.mod", false, scope, false, as_main));
    }
  }
  CHECK(process.is_frozen("zipimport") == embedded.is_frozen("zipimport"));
  CHECK(process.is_frozen("json") == embedded.is_frozen("json"));

  // Many requests through one process, large payloads included.
  const std::string big = "x = [" + std::string(200000, '1') + "]\n";
  CHECK(process.source_hash(big) == embedded.source_hash(big));
}

TEST_CASE("a module that does not compile is the interpreter's own one-line error") {
  packager::PythonProcess process(FREEZE_TEST_PYTHON);
  try {
    process.compile("def broken(:\n", "bad.py", 0);
    FAIL("no error");
  } catch (const packager::UserError& error) {
    CHECK(std::string(error.what()).rfind("SyntaxError: ", 0) == 0);
    CHECK(std::string(error.what()).find("bad.py") != std::string::npos);
  }
  CHECK(process.source_hash("still = 'serving'\n").size() == 8);  // the process survives it
}

TEST_CASE("an interpreter that is missing or is not a CPython is named in the error") {
  CHECK_THROWS_WITH_AS(packager::PythonProcess("/nonexistent/python3.15"),
                       doctest::Contains("the build interpreter /nonexistent/python3.15: cannot run it"),
                       packager::UserError);
  CHECK_THROWS_WITH_AS(packager::PythonProcess("/bin/true"),
                       doctest::Contains("the build interpreter /bin/true: it exited while answering"),
                       packager::UserError);
  CHECK_THROWS_WITH_AS(packager::PythonProcess("/bin/echo"),
                       doctest::Contains("the build interpreter /bin/echo: it answered something that is not a reply"),
                       packager::UserError);
}

// The embedded importer in-process: a small blob written with the packager's blob writer,
// served by `_freeze_importer` in an interpreter started in this process (as the launcher does:
// the module registered before initialisation, its finder put on sys.meta_path after). Each
// case runs in milliseconds, without building an executable.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "format/blob_reader.h"
#include "packager/build/blob_writer.h"
#include "packager/build/build_python.h"
#include "importer/importer_module.h"
#include "importer/install_layout.h"
#include "importer/python_ref.h"

namespace {

using freeze::Ref;
using freeze::blob::Kind;
using freeze::packager::BlobItem;

constexpr const char* kOrigin = "/nonexistent-freeze-unit/app-dir";

// The interpreter with the importer, started once for all cases; serve() replaces the blob.
// The importer must be registered before the interpreter starts: a unit test that starts the
// build interpreter (BuildPython) must go through this one first.
struct EmbeddedImporter {
  freeze::importer::ImporterContext context;
  std::string blob;
  std::optional<freeze::blob::BlobReader> reader;

  static EmbeddedImporter& instance() {
    static EmbeddedImporter importer;
    return importer;
  }

  EmbeddedImporter() {
    context.executable = std::string(kOrigin) + "/app";
    context.origin_dir = kOrigin;
    serve({});
    REQUIRE(freeze::importer::install_inittab(&context));
    freeze::packager::BuildPython::instance();  // initialises the interpreter
    REQUIRE(freeze::importer::install_finder());
  }

  void serve(std::vector<BlobItem> items) {
    freeze::packager::BlobOptions options;
    options.dictionaries = false;
    options.threads = 1;
    std::string bytes = freeze::packager::write_blob(std::move(items), options);
    reader.reset();
    blob = std::move(bytes);
    reader.emplace(freeze::blob::BlobReader::open(
        std::span(reinterpret_cast<const unsigned char*>(blob.data()), blob.size())));
    context.reader = &*reader;
  }
};

// The path below the executable's directory of a file of the app's own code (install_layout.h).
std::string app_path(const std::string& path) { return std::string(freeze::layout::kAppDir) + "/" + path; }

// An in-memory module (or package) item compiled from `source`; `path` is its file below the
// app's directory.
BlobItem module_item(const std::string& name, const std::string& relative, const std::string& source, bool package = false) {
  const std::string path = app_path(relative);
  const auto compiled = freeze::packager::BuildPython::instance().compile(source, std::string(kOrigin) + "/" + path, 0);
  BlobItem item;
  item.kind = Kind::Module;
  item.name = name;
  item.flags = package ? freeze::blob::kFlagPackage : 0;
  item.path = path;
  item.data = compiled.bytecode;
  item.source = compiled.source_utf8;
  return item;
}

BlobItem resource_item(const std::string& path, const std::string& data) {
  BlobItem item;
  item.kind = Kind::Resource;
  item.name = path;
  item.path = app_path(path);
  item.data = data;
  return item;
}

// The str() of evaluating `expression` after running `statements`, or "error: <Type>: <message>".
std::string python(const std::string& statements, const std::string& expression) {
  Ref globals(PyDict_New());
  PyDict_SetItemString(globals.get(), "__builtins__", PyEval_GetBuiltins());
  Ref ran(PyRun_String(statements.c_str(), Py_file_input, globals.get(), globals.get()));
  Ref value(ran ? PyRun_String(expression.c_str(), Py_eval_input, globals.get(), globals.get()) : nullptr);
  Ref text(value ? PyObject_Str(value.get()) : nullptr);
  if (!text) {
    PyObject *type, *error, *traceback;
    PyErr_Fetch(&type, &error, &traceback);
    PyErr_NormalizeException(&type, &error, &traceback);
    Ref owned_type(type), owned_error(error), owned_traceback(traceback);
    Ref message(error ? PyObject_Str(error) : nullptr);
    const char* name = type ? reinterpret_cast<PyTypeObject*>(type)->tp_name : "?";
    return std::string("error: ") + name + ": " + (message ? PyUnicode_AsUTF8(message.get()) : "?");
  }
  return PyUnicode_AsUTF8(text.get());
}

// Imports of earlier cases are forgotten, so that each case imports from its own blob.
void forget(const std::string& prefix) {
  python("import sys\nfor n in [n for n in sys.modules if n == '" + prefix + "' or n.startswith('" + prefix +
             ".')]: del sys.modules[n]",
         "0");
}

}  // namespace

TEST_CASE("importer: find_spec describes embedded modules and packages as files beside the executable") {
  auto& importer = EmbeddedImporter::instance();
  forget("unitpkg");
  importer.serve({module_item("unitpkg", "unitpkg/__init__.py", "VALUE = 'package'\n", true),
                  module_item("unitpkg.mod", "unitpkg/mod.py", "from . import VALUE\nTWICE = VALUE * 2\n")});
  const std::string setup = "import importlib.util, _frozen_importlib, _freeze_importer, sys\n"
                            "spec = importlib.util.find_spec('unitpkg')\n";
  CHECK(python(setup, "spec.origin") == std::string(kOrigin) + "/lib/app/unitpkg/__init__.py");
  CHECK(python(setup, "spec.submodule_search_locations") == std::string("['") + kOrigin + "/lib/app/unitpkg']");
  CHECK(python(setup, "type(spec) is _frozen_importlib.ModuleSpec and spec.has_location") == "True");
  CHECK(python(setup, "spec.loader is _freeze_importer.importer and _freeze_importer.importer in sys.meta_path") == "True");
  CHECK(python(setup, "importlib.util.find_spec('unitpkg_missing')") == "None");
  CHECK(python("import unitpkg.mod", "(unitpkg.mod.TWICE, unitpkg.mod.__file__ == unitpkg.mod.__spec__.origin)") ==
        "('packagepackage', True)");
}

TEST_CASE("importer: embedded modules come before modules of the same name on sys.path") {
  auto& importer = EmbeddedImporter::instance();
  forget("unitshadow");
  importer.serve({module_item("unitshadow", "unitshadow.py", "WHERE = 'embedded'\n")});
  const std::string disk = "import os, sys, tempfile\n"
                           "d = tempfile.mkdtemp()\n"
                           "open(os.path.join(d, 'unitshadow.py'), 'w').write('WHERE = \"disk\"')\n"
                           "sys.path.insert(0, d)\n"
                           "try:\n    import unitshadow\nfinally:\n    sys.path.remove(d)\n";
  CHECK(python(disk, "unitshadow.WHERE") == "embedded");
}

TEST_CASE("importer: the loader protocol serves source, code, packages and file names") {
  auto& importer = EmbeddedImporter::instance();
  forget("unitsrc");
  importer.serve({module_item("unitsrc", "unitsrc/__init__.py", "", true),
                  module_item("unitsrc.lines", "unitsrc/lines.py", "first = 1\nsecond = 2\n")});
  const std::string setup = "import _freeze_importer\nloader = _freeze_importer.importer\n";
  CHECK(python(setup, "loader.get_source('unitsrc.lines')") == "first = 1\nsecond = 2\n");
  CHECK(python(setup, "(loader.is_package('unitsrc'), loader.is_package('unitsrc.lines'))") == "(True, False)");
  CHECK(python(setup, "loader.get_filename('unitsrc.lines')") == std::string(kOrigin) + "/lib/app/unitsrc/lines.py");
  CHECK(python(setup, "loader.get_code('unitsrc.lines').co_filename") == std::string(kOrigin) + "/lib/app/unitsrc/lines.py");
  CHECK(python(setup, "loader.get_source('unitsrc.nothing')").starts_with("error: ImportError: no module named"));
}

TEST_CASE("importer: importing leaves linecache alone") {
  // As python: linecache reads a module's file when asked (the launcher's virtual files serve
  // embedded ones, see tests/integration/test_importer_state.py), nothing is put in its cache
  // by an import, and importing linecache brings in nothing more (3.13's test_linecache and
  // test_site check both).
  auto& importer = EmbeddedImporter::instance();
  forget("unitlines");
  importer.serve({module_item("unitlines", "unitlines.py", "ONE = 1\nTWO = 2\n")});
  const std::string setup = "import sys, linecache\nlinecache.clearcache()\nimport unitlines\n";
  CHECK(python(setup, "sorted(linecache.cache)") == "[]");
}

TEST_CASE("importer: package data through importlib.resources and get_data") {
  auto& importer = EmbeddedImporter::instance();
  forget("unitdata");
  importer.serve({module_item("unitdata", "unitdata/__init__.py", "", true),
                  resource_item("unitdata/greeting.txt", "hello from memory\n")});
  const std::string setup = "import importlib.resources, pkgutil, unitdata\n";
  CHECK(python(setup, "importlib.resources.files('unitdata').joinpath('greeting.txt').read_text()") ==
        "hello from memory\n");
  CHECK(python(setup, "pkgutil.get_data('unitdata', 'greeting.txt')") == "b'hello from memory\\n'");
  CHECK(python(setup, "importlib.resources.files('unitdata').joinpath('absent.txt').is_file()") == "False");
}

TEST_CASE("importer: the runtime's Python half is its own, whatever the app embeds") {
  auto& importer = EmbeddedImporter::instance();
  forget("unitown");
  forget("_freeze_resources");
  // An app module of the name the runtime's module once had, and one claiming the runtime's
  // namespace: neither replaces it, and the first is the app's as under python.
  importer.serve({module_item("_freeze_resources", "_freeze_resources.py", "WHOSE = 'app'\n"),
                  module_item("_freeze_importer.resources", "_freeze_importer/resources.py", "raise SystemExit('app')\n"),
                  module_item("unitown", "unitown/__init__.py", "", true),
                  resource_item("unitown/data.txt", "own\n")});
  const std::string setup = "import importlib.resources, _freeze_resources, unitown\n"
                            "import _freeze_importer, _freeze_importer.resources as runtime\n";
  CHECK(python(setup, "importlib.resources.files('unitown').joinpath('data.txt').read_text()") == "own\n");
  CHECK(python(setup, "_freeze_resources.WHOSE") == "app");
  CHECK(python(setup, "(runtime.__spec__.origin, hasattr(runtime, '__file__'), runtime.__loader__ is _freeze_importer.importer)") ==
        "('freeze runtime', False, True)");
  CHECK(python(setup, "_freeze_importer.importer.get_source('_freeze_importer.resources')") == "None");
}

namespace {

// An in-memory extension module item with the bytes of a file of this machine's python.
BlobItem extension_item(const std::string& name, const std::string& file) {
  Ref io(PyImport_ImportModule("io"));
  Ref handle(io ? PyObject_CallMethod(io.get(), "open", "ss", file.c_str(), "rb") : nullptr);
  Ref bytes(handle ? PyObject_CallMethod(handle.get(), "read", nullptr) : nullptr);
  if (handle) Ref(PyObject_CallMethod(handle.get(), "close", nullptr));
  REQUIRE(bytes);
  BlobItem item;
  item.kind = Kind::Extension;
  item.name = name;
  item.path = std::string(freeze::layout::kDynloadDir) + file.substr(file.rfind('/'));
  item.data = std::string(PyBytes_AS_STRING(bytes.get()), static_cast<std::size_t>(PyBytes_GET_SIZE(bytes.get())));
  return item;
}

}  // namespace

TEST_CASE("importer: extensions load from memory files closed at once, each through a path of its own") {
  auto& importer = EmbeddedImporter::instance();
  const std::string dynload = python("import sysconfig", "sysconfig.get_path('platstdlib') + '/lib-dynload/'");
  const std::string suffix = ".cpython-311-x86_64-linux-gnu.so";
  // _decimal initialises single-phase (its __file__ comes from the path it is loaded through),
  // _queue multi-phase. Their memory files get the same descriptor number one after the other:
  // with the same path string, the dynamic loader would hand the first object back.
  REQUIRE(python("import sys", "'_decimal' in sys.modules or '_queue' in sys.modules") == "False");
  importer.serve({extension_item("_decimal", dynload + "_decimal" + suffix), extension_item("_queue", dynload + "_queue" + suffix)});
  const std::string setup = "import os, sys\n"
                            "import _decimal, _queue\n"
                            "def memory_files():\n"
                            "    links = []\n"
                            "    for n in os.listdir('/proc/self/fd'):\n"
                            "        try: links.append(os.readlink('/proc/self/fd/' + n))\n"
                            "        except OSError: pass\n"
                            "    return [l for l in links if l.startswith('/memfd:')]\n";
  CHECK(python(setup, "(str(_decimal.Decimal(1) / 8), _queue.SimpleQueue().qsize())") == "('0.125', 0)");
  CHECK(python(setup, "_decimal.__file__") == std::string(kOrigin) + "/lib/python3.11/lib-dynload/_decimal" + suffix);
  CHECK(python(setup, "_queue.__file__") == std::string(kOrigin) + "/lib/python3.11/lib-dynload/_queue" + suffix);
  CHECK(python(setup, "memory_files()") == "[]");
}

TEST_CASE("Ref: owns exactly the references it took, and hands them over whole") {
  EmbeddedImporter::instance();  // the interpreter
  Ref list(PyList_New(0));
  REQUIRE(list);
  const Py_ssize_t alone = Py_REFCNT(list.get());
  {
    const Ref borrowed = Ref::new_ref(list.get());  // a new reference to a borrowed object
    CHECK(Py_REFCNT(list.get()) == alone + 1);
    Ref moved(std::move(list));  // moving transfers, counts nothing
    CHECK(!list);
    CHECK(Py_REFCNT(moved.get()) == alone + 1);
    list = std::move(moved);
  }
  CHECK(Py_REFCNT(list.get()) == alone);
  PyObject* handed = list.release();  // the caller's now, as a C function returns it
  CHECK(!list);
  CHECK(Py_REFCNT(handed) == alone);
  list.reset(handed);
  list.reset();  // releases it
  CHECK(!list);
  CHECK(!Ref::new_ref(nullptr));
}

#define PY_SSIZE_T_CLEAN
#include "packager/build/build_python.h"

#include <Python.h>
#include <marshal.h>

#include "support_sources.h"
#include "format/launch_settings.h"
#include "format/pyc_file.h"
#include "importer/python_ref.h"
#include "packager/support/user_error.h"

namespace freeze::packager {
namespace {

// Python's current exception as one line ("SyntaxError: invalid syntax (mod.py, line 3)").
std::string fetch_error_text() {
  PyObject *type = nullptr, *value = nullptr, *traceback = nullptr;
  PyErr_Fetch(&type, &value, &traceback);
  PyErr_NormalizeException(&type, &value, &traceback);
  const Ref owned_type(type), owned_value(value), owned_traceback(traceback);
  std::string text = "unknown error";
  if (const Ref str(value ? PyObject_Str(value) : nullptr); str) {
    const char* type_name = type ? reinterpret_cast<PyTypeObject*>(type)->tp_name : "Error";
    const char* utf8 = PyUnicode_AsUTF8(str.get());
    text = std::string(type_name) + ": " + (utf8 ? utf8 : "?");
  }
  PyErr_Clear();  // deliberate: of str() above, if it failed; the text is what is kept
  return text;
}

}  // namespace

BuildPython& BuildPython::instance() {
  static BuildPython python;
  return python;
}

BuildPython::BuildPython() {
  PyConfig config;
  PyConfig_InitIsolatedConfig(&config);
  // A fixed hash seed: frozenset constants (and anything else iterated from a set) come out in
  // the same order in every build, so the same inputs give the same bytes.
  config.use_hash_seed = 1;
  config.hash_seed = 0;
  config.site_import = 0;
  config.write_bytecode = 0;
  config.install_signal_handlers = 0;
  PyStatus status = PyConfig_SetBytesString(&config, &config.home, FREEZE_PYTHON_PREFIX);
  if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) {
    throw UserError(std::string("cannot start the build interpreter (Python home " FREEZE_PYTHON_PREFIX "): ") +
                    (status.err_msg ? status.err_msg : "unknown error") +
                    "; is Debian's python3.11 installed?");
  }
  Ref sysconfig(PyImport_ImportModule("sysconfig"));
  Ref path(sysconfig ? PyObject_CallMethod(sysconfig.get(), "get_path", "s", "stdlib") : nullptr);
  const char* utf8 = path ? PyUnicode_AsUTF8(path.get()) : nullptr;
  if (utf8 == nullptr) throw UserError("cannot locate the standard library: " + fetch_error_text());
  stdlib_dir_ = utf8;
  Ref util(PyImport_ImportModule("importlib.util"));
  Ref magic(util ? PyObject_GetAttrString(util.get(), "MAGIC_NUMBER") : nullptr);
  if (!magic || !PyBytes_Check(magic.get())) throw UserError("cannot read the bytecode magic number: " + fetch_error_text());
  magic_.assign(PyBytes_AS_STRING(magic.get()), static_cast<std::size_t>(PyBytes_GET_SIZE(magic.get())));
}

std::string BuildPython::source_hash(const std::string& source) {
  Ref source_bytes(PyBytes_FromStringAndSize(source.data(), static_cast<Py_ssize_t>(source.size())));
  Ref util(PyImport_ImportModule("importlib.util"));
  Ref hash(util && source_bytes ? PyObject_CallMethod(util.get(), "source_hash", "O", source_bytes.get()) : nullptr);
  if (!hash || !PyBytes_Check(hash.get())) throw UserError("cannot hash a module's source: " + fetch_error_text());
  return std::string(PyBytes_AS_STRING(hash.get()), static_cast<std::size_t>(PyBytes_GET_SIZE(hash.get())));
}

CompiledModule BuildPython::compile(const std::string& source, const std::string& filename, int optimize) {
  Ref source_bytes(PyBytes_FromStringAndSize(source.data(), static_cast<Py_ssize_t>(source.size())));
  Ref builtins(PyImport_ImportModule("builtins"));
  // compile() on bytes honours the PEP 263 coding cookie and BOM, like the import system.
  Ref code(builtins && source_bytes
               ? PyObject_CallMethod(builtins.get(), "compile", "OssiOi", source_bytes.get(), filename.c_str(), "exec", 0,
                                     Py_True, optimize)
               : nullptr);
  if (!code) throw UserError(fetch_error_text());
  Ref marshalled(PyMarshal_WriteObjectToString(code.get(), Py_MARSHAL_VERSION));
  if (!marshalled) throw UserError(fetch_error_text());

  CompiledModule result;
  char* data = nullptr;
  Py_ssize_t size = 0;
  PyBytes_AsStringAndSize(marshalled.get(), &data, &size);
  result.bytecode.assign(data, static_cast<std::size_t>(size));

  Ref util(PyImport_ImportModule("importlib.util"));
  Ref text(util ? PyObject_CallMethod(util.get(), "decode_source", "O", source_bytes.get()) : nullptr);
  Py_ssize_t text_size = 0;
  const char* text_utf8 = text ? PyUnicode_AsUTF8AndSize(text.get(), &text_size) : nullptr;
  if (text_utf8 == nullptr) throw UserError(fetch_error_text());
  result.source_utf8.assign(text_utf8, static_cast<std::size_t>(text_size));
  return result;
}

}  // namespace freeze::packager

namespace freeze::packager {

namespace {

PyObject* scan_function(const char* name) {
  static PyObject* globals = [] {
    PyObject* dict = PyDict_New();
    PyDict_SetItemString(dict, "__builtins__", PyEval_GetBuiltins());
    const Ref module_name(PyUnicode_FromString("freeze_scan_imports"));
    PyDict_SetItemString(dict, "__name__", module_name.get());
    const Ref result(PyRun_String(kScanImportsSource, Py_file_input, dict, dict));
    if (!result) Py_CLEAR(dict);  // the dict is kept for the process's life only if the scanner ran
    return dict;
  }();
  PyObject* function = globals ? PyDict_GetItemString(globals, name) : nullptr;
  if (function == nullptr) throw UserError("cannot start the import scanner: " + fetch_error_text());
  return function;
}

}  // namespace

std::vector<std::string> BuildPython::imported_names(const std::string& source, const std::string& module,
                                                     bool is_package, ImportScope scope, bool stdlib, bool as_main) {
  Ref text(PyUnicode_DecodeUTF8(source.data(), static_cast<Py_ssize_t>(source.size()), "replace"));
  Ref names(text ? PyObject_CallFunction(scan_function("imported_names"), "OsOsOO", text.get(), module.c_str(),
                                         is_package ? Py_True : Py_False, import_scope_name(scope),
                                         stdlib ? Py_True : Py_False, as_main ? Py_True : Py_False)
                 : nullptr);
  if (!names) throw UserError("scanning the imports of " + module + ": " + fetch_error_text());
  std::vector<std::string> out;
  for (Py_ssize_t i = 0; i < PyList_Size(names.get()); ++i) {
    if (const char* name = PyUnicode_AsUTF8(PyList_GET_ITEM(names.get(), i))) out.emplace_back(name);
  }
  return out;
}

bool BuildPython::is_frozen(const std::string& module) {
  Ref result(PyObject_CallFunction(scan_function("is_frozen"), "s", module.c_str()));
  if (!result) {
    PyErr_Clear();  // deliberate: a module the scanner cannot judge is not frozen into libpython
    return false;
  }
  return PyObject_IsTrue(result.get()) == 1;
}

}  // namespace freeze::packager

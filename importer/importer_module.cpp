// Loader protocol as in CPython's Lib/importlib/_bootstrap_external.py: find_spec builds a
// ModuleSpec (with has_location so that __file__ is set), exec_module runs the code object in
// the module's namespace, and get_code/get_source/is_package/get_filename serve runpy,
// linecache (tracebacks with source lines), inspect and pkgutil.
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <marshal.h>

#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "importer_module.h"

namespace freeze::importer {
namespace {

const ImporterContext* g_context = nullptr;
PyObject* g_module_spec_type = nullptr;  // _frozen_importlib.ModuleSpec
PyObject* g_fix_co_filename = nullptr;   // _imp._fix_co_filename

struct FinderObject {
  PyObject_HEAD
};

// Looks a module up, turning damage into the one-line fatal error.
std::optional<blob::Entry> find_module_entry(std::string_view name) {
  try {
    return g_context->reader->find(blob::Kind::Module, name);
  } catch (const blob::DamagedError& error) {
    die_damaged(g_context->executable, error.what());
  }
}

std::string read_span(const blob::Span& span, std::string_view name) {
  try {
    return g_context->reader->read(span);
  } catch (const blob::DamagedError& error) {
    die_damaged(g_context->executable, "module '" + std::string(name) + "': " + error.what());
  }
}

// The path a module's file would have beside the executable: what __file__ and co_filename
// say, so that tracebacks, inspect and code computing paths from __file__ behave as usual.
std::string module_origin(const blob::Entry& entry) {
  std::string path = g_context->origin_dir;
  path += '/';
  for (char c : entry.name) path += (c == '.') ? '/' : c;
  path += entry.is_package() ? "/__init__.py" : ".py";
  return path;
}

// The embedded name of the module run as __main__ (runpy keeps its real spec in
// __main__.__spec__); linecache and pkgutil ask the loader about "__main__" by that name.
std::optional<blob::Entry> find_main_entry() {
  PyObject* modules = PySys_GetObject("modules");  // borrowed
  PyObject* main = modules ? PyDict_GetItemString(modules, "__main__") : nullptr;
  PyObject* spec = main ? PyObject_GetAttrString(main, "__spec__") : nullptr;
  PyObject* name = (spec != nullptr && spec != Py_None) ? PyObject_GetAttrString(spec, "name") : nullptr;
  PyErr_Clear();
  std::optional<blob::Entry> entry;
  Py_ssize_t size = 0;
  const char* data = (name != nullptr && PyUnicode_Check(name)) ? PyUnicode_AsUTF8AndSize(name, &size) : nullptr;
  if (data != nullptr && std::string_view(data, size) != "__main__") entry = find_module_entry(std::string_view(data, size));
  PyErr_Clear();
  Py_XDECREF(name);
  Py_XDECREF(spec);
  return entry;
}

// The entry for a loader method's `fullname`.
std::optional<blob::Entry> find_loader_entry(std::string_view name) {
  auto entry = find_module_entry(name);
  if (!entry && name == "__main__") entry = find_main_entry();
  return entry;
}

// Parses the `fullname` argument of the loader methods; returns false with TypeError set.
bool parse_name(PyObject* arg, std::string_view* out) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_Check(arg) ? PyUnicode_AsUTF8AndSize(arg, &size) : nullptr;
  if (data == nullptr) {
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "module name must be a str");
    return false;
  }
  *out = std::string_view(data, static_cast<std::size_t>(size));
  return true;
}

PyObject* raise_not_found(PyObject* name) {
  PyObject* message = PyUnicode_FromFormat("no module named %R in the frozen executable", name);
  if (message != nullptr) {
    PyErr_SetImportError(message, name, nullptr);
    Py_DECREF(message);
  }
  return nullptr;
}

// Loads the code object of an entry: unmarshal its bytecode and point every co_filename at
// the module's origin.
PyObject* load_code(const blob::Entry& entry, PyObject* name) {
  if (!entry.data.present()) {  // a namespace package has nothing to run
    return Py_CompileString("", module_origin(entry).c_str(), Py_file_input);
  }
  const std::string bytecode = read_span(entry.data, entry.name);
  PyObject* code = PyMarshal_ReadObjectFromString(bytecode.data(), static_cast<Py_ssize_t>(bytecode.size()));
  if (code == nullptr) return nullptr;
  if (!PyCode_Check(code)) {
    Py_DECREF(code);
    return PyErr_Format(PyExc_ImportError, "embedded bytecode of %R is not a code object", name);
  }
  const std::string path = module_origin(entry);
  PyObject* origin = PyUnicode_DecodeFSDefaultAndSize(path.data(), static_cast<Py_ssize_t>(path.size()));
  if (origin == nullptr) {
    Py_DECREF(code);
    return nullptr;
  }
  PyObject* fixed = PyObject_CallFunctionObjArgs(g_fix_co_filename, code, origin, nullptr);
  Py_DECREF(origin);
  if (fixed == nullptr) {
    Py_DECREF(code);
    return nullptr;
  }
  Py_DECREF(fixed);
  return code;
}

// ---- finder methods ------------------------------------------------------------------------

PyObject* finder_find_spec(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs < 1 || nargs > 3) {
    PyErr_SetString(PyExc_TypeError, "find_spec(fullname, path=None, target=None)");
    return nullptr;
  }
  std::string_view name;
  if (!parse_name(args[0], &name)) return nullptr;
  const auto entry = find_module_entry(name);
  if (!entry) Py_RETURN_NONE;

  const bool namespace_package = (entry->flags & blob::kFlagNamespace) != 0;
  PyObject* spec_args = Py_BuildValue("(OO)", args[0], self);
  PyObject* kwargs = spec_args ? PyDict_New() : nullptr;
  PyObject* spec = nullptr;
  if (kwargs != nullptr && PyDict_SetItemString(kwargs, "is_package", entry->is_package() ? Py_True : Py_False) == 0) {
    bool ok = true;
    if (!namespace_package) {
      const std::string origin = module_origin(*entry);
      PyObject* origin_obj = PyUnicode_DecodeFSDefaultAndSize(origin.data(), static_cast<Py_ssize_t>(origin.size()));
      ok = origin_obj != nullptr && PyDict_SetItemString(kwargs, "origin", origin_obj) == 0;
      Py_XDECREF(origin_obj);
    }
    if (ok) spec = PyObject_Call(g_module_spec_type, spec_args, kwargs);
    if (spec != nullptr && !namespace_package) {
      // has_location => __file__ (and __cached__) are set, like a file-based module.
      if (PyObject_SetAttrString(spec, "has_location", Py_True) < 0) Py_CLEAR(spec);
    }
    if (spec != nullptr && entry->is_package()) {
      // __path__ names the package's directory beside the executable, as for a package on
      // disk; submodules are still served from the index first.
      std::string dir = g_context->origin_dir + '/';
      for (char c : entry->name) dir += (c == '.') ? '/' : c;
      PyObject* path = Py_BuildValue("[N]", PyUnicode_DecodeFSDefaultAndSize(dir.data(), static_cast<Py_ssize_t>(dir.size())));
      if (path == nullptr || PyObject_SetAttrString(spec, "submodule_search_locations", path) < 0) Py_CLEAR(spec);
      Py_XDECREF(path);
    }
  }
  Py_XDECREF(kwargs);
  Py_XDECREF(spec_args);
  return spec;
}

PyObject* finder_create_module(PyObject*, PyObject*) { Py_RETURN_NONE; }

PyObject* finder_exec_module(PyObject*, PyObject* module) {
  PyObject* name = PyObject_GetAttrString(module, "__name__");
  if (name == nullptr) return nullptr;
  PyObject* spec = PyObject_GetAttrString(module, "__spec__");
  if (spec != nullptr && spec != Py_None) {  // runpy executes a spec under another name
    PyObject* spec_name = PyObject_GetAttrString(spec, "name");
    if (spec_name != nullptr) Py_SETREF(name, spec_name);
  }
  Py_XDECREF(spec);
  PyErr_Clear();
  std::string_view view;
  if (!parse_name(name, &view)) {
    Py_DECREF(name);
    return nullptr;
  }
  const auto entry = find_module_entry(view);
  if (!entry) {
    raise_not_found(name);
    Py_DECREF(name);
    return nullptr;
  }
  PyObject* code = load_code(*entry, name);
  Py_DECREF(name);
  if (code == nullptr) return nullptr;
  PyObject* globals = PyModule_GetDict(module);  // borrowed
  // As exec() does: code run without __builtins__ in its globals breaks later lookups.
  if (globals != nullptr && !PyDict_GetItemString(globals, "__builtins__") &&
      PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) < 0) {
    globals = nullptr;
  }
  PyObject* result = globals ? PyEval_EvalCode(code, globals, globals) : nullptr;
  Py_DECREF(code);
  if (result == nullptr) return nullptr;
  Py_DECREF(result);
  Py_RETURN_NONE;
}

PyObject* finder_get_code(PyObject*, PyObject* name) {
  std::string_view view;
  if (!parse_name(name, &view)) return nullptr;
  const auto entry = find_loader_entry(view);
  if (!entry) return raise_not_found(name);
  return load_code(*entry, name);
}

PyObject* finder_get_source(PyObject*, PyObject* name) {
  std::string_view view;
  if (!parse_name(name, &view)) return nullptr;
  const auto entry = find_loader_entry(view);
  if (!entry) return raise_not_found(name);
  if (!entry->source.present()) Py_RETURN_NONE;
  const std::string source = read_span(entry->source, entry->name);
  return PyUnicode_DecodeUTF8(source.data(), static_cast<Py_ssize_t>(source.size()), "replace");
}

PyObject* finder_is_package(PyObject*, PyObject* name) {
  std::string_view view;
  if (!parse_name(name, &view)) return nullptr;
  const auto entry = find_loader_entry(view);
  if (!entry) return raise_not_found(name);
  return PyBool_FromLong(entry->is_package());
}

PyObject* finder_get_filename(PyObject*, PyObject* name) {
  std::string_view view;
  if (!parse_name(name, &view)) return nullptr;
  const auto entry = find_loader_entry(view);
  if (!entry) return raise_not_found(name);
  const std::string origin = module_origin(*entry);
  return PyUnicode_DecodeFSDefaultAndSize(origin.data(), static_cast<Py_ssize_t>(origin.size()));
}

PyObject* finder_invalidate_caches(PyObject*, PyObject*) { Py_RETURN_NONE; }

PyMethodDef finder_methods[] = {
    {"find_spec", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(finder_find_spec)), METH_FASTCALL,
     "find_spec(fullname, path=None, target=None): a ModuleSpec for an embedded module, or None."},
    {"create_module", finder_create_module, METH_O, "Default module creation."},
    {"exec_module", finder_exec_module, METH_O, "Run the embedded module's code in its namespace."},
    {"get_code", finder_get_code, METH_O, "The code object of an embedded module."},
    {"get_source", finder_get_source, METH_O, "The source of an embedded module, or None."},
    {"is_package", finder_is_package, METH_O, "Whether the embedded module is a package."},
    {"get_filename", finder_get_filename, METH_O, "The __file__ an embedded module gets."},
    {"invalidate_caches", finder_invalidate_caches, METH_NOARGS, "Nothing to invalidate."},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot finder_slots[] = {
    {Py_tp_doc, const_cast<char*>("Meta-path finder and loader for modules embedded in a freeze executable.")},
    {Py_tp_methods, finder_methods},
    {0, nullptr},
};

PyType_Spec finder_spec = {"_freeze_importer.FreezeImporter", sizeof(FinderObject), 0, Py_TPFLAGS_DEFAULT,
                           finder_slots};

PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_freeze_importer",
    "Imports modules embedded in this executable by freeze.", -1, nullptr, nullptr, nullptr, nullptr, nullptr,
};

PyObject* init_module() {
  if (g_context == nullptr || g_context->reader == nullptr) {
    PyErr_SetString(PyExc_ImportError, "_freeze_importer: no embedded resources");
    return nullptr;
  }
  PyObject* bootstrap = PyImport_ImportModule("_frozen_importlib");
  if (bootstrap == nullptr) return nullptr;
  g_module_spec_type = PyObject_GetAttrString(bootstrap, "ModuleSpec");
  Py_DECREF(bootstrap);
  PyObject* imp = PyImport_ImportModule("_imp");
  if (imp == nullptr) return nullptr;
  g_fix_co_filename = PyObject_GetAttrString(imp, "_fix_co_filename");
  Py_DECREF(imp);
  if (g_module_spec_type == nullptr || g_fix_co_filename == nullptr) return nullptr;

  PyObject* module = PyModule_Create(&module_def);
  if (module == nullptr) return nullptr;
  PyObject* finder_type = PyType_FromSpec(&finder_spec);
  if (finder_type == nullptr || PyModule_AddObject(module, "FreezeImporter", finder_type) < 0) {
    Py_XDECREF(finder_type);
    Py_DECREF(module);
    return nullptr;
  }
  return module;
}

}  // namespace

bool install_inittab(const ImporterContext* context) {
  g_context = context;
  return PyImport_AppendInittab("_freeze_importer", init_module) == 0;
}

bool install_finder() {
  PyObject* module = PyImport_ImportModule("_freeze_importer");
  if (module == nullptr) return false;
  PyObject* finder = PyObject_CallMethod(module, "FreezeImporter", nullptr);
  Py_DECREF(module);
  if (finder == nullptr) return false;
  // After BuiltinImporter and FrozenImporter, as the path finder is for python: builtins
  // and libpython's deep-frozen modules stay what they are, everything else comes from us.
  PyObject* meta_path = PySys_GetObject("meta_path");  // borrowed
  Py_ssize_t position = 0;
  const Py_ssize_t count = meta_path ? PyList_Size(meta_path) : 0;
  for (Py_ssize_t i = 0; i < count; ++i) {
    PyObject* name = PyObject_GetAttrString(PyList_GET_ITEM(meta_path, i), "__name__");
    const char* text = (name != nullptr && PyUnicode_Check(name)) ? PyUnicode_AsUTF8(name) : nullptr;
    if (text != nullptr && (std::string_view(text) == "BuiltinImporter" || std::string_view(text) == "FrozenImporter")) {
      position = i + 1;
    }
    Py_XDECREF(name);
    PyErr_Clear();
  }
  const int rc = meta_path ? PyList_Insert(meta_path, position, finder) : -1;
  Py_DECREF(finder);
  if (meta_path == nullptr) PyErr_SetString(PyExc_RuntimeError, "sys.meta_path is missing");
  return rc == 0;
}

void die_damaged(const std::string& executable, const std::string& what) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s: embedded resources are damaged: %s\n", executable.c_str(), what.c_str());
  std::fflush(stderr);
  _exit(1);
}

}  // namespace freeze::importer

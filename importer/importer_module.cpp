// The `_freeze_importer` module. Loader protocol as in CPython's
// Lib/importlib/_bootstrap_external.py: find_spec builds a ModuleSpec (has_location, so
// __file__ is set), create_module/exec_module load Python or extension modules, and
// get_code/get_source/is_package/get_filename/get_data serve runpy, linecache (tracebacks with
// source lines), inspect and pkgutil. get_resource_reader and find_distributions hand package
// data and metadata to the `_freeze_resources` Python module, imported only when asked.
#include "importer_module.h"

#include <string>
#include <vector>

#include "code_loading.h"
#include "importer_state.h"
#include "native_loading.h"

namespace freeze::importer {
namespace {

PyObject* g_module_spec_type = nullptr;  // _frozen_importlib.ModuleSpec
PyObject* g_path_finder_type = nullptr;  // FreezePathFinder

struct FinderObject {
  PyObject_HEAD
};

struct PathFinderObject {
  PyObject_HEAD
  PyObject* package;  // dotted name of the package whose directory this finder serves
};

// A module entry: Python module first, then extension module.
std::optional<blob::Entry> find_importable(std::string_view name) {
  if (auto entry = lookup(blob::Kind::Module, name)) return entry;
  return lookup(blob::Kind::Extension, name);
}

// The embedded module run as __main__ (runpy keeps its real spec in __main__.__spec__):
// linecache and pkgutil ask the loader about "__main__" by that name.
std::optional<blob::Entry> find_main_entry() {
  PyObject* modules = PySys_GetObject("modules");  // borrowed
  PyObject* main = modules ? PyDict_GetItemString(modules, "__main__") : nullptr;
  PyObject* spec = main ? PyObject_GetAttrString(main, "__spec__") : nullptr;
  PyObject* name = (spec != nullptr && spec != Py_None) ? PyObject_GetAttrString(spec, "name") : nullptr;
  PyErr_Clear();
  std::optional<blob::Entry> entry;
  std::string_view view;
  if (name != nullptr && parse_str(name, &view) && view != "__main__") entry = find_importable(view);
  PyErr_Clear();
  Py_XDECREF(name);
  Py_XDECREF(spec);
  return entry;
}

// The entry a loader method's `fullname` names; nullptr with ImportError set if none.
std::optional<blob::Entry> loader_entry(PyObject* fullname) {
  std::string_view name;
  if (!parse_str(fullname, &name)) return std::nullopt;
  auto entry = find_importable(name);
  if (!entry && name == "__main__") entry = find_main_entry();
  if (!entry) {
    PyObject* message = PyUnicode_FromFormat("no module named %R in this executable", fullname);
    if (message != nullptr) PyErr_SetImportError(message, fullname, nullptr);
    Py_XDECREF(message);
  }
  return entry;
}

// The directory __path__ names: where the package's __init__.py is, or for a namespace
// package (which has no file) the directory its dotted name gives.
std::string package_directory(const blob::Entry& entry) {
  if (entry.flags & blob::kFlagNamespace) {
    std::string dir = context().origin_dir + "/";
    for (const char c : entry.name) dir += c == '.' ? '/' : c;
    return dir;
  }
  const std::string file = entry_file(entry);
  return file.substr(0, file.rfind('/'));
}

PyObject* make_spec(PyObject* fullname, PyObject* loader, const blob::Entry& entry) {
  const bool namespace_package = (entry.flags & blob::kFlagNamespace) != 0;
  PyObject* args = Py_BuildValue("(OO)", fullname, loader);
  PyObject* kwargs = PyDict_New();
  PyObject* spec = nullptr;
  bool ok = args && kwargs && PyDict_SetItemString(kwargs, "is_package", entry.is_package() ? Py_True : Py_False) == 0;
  if (ok && !namespace_package) {
    PyObject* origin = path_to_str(entry_file(entry));
    ok = origin && PyDict_SetItemString(kwargs, "origin", origin) == 0;
    Py_XDECREF(origin);
  }
  if (ok) spec = PyObject_Call(g_module_spec_type, args, kwargs);
  // has_location => __file__ (and __cached__) are set, as for a module from a file.
  if (spec && !namespace_package && PyObject_SetAttrString(spec, "has_location", Py_True) < 0) Py_CLEAR(spec);
  if (spec && entry.is_package()) {
    // __path__ names the package's directory beside the executable, as for a package on disk;
    // the path hook below serves it from the index.
    PyObject* path = Py_BuildValue("[N]", path_to_str(package_directory(entry)));
    if (!path || PyObject_SetAttrString(spec, "submodule_search_locations", path) < 0) Py_CLEAR(spec);
    Py_XDECREF(path);
  }
  Py_XDECREF(kwargs);
  Py_XDECREF(args);
  return spec;
}

PyObject* call_resources_helper(const char* function, PyObject* argument) {
  PyObject* module = PyImport_ImportModule("_freeze_resources");
  if (module == nullptr) return nullptr;
  PyObject* result = PyObject_CallMethod(module, function, "O", argument);
  Py_DECREF(module);
  return result;
}

// ---- FreezeImporter: meta-path finder and loader ------------------------------------------

PyObject* finder_find_spec(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs < 1 || nargs > 3) {
    PyErr_SetString(PyExc_TypeError, "find_spec(fullname, path=None, target=None)");
    return nullptr;
  }
  std::string_view name;
  if (!parse_str(args[0], &name)) return nullptr;
  const auto entry = find_importable(name);
  if (!entry) Py_RETURN_NONE;
  return make_spec(args[0], self, *entry);
}

PyObject* finder_create_module(PyObject*, PyObject* spec) {
  PyObject* name = PyObject_GetAttrString(spec, "name");
  std::string_view view;
  const bool ok = name != nullptr && parse_str(name, &view);
  std::optional<blob::Entry> extension;
  if (ok && !lookup(blob::Kind::Module, view)) extension = lookup(blob::Kind::Extension, view);
  Py_XDECREF(name);
  if (!ok) return nullptr;
  if (!extension) Py_RETURN_NONE;  // default module creation
  return create_extension_module(*extension, spec);
}

PyObject* finder_exec_module(PyObject*, PyObject* module) {
  PyObject* name = nullptr;
  PyObject* spec = PyObject_GetAttrString(module, "__spec__");
  if (spec != nullptr && spec != Py_None) name = PyObject_GetAttrString(spec, "name");  // runpy runs specs under other names
  Py_XDECREF(spec);
  if (name == nullptr) {
    PyErr_Clear();
    name = PyObject_GetAttrString(module, "__name__");
  }
  if (name == nullptr) return nullptr;
  const auto entry = loader_entry(name);
  Py_DECREF(name);
  if (!entry) return nullptr;

  if (entry->kind == blob::Kind::Extension) {
    PyObject* imp = PyImport_ImportModule("_imp");
    PyObject* result = imp ? PyObject_CallMethod(imp, "exec_dynamic", "O", module) : nullptr;
    Py_XDECREF(imp);
    if (result == nullptr) return nullptr;
    Py_DECREF(result);
    Py_RETURN_NONE;
  }
  PyObject* code = load_code(*entry);
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

PyObject* finder_get_code(PyObject*, PyObject* fullname) {
  const auto entry = loader_entry(fullname);
  if (!entry) return nullptr;
  if (entry->kind == blob::Kind::Extension) Py_RETURN_NONE;
  return load_code(*entry);
}

PyObject* finder_get_source(PyObject*, PyObject* fullname) {
  const auto entry = loader_entry(fullname);
  if (!entry) return nullptr;
  if (entry->kind == blob::Kind::Extension) Py_RETURN_NONE;
  return load_source(*entry);
}

PyObject* finder_is_package(PyObject*, PyObject* fullname) {
  const auto entry = loader_entry(fullname);
  return entry ? PyBool_FromLong(entry->is_package()) : nullptr;
}

PyObject* finder_get_filename(PyObject*, PyObject* fullname) {
  const auto entry = loader_entry(fullname);
  return entry ? path_to_str(entry_file(*entry)) : nullptr;
}

// get_data(path): package data by the path pkgutil.get_data builds from __file__. Paths of
// embedded files are served from the index; anything else is read from disk like FileLoader.
PyObject* finder_get_data(PyObject*, PyObject* path_arg) {
  PyObject* path_str = PyOS_FSPath(path_arg);
  std::string_view path;
  if (path_str == nullptr || !parse_str(path_str, &path)) {
    Py_XDECREF(path_str);
    return nullptr;
  }
  std::optional<std::string> bytes;
  const std::string root = context().origin_dir + "/";
  if (path.starts_with(root)) {
    const std::string_view relative = path.substr(root.size());
    for (const auto kind : {blob::Kind::Resource, blob::Kind::Metadata}) {
      if (const auto entry = lookup(kind, relative); entry && entry->in_memory()) {
        bytes = read_data(*entry);
        break;
      }
    }
  }
  if (!bytes) {
    blob::Entry file;
    file.location = blob::Location::FilesystemRelative;
    const std::string absolute(path);
    if (absolute.starts_with(root)) {
      file.path = std::string_view(absolute).substr(root.size());
      bytes = read_data(file);
    } else {
      PyObject* io = PyImport_ImportModule("_io");
      PyObject* handle = io ? PyObject_CallMethod(io, "open_code", "O", path_str) : nullptr;
      PyObject* data = handle ? PyObject_CallMethod(handle, "read", nullptr) : nullptr;
      if (handle) Py_XDECREF(PyObject_CallMethod(handle, "close", nullptr));
      Py_XDECREF(handle);
      Py_XDECREF(io);
      Py_DECREF(path_str);
      return data;
    }
  }
  Py_DECREF(path_str);
  if (!bytes) return nullptr;
  return PyBytes_FromStringAndSize(bytes->data(), static_cast<Py_ssize_t>(bytes->size()));
}

PyObject* finder_get_resource_reader(PyObject*, PyObject* fullname) {
  return call_resources_helper("resource_reader", fullname);
}

PyObject* finder_find_distributions(PyObject*, PyObject* args, PyObject* kwargs) {
  PyObject* distribution_context = Py_None;
  static const char* keywords[] = {"context", nullptr};
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:find_distributions", const_cast<char**>(keywords),
                                   &distribution_context)) {
    return nullptr;
  }
  return call_resources_helper("find_distributions", distribution_context);
}

PyObject* finder_invalidate_caches(PyObject*, PyObject*) { Py_RETURN_NONE; }

template <typename F>
PyCFunction as_cfunction(F function) {
  return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(function));
}

PyMethodDef finder_methods[] = {
    {"find_spec", as_cfunction(finder_find_spec), METH_FASTCALL,
     "find_spec(fullname, path=None, target=None): a ModuleSpec for an embedded module, or None."},
    {"create_module", finder_create_module, METH_O, "Load an extension module; None for Python modules."},
    {"exec_module", finder_exec_module, METH_O, "Run the module's code in its namespace."},
    {"get_code", finder_get_code, METH_O, "The code object of an embedded module."},
    {"get_source", finder_get_source, METH_O, "The source of an embedded module, or None."},
    {"is_package", finder_is_package, METH_O, "Whether the embedded module is a package."},
    {"get_filename", finder_get_filename, METH_O, "The __file__ of an embedded module."},
    {"get_data", finder_get_data, METH_O, "The bytes of a file, embedded or on disk."},
    {"get_resource_reader", finder_get_resource_reader, METH_O, "importlib.resources reader of a package."},
    {"find_distributions", as_cfunction(finder_find_distributions), METH_VARARGS | METH_KEYWORDS,
     "importlib.metadata distributions embedded in this executable."},
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

// ---- FreezePathFinder: path-entry finder for the directory of an embedded package ---------
// PathFinder consults it for embedded packages' __path__ entries, so pkgutil.iter_modules and
// walk_packages list embedded submodules, and nothing is looked up on disk for them.

PyObject* meta_finder() {
  PyObject* meta_path = PySys_GetObject("meta_path");  // borrowed
  for (Py_ssize_t i = 0; meta_path && i < PyList_Size(meta_path); ++i) {
    PyObject* item = PyList_GET_ITEM(meta_path, i);
    if (PyObject_HasAttrString(reinterpret_cast<PyObject*>(Py_TYPE(item)), "get_resource_reader") &&
        std::string_view(Py_TYPE(item)->tp_name) == finder_spec.name) {
      return item;
    }
  }
  return nullptr;
}

PyObject* path_finder_find_spec(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs < 1 || nargs > 2) {
    PyErr_SetString(PyExc_TypeError, "find_spec(fullname, target=None)");
    return nullptr;
  }
  PyObject* finder = meta_finder();
  std::string_view name;
  std::string_view package;
  if (finder == nullptr || !parse_str(args[0], &name) ||
      !parse_str(reinterpret_cast<PathFinderObject*>(self)->package, &package)) {
    PyErr_Clear();
    Py_RETURN_NONE;
  }
  if (!(name.starts_with(package) && name.size() > package.size() + 1 && name[package.size()] == '.' &&
        name.find('.', package.size() + 1) == std::string_view::npos)) {
    Py_RETURN_NONE;
  }
  const auto entry = find_importable(name);
  if (!entry) Py_RETURN_NONE;
  return make_spec(args[0], finder, *entry);
}

PyObject* path_finder_iter_modules(PyObject* self, PyObject* args) {
  const char* prefix = "";
  if (!PyArg_ParseTuple(args, "|s:iter_modules", &prefix)) return nullptr;
  std::string_view package;
  if (!parse_str(reinterpret_cast<PathFinderObject*>(self)->package, &package)) return nullptr;
  const std::string children = std::string(package) + ".";
  PyObject* result = PyList_New(0);
  for (const auto kind : {blob::Kind::Module, blob::Kind::Extension}) {
    for (const auto& entry : lookup_prefix(kind, children)) {
      const std::string_view rest = entry.name.substr(children.size());
      // Like pkgutil over a directory: direct children only, and no namespace packages.
      if (rest.find('.') != std::string_view::npos || (entry.flags & blob::kFlagNamespace)) continue;
      PyObject* item = Py_BuildValue("(s#O)", (std::string(prefix) + std::string(rest)).c_str(),
                                     static_cast<Py_ssize_t>(std::string(prefix).size() + rest.size()),
                                     entry.is_package() ? Py_True : Py_False);
      if (item == nullptr || PyList_Append(result, item) < 0) {
        Py_XDECREF(item);
        Py_DECREF(result);
        return nullptr;
      }
      Py_DECREF(item);
    }
  }
  PyObject* iterator = PyObject_GetIter(result);
  Py_DECREF(result);
  return iterator;
}

PyObject* path_finder_invalidate_caches(PyObject*, PyObject*) { Py_RETURN_NONE; }

void path_finder_dealloc(PyObject* self) {
  Py_XDECREF(reinterpret_cast<PathFinderObject*>(self)->package);
  PyTypeObject* type = Py_TYPE(self);
  type->tp_free(self);
  Py_DECREF(type);
}

PyMethodDef path_finder_methods[] = {
    {"find_spec", as_cfunction(path_finder_find_spec), METH_FASTCALL, "Spec of an embedded submodule, or None."},
    {"iter_modules", path_finder_iter_modules, METH_VARARGS, "(name, ispkg) for each embedded submodule."},
    {"invalidate_caches", path_finder_invalidate_caches, METH_NOARGS, "Nothing to invalidate."},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot path_finder_slots[] = {
    {Py_tp_doc, const_cast<char*>("Path-entry finder for the directory of an embedded package.")},
    {Py_tp_methods, path_finder_methods},
    {Py_tp_dealloc, reinterpret_cast<void*>(path_finder_dealloc)},
    {0, nullptr},
};

PyType_Spec path_finder_spec = {"_freeze_importer.FreezePathFinder", sizeof(PathFinderObject), 0, Py_TPFLAGS_DEFAULT,
                                path_finder_slots};

// sys.path_hooks entry: accepts the directory of an embedded package held in memory.
PyObject* path_hook(PyObject*, PyObject* path_arg) {
  std::string_view path;
  if (!parse_str(path_arg, &path)) return nullptr;
  const std::string root = context().origin_dir + "/";
  if (path.starts_with(root) && path.size() > root.size()) {
    std::string name(path.substr(root.size()));
    for (char& c : name) c = c == '/' ? '.' : c;
    if (const auto entry = lookup(blob::Kind::Module, name); entry && entry->is_package() && entry->in_memory()) {
      auto* finder = PyObject_New(PathFinderObject, reinterpret_cast<PyTypeObject*>(g_path_finder_type));
      if (finder == nullptr) return nullptr;
      finder->package = PyUnicode_FromStringAndSize(name.data(), static_cast<Py_ssize_t>(name.size()));
      return reinterpret_cast<PyObject*>(finder);
    }
  }
  PyErr_SetString(PyExc_ImportError, "not the directory of an embedded package");
  return nullptr;
}

// ---- module functions for _freeze_resources ------------------------------------------------

std::optional<blob::Kind> file_kind(int kind) {
  if (kind == static_cast<int>(blob::Kind::Resource) || kind == static_cast<int>(blob::Kind::Metadata)) {
    return static_cast<blob::Kind>(kind);
  }
  PyErr_SetString(PyExc_ValueError, "kind must be RESOURCE or METADATA");
  return std::nullopt;
}

// list_files(kind, prefix) -> [(name, is_in_memory), ...] for embedded files under prefix.
PyObject* module_list_files(PyObject*, PyObject* args) {
  int kind_number = 0;
  const char* prefix = nullptr;
  Py_ssize_t prefix_size = 0;
  if (!PyArg_ParseTuple(args, "is#:list_files", &kind_number, &prefix, &prefix_size)) return nullptr;
  const auto kind = file_kind(kind_number);
  if (!kind) return nullptr;
  PyObject* result = PyList_New(0);
  for (const auto& entry : lookup_prefix(*kind, std::string_view(prefix, static_cast<std::size_t>(prefix_size)))) {
    PyObject* item = Py_BuildValue("(s#O)", entry.name.data(), static_cast<Py_ssize_t>(entry.name.size()),
                                   entry.in_memory() ? Py_True : Py_False);
    if (item == nullptr || PyList_Append(result, item) < 0) {
      Py_XDECREF(item);
      Py_DECREF(result);
      return nullptr;
    }
    Py_DECREF(item);
  }
  return result;
}

// read_file(kind, name) -> bytes; FileNotFoundError if there is no such embedded file.
PyObject* module_read_file(PyObject*, PyObject* args) {
  int kind_number = 0;
  const char* name = nullptr;
  Py_ssize_t name_size = 0;
  if (!PyArg_ParseTuple(args, "is#:read_file", &kind_number, &name, &name_size)) return nullptr;
  const auto kind = file_kind(kind_number);
  if (!kind) return nullptr;
  const auto entry = lookup(*kind, std::string_view(name, static_cast<std::size_t>(name_size)));
  if (!entry) {
    PyErr_Format(PyExc_FileNotFoundError, "no embedded file %s", name);
    return nullptr;
  }
  const auto bytes = read_data(*entry);
  if (!bytes) return nullptr;
  return PyBytes_FromStringAndSize(bytes->data(), static_cast<Py_ssize_t>(bytes->size()));
}

// file_path(kind, name) -> the absolute path of the file beside the executable, or None if in memory.
PyObject* module_file_path(PyObject*, PyObject* args) {
  int kind_number = 0;
  const char* name = nullptr;
  Py_ssize_t name_size = 0;
  if (!PyArg_ParseTuple(args, "is#:file_path", &kind_number, &name, &name_size)) return nullptr;
  const auto kind = file_kind(kind_number);
  if (!kind) return nullptr;
  const auto entry = lookup(*kind, std::string_view(name, static_cast<std::size_t>(name_size)));
  if (!entry || entry->in_memory()) Py_RETURN_NONE;
  return path_to_str(entry_file(*entry));
}

PyMethodDef module_methods[] = {
    {"path_hook", path_hook, METH_O, "sys.path_hooks entry for directories of embedded packages."},
    {"list_files", module_list_files, METH_VARARGS, "list_files(kind, prefix) -> [(name, in_memory)]"},
    {"read_file", module_read_file, METH_VARARGS, "read_file(kind, name) -> bytes"},
    {"file_path", module_file_path, METH_VARARGS, "file_path(kind, name) -> path on disk or None"},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_freeze_importer",
    "Imports modules embedded in this executable by freeze.", -1, module_methods, nullptr, nullptr, nullptr, nullptr,
};

PyObject* init_module() {
  PyObject* bootstrap = PyImport_ImportModule("_frozen_importlib");
  if (bootstrap == nullptr) return nullptr;
  g_module_spec_type = PyObject_GetAttrString(bootstrap, "ModuleSpec");
  Py_DECREF(bootstrap);
  if (g_module_spec_type == nullptr) return nullptr;

  PyObject* module = PyModule_Create(&module_def);
  if (module == nullptr) return nullptr;
  PyObject* finder_type = PyType_FromSpec(&finder_spec);
  g_path_finder_type = PyType_FromSpec(&path_finder_spec);
  const bool ok = finder_type && g_path_finder_type &&
                  PyModule_AddObjectRef(module, "FreezeImporter", finder_type) == 0 &&
                  PyModule_AddObjectRef(module, "FreezePathFinder", g_path_finder_type) == 0 &&
                  PyModule_AddIntConstant(module, "RESOURCE", static_cast<int>(blob::Kind::Resource)) == 0 &&
                  PyModule_AddIntConstant(module, "METADATA", static_cast<int>(blob::Kind::Metadata)) == 0 &&
                  PyModule_AddObject(module, "origin_dir", path_to_str(context().origin_dir)) == 0;
  Py_XDECREF(finder_type);
  if (!ok) {
    Py_DECREF(module);
    return nullptr;
  }
  return module;
}

// Puts `item` on the list sys.<list_name> at `position`.
bool insert_into_sys_list(const char* list_name, Py_ssize_t position, PyObject* item) {
  PyObject* list = PySys_GetObject(list_name);  // borrowed
  if (list == nullptr || !PyList_Check(list)) {
    PyErr_Format(PyExc_RuntimeError, "sys.%s is missing", list_name);
    return false;
  }
  return PyList_Insert(list, position, item) == 0;
}

}  // namespace

bool install_inittab(const ImporterContext* context) {
  set_context(context);
  return PyImport_AppendInittab("_freeze_importer", init_module) == 0;
}

bool install_finder() {
  PyObject* module = PyImport_ImportModule("_freeze_importer");
  if (module == nullptr) return false;
  PyObject* finder = PyObject_CallMethod(module, "FreezeImporter", nullptr);
  PyObject* hook = PyObject_GetAttrString(module, "path_hook");
  Py_DECREF(module);
  if (finder == nullptr || hook == nullptr) {
    Py_XDECREF(finder);
    Py_XDECREF(hook);
    return false;
  }
  // After BuiltinImporter and FrozenImporter, where python has its path finder: builtins and
  // libpython's deep-frozen modules stay what they are, everything else comes from us.
  PyObject* meta_path = PySys_GetObject("meta_path");  // borrowed
  Py_ssize_t position = 0;
  for (Py_ssize_t i = 0; meta_path && i < PyList_Size(meta_path); ++i) {
    PyObject* name = PyObject_GetAttrString(PyList_GET_ITEM(meta_path, i), "__name__");
    std::string_view text;
    if (name != nullptr && parse_str(name, &text) && (text == "BuiltinImporter" || text == "FrozenImporter")) {
      position = i + 1;
    }
    Py_XDECREF(name);
    PyErr_Clear();
  }
  const bool ok = insert_into_sys_list("meta_path", position, finder) && insert_into_sys_list("path_hooks", 0, hook);
  Py_DECREF(finder);
  Py_DECREF(hook);
  return ok;
}

}  // namespace freeze::importer

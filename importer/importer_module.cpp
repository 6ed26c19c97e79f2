// The `_freeze_importer` module. Loader protocol as in CPython's
// Lib/importlib/_bootstrap_external.py: find_spec builds a ModuleSpec (has_location, so
// __file__ is set), create_module/exec_module load Python or extension modules, and
// get_code/get_source/is_package/get_filename/get_data serve runpy, linecache (tracebacks with
// source lines), inspect and pkgutil. get_resource_reader hands package data to its Python half,
// _freeze_importer.resources (runtime_module.h), imported only when asked. It finds no
// distributions: their metadata are files by path (virtual files, launcher/virtual_files*.cpp)
// in a directory of sys.path, where importlib.metadata's PathFinder finds them as under python
// (PathDistribution objects, each once).
#include "importer/importer_module.h"

#include <new>
#include <string>
#include <vector>

#include "format/module_names.h"
#include "importer/code_loading.h"
#include "importer/importer_state.h"
#include "importer/install_layout.h"
#include "importer/module_name_functions.h"
#include "importer/module_state.h"
#include "importer/native_loading.h"
#include "importer/python_ref.h"
#include "importer/runtime_module.h"
#include "importer/search_path_finder.h"

namespace freeze::importer {

// A module entry: Python module first, then extension module. Names of the runtime's own
// modules are never the index's.
std::optional<blob::Entry> find_importable(std::string_view name) {
  if (is_runtime_name(name)) return std::nullopt;
  if (auto entry = lookup(blob::Kind::Module, name)) return entry;
  return lookup(blob::Kind::Extension, name);
}

namespace {

extern PyModuleDef module_def;

void (*g_before_sitecustomize)() = nullptr;  // see call_before_sitecustomize

// The state of the module that made `object`'s type: FreezeImporter and FreezePathFinder are
// types of one interpreter's module (PyType_FromModuleAndSpec), found from any instance.
ModuleState& state_of(PyObject* object) {
  PyObject* module = PyType_GetModuleByDef(Py_TYPE(object), &module_def);  // borrowed, never null for our types
  return *static_cast<ModuleState*>(PyModule_GetState(module));
}

ModuleState& module_state(PyObject* module) { return *static_cast<ModuleState*>(PyModule_GetState(module)); }

struct FinderObject {
  PyObject_HEAD
};

struct PathFinderObject {
  PyObject_HEAD
  PyObject* package;  // dotted name of the package whose directory this finder serves
};

// The embedded module run as __main__ (runpy keeps its real spec in __main__.__spec__):
// linecache and pkgutil ask the loader about "__main__" by that name.
std::optional<blob::Entry> find_main_entry() {
  PyObject* modules = PySys_GetObject("modules");  // borrowed
  PyObject* main = modules ? PyDict_GetItemString(modules, "__main__") : nullptr;  // borrowed
  const Ref spec(main ? PyObject_GetAttrString(main, "__spec__") : nullptr);
  const Ref name(spec && spec.get() != Py_None ? PyObject_GetAttrString(spec.get(), "name") : nullptr);
  std::optional<blob::Entry> entry;
  std::string text;
  if (name && parse_str(name.get(), &text) && text != "__main__") entry = find_importable(text);
  // Deliberate: a __main__ without a spec naming an embedded module (python -c, a script on
  // disk) is simply not one of ours; the caller raises its own ImportError.
  PyErr_Clear();
  return entry;
}

// The index name of the module `spec` is for: its loader_state, where find_spec served an
// embedded module under another name (a parent package's __path__ led there, as for an alias
// put in sys.modules), else its name. New reference, or nullptr with an error set.
PyObject* indexed_name_of_spec(PyObject* spec) {
  Ref state(PyObject_GetAttrString(spec, "loader_state"));
  if (state && PyUnicode_Check(state.get())) return state.release();
  if (!state) PyErr_Clear();  // deliberate: a spec without loader_state is one under its own name
  return PyObject_GetAttrString(spec, "name");
}

// The index name of the module loaded as `fullname`: a protocol method (get_code, get_source,
// ...) names a module by the name it runs under, which for one served under another name is
// not its name in the index. New reference, or nullptr with an error set.
PyObject* indexed_name(PyObject* fullname) {
  PyObject* modules = PySys_GetObject("modules");  // borrowed
  PyObject* module = modules && PyDict_Check(modules) ? PyDict_GetItemWithError(modules, fullname) : nullptr;  // borrowed
  const Ref spec(module ? PyObject_GetAttrString(module, "__spec__") : nullptr);
  if (spec && spec.get() != Py_None) return indexed_name_of_spec(spec.get());
  PyErr_Clear();  // deliberate: a module not imported yet, or without a spec, goes by its name
  return Py_NewRef(fullname);
}

// The entry `name` has in the index; nullptr with ImportError set if none.
std::optional<blob::Entry> entry_named(PyObject* name_object) {
  std::string name;
  std::optional<blob::Entry> entry;
  if (parse_str(name_object, &name)) {
    entry = find_importable(name);
    if (!entry && name == "__main__") entry = find_main_entry();
  } else if (!clear_unencodable()) {
    return std::nullopt;
  }
  if (!entry) {
    const Ref message(PyUnicode_FromFormat("no module named %R in this executable", name_object));
    if (message) PyErr_SetImportError(message.get(), name_object, nullptr);
  }
  return entry;
}

// The entry a loader method's `fullname` names; nullptr with ImportError set if none.
std::optional<blob::Entry> loader_entry(PyObject* fullname) {
  const Ref name(indexed_name(fullname));
  if (!name) return std::nullopt;
  return entry_named(name.get());
}

// The directory __path__ names: where the package's __init__.py is, or for a namespace
// package (which has no file) the directory the index records for it.
std::string package_directory(const blob::Entry& entry) {
  if (entry.flags & blob::kFlagNamespace) return entry_file(entry);
  const std::string file = entry_file(entry);
  return file.substr(0, file.rfind('/'));
}

// A search-path entry as a directory below the executable's ("local/lib/python3.11/dist-packages/
// poetry/core/_vendor"), in `relative`; false for an entry outside it or one no path gives (which
// PathFinder skips too: the error is cleared).
bool below_origin(PyObject* item, std::string* relative) {
  std::string text;
  if (!parse_fs_path(item, &text)) {
    PyErr_Clear();  // deliberate: an entry no path gives names no directory
    return false;
  }
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  const std::string& origin = context().origin_dir;
  if (text.size() <= origin.size() + 1 || !text.starts_with(origin) || text[origin.size()] != '/') return false;
  *relative = text.substr(origin.size() + 1);
  return true;
}

// Whether the directory `relative` (below the executable's) is one of the entries of
// `search_path` (a parent package's __path__, any iterable, as PathFinder takes it). False
// with an error set if it cannot be iterated.
bool path_lists(PyObject* search_path, std::string_view relative, bool* listed) {
  *listed = false;
  const Ref items(PyObject_GetIter(search_path));
  if (!items) return false;
  while (const Ref item{PyIter_Next(items.get())}) {
    std::string entry;
    if (below_origin(item.get(), &entry) && entry == relative) {
      *listed = true;
      return true;
    }
  }
  return !PyErr_Occurred();
}

// For a top-level `name` held in installation directory `own`: true in *first if a sys.path
// entry before `own` is the directory of an embedded package with a module of that name, which
// PathFinder finds first, as under python (poetry.core puts its _vendor directory first on
// sys.path: `import jsonschema` is then its vendored copy). Entries outside the installation
// are not looked at: the index answers for its own names before them, as it always has.
bool earlier_on_sys_path(const std::string& name, std::string_view own, bool* first) {
  *first = false;
  PyObject* search_path = PySys_GetObject("path");  // borrowed
  if (search_path == nullptr || !PyList_Check(search_path)) return true;
  const Ref items(PyObject_GetIter(search_path));
  if (!items) return false;
  while (const Ref item{PyIter_Next(items.get())}) {
    std::string relative;
    if (!below_origin(item.get(), &relative)) continue;
    if (relative == own) return true;
    std::string package;
    if (package_entry_at(relative, &package) && find_importable(blob::submodule_name(package, name))) {
      *first = true;
      return true;
    }
  }
  return !PyErr_Occurred();
}

// A spec for `entry` imported as `fullname`. `fullname` differs from the entry's name where a
// parent's __path__ led to it (the module then runs under the name asked for, as python's
// FileFinder loads a file under the name it is given); loader_state keeps the index name. A
// package imported as its "__init__" module is `as_module`: no __path__, as under python.
PyObject* make_spec(ModuleState& state, PyObject* fullname, PyObject* loader, const blob::Entry& entry,
                    std::string_view requested, bool as_module = false) {
  const bool namespace_package = (entry.flags & blob::kFlagNamespace) != 0;
  const bool package = entry.is_package() && !as_module;
  const Ref args(Py_BuildValue("(OO)", fullname, loader));
  const Ref kwargs(Py_BuildValue("{sO}", "is_package", package ? Py_True : Py_False));
  if (!args || !kwargs) return nullptr;
  if (!namespace_package) {
    const Ref origin(path_to_str(entry_file(entry)));
    if (!origin || PyDict_SetItemString(kwargs.get(), "origin", origin.get()) < 0) return nullptr;
  }
  if (requested != entry.name) {
    const Ref indexed(name_to_str(entry.name));
    if (!indexed || PyDict_SetItemString(kwargs.get(), "loader_state", indexed.get()) < 0) return nullptr;
  }
  Ref spec(PyObject_Call(state.module_spec_type.get(), args.get(), kwargs.get()));
  // has_location => __file__ (and __cached__) are set, as for a module from a file.
  if (!spec || (!namespace_package && PyObject_SetAttrString(spec.get(), "has_location", Py_True) < 0)) return nullptr;
  if (package) {
    // __path__ names the package's directory beside the executable, as for a package on disk;
    // the path hook below serves it from the index.
    const Ref path(Py_BuildValue("[N]", path_to_str(package_directory(entry))));
    if (!path || PyObject_SetAttrString(spec.get(), "submodule_search_locations", path.get()) < 0) return nullptr;
  }
  return spec.release();
}

// A runtime module's spec: no location (no __file__), as a builtin module's.
PyObject* make_runtime_spec(ModuleState& state, PyObject* fullname, PyObject* loader) {
  const Ref args(Py_BuildValue("(OO)", fullname, loader));
  const Ref kwargs(Py_BuildValue("{ss}", "origin", "freeze runtime"));
  return args && kwargs ? PyObject_Call(state.module_spec_type.get(), args.get(), kwargs.get()) : nullptr;
}

PyObject* call_resources_helper(const char* function, PyObject* argument) {
  const Ref module(PyImport_ImportModule("_freeze_importer.resources"));
  return module ? PyObject_CallMethod(module.get(), function, "O", argument) : nullptr;
}

// The index name of a module being executed: its spec's (runpy runs specs under other names,
// and a spec may serve an entry under another name), else its __name__. New reference, or
// nullptr with an error set.
PyObject* executed_name(PyObject* module) {
  const Ref spec(PyObject_GetAttrString(module, "__spec__"));
  if (spec && spec.get() != Py_None) return indexed_name_of_spec(spec.get());
  PyErr_Clear();  // deliberate: without a spec, __name__ says it
  return PyObject_GetAttrString(module, "__name__");
}

// Runs `code` in `module`'s namespace as importlib's source loader does, through
// _call_with_frames_removed: an exception's traceback then shows no <frozen
// importlib._bootstrap> lines, as under python. False with an error set.
bool run_in_module(PyObject* code, PyObject* module) {
  PyObject* globals = PyModule_GetDict(module);  // borrowed
  // As exec() does: code run without __builtins__ in its globals breaks later lookups.
  if (globals == nullptr || (!PyDict_GetItemString(globals, "__builtins__") &&
                             PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) < 0)) {
    return false;
  }
  PyObject* exec = PyDict_GetItemString(PyEval_GetBuiltins(), "exec");  // borrowed
  const Ref args(exec ? PyTuple_Pack(2, code, globals) : nullptr);
  const Ref result(args ? call_with_frames_removed(exec, args.get()) : nullptr);
  return static_cast<bool>(result);
}

// ---- FreezeImporter: meta-path finder and loader ------------------------------------------

PyObject* finder_find_spec(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs < 1 || nargs > 3) {
    PyErr_SetString(PyExc_TypeError, "find_spec(fullname, path=None, target=None)");
    return nullptr;
  }
  std::string name;
  if (!parse_str(args[0], &name)) {
    // Not a name in the index: python's path finder, after us, may still find it on disk.
    if (clear_unencodable()) Py_RETURN_NONE;
    return nullptr;
  }
  if (g_before_sitecustomize != nullptr && name == "sitecustomize") g_before_sitecustomize();
  if (find_runtime_module(name) != nullptr) return make_runtime_spec(state_of(self), args[0], self);
  const auto entry = find_importable(name);
  if (!entry) Py_RETURN_NONE;
  // A submodule is ours only if its parent's __path__ still names the directory it is in: a
  // parent that is another package under this name (an alias in sys.modules) or a __path__
  // set to elsewhere is searched by PathFinder, through the path hook for embedded directories.
  if (nargs >= 2 && args[1] != Py_None) {
    bool listed = false;
    if (!path_lists(args[1], containing_directory(*entry), &listed)) return nullptr;
    if (!listed) Py_RETURN_NONE;
  } else if (name.find('.') == std::string::npos) {
    bool earlier = false;
    if (!earlier_on_sys_path(name, containing_directory(*entry), &earlier)) return nullptr;
    if (earlier) Py_RETURN_NONE;
  }
  return make_spec(state_of(self), args[0], self, *entry, name);
}

PyObject* finder_create_module(PyObject* self, PyObject* spec) {
  const Ref name(indexed_name_of_spec(spec));
  std::string text;
  // A name that cannot be encoded is not in the index (text stays empty): not an extension.
  if (!name || !(parse_str(name.get(), &text) || clear_unencodable())) return nullptr;
  const auto extension = find_importable(text);
  if (!extension || extension->kind != blob::Kind::Extension) Py_RETURN_NONE;  // default module creation
  return create_extension_module(*extension, spec, state_of(self).module_spec_type.get());
}

PyObject* finder_exec_module(PyObject*, PyObject* module) {
  const Ref name(executed_name(module));
  if (!name) return nullptr;
  if (const RuntimeModule* runtime = find_runtime_module(name.get())) {
    const Ref code(runtime_module_code(*runtime));
    return code && run_in_module(code.get(), module) ? Py_NewRef(Py_None) : nullptr;
  }
  const auto entry = entry_named(name.get());
  if (!entry) return nullptr;
  if (entry->kind == blob::Kind::Extension) {
    const Ref imp(PyImport_ImportModule("_imp"));
    const Ref result(imp ? PyObject_CallMethod(imp.get(), "exec_dynamic", "O", module) : nullptr);
    return result ? Py_NewRef(Py_None) : nullptr;
  }
  const Ref code(load_code(*entry));
  if (!code || !run_in_module(code.get(), module)) return nullptr;
  Py_RETURN_NONE;
}

PyObject* finder_get_code(PyObject*, PyObject* fullname) {
  if (const RuntimeModule* runtime = find_runtime_module(fullname)) return runtime_module_code(*runtime);
  const auto entry = loader_entry(fullname);
  if (!entry) return nullptr;
  if (entry->kind == blob::Kind::Extension) Py_RETURN_NONE;
  return load_code(*entry);
}

PyObject* finder_get_source(PyObject*, PyObject* fullname) {
  if (find_runtime_module(fullname) != nullptr) Py_RETURN_NONE;  // bytecode only
  const auto entry = loader_entry(fullname);
  if (!entry) return nullptr;
  if (entry->kind == blob::Kind::Extension) Py_RETURN_NONE;
  return load_source(*entry);
}

PyObject* finder_is_package(PyObject*, PyObject* fullname) {
  if (find_runtime_module(fullname) != nullptr) Py_RETURN_FALSE;
  // A package's __init__ imported as a module of its own is not a package (FileLoader's rule).
  std::string name;
  if (!parse_str(fullname, &name)) {
    PyErr_Clear();  // deliberate: loader_entry below refuses it with its own error
  } else if (name.ends_with(".__init__")) {
    Py_RETURN_FALSE;
  }
  const auto entry = loader_entry(fullname);
  return entry ? PyBool_FromLong(entry->is_package()) : nullptr;
}

PyObject* finder_get_filename(PyObject*, PyObject* fullname) {
  const auto entry = loader_entry(fullname);
  return entry ? path_to_str(entry_file(*entry)) : nullptr;
}

// The bytes of a file that is not the executable's, as FileLoader.get_data reads them:
// io.open_code(str(path)), read, closed. New reference, or nullptr with an error set.
PyObject* read_from_disk(PyObject* path_arg) {
  const Ref io(PyImport_ImportModule("_io"));
  const Ref text(io ? PyObject_Str(path_arg) : nullptr);
  const Ref handle(text ? PyObject_CallMethod(io.get(), "open_code", "O", text.get()) : nullptr);
  Ref data(handle ? PyObject_CallMethod(handle.get(), "read", nullptr) : nullptr);
  // Closed as `with` closes it: after a failed read, the file goes with its last reference.
  if (data && !Ref(PyObject_CallMethod(handle.get(), "close", nullptr))) return nullptr;
  return data.release();
}

// get_data(path): package data by the path pkgutil.get_data builds from __file__. Paths of
// embedded files are served from the index; anything else is read from disk like FileLoader.
// The path is converted as os.fsencode does (str, bytes or path-like; lone surrogates are the
// bytes of undecodable file names), so any path python can open is looked up without error.
PyObject* finder_get_data(PyObject*, PyObject* path_arg) {
  std::string path;
  if (!parse_fs_path(path_arg, &path)) return nullptr;
  const std::string root = context().origin_dir + "/";
  if (!path.starts_with(root)) return read_from_disk(path_arg);
  blob::Entry file;  // a file beside the executable, unless the index holds the path in memory
  file.location = blob::Location::FilesystemRelative;
  file.path = std::string_view(path).substr(root.size());
  for (const auto kind : {blob::Kind::Resource, blob::Kind::Metadata}) {
    if (const auto entry = file_entry_at(kind, file.path); entry && entry->in_memory()) {
      file = *entry;
      break;
    }
  }
  const auto bytes = read_data(file);
  if (!bytes) return nullptr;
  return PyBytes_FromStringAndSize(bytes->data(), static_cast<Py_ssize_t>(bytes->size()));
}

PyObject* finder_get_resource_reader(PyObject*, PyObject* fullname) {
  return call_resources_helper("resource_reader", fullname);
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
    {"invalidate_caches", finder_invalidate_caches, METH_NOARGS, "Nothing to invalidate."},
    {nullptr, nullptr, 0, nullptr},
};

// Instances of a module's heap types hold their type, which holds the module: visible to the
// cyclic GC, so that an interpreter's module and its objects go when the interpreter ends.
int traverse_type(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(Py_TYPE(self));
  return 0;
}

// Every instance of a heap type holds a reference to its type (the type protocol's own).
void finder_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  PyObject_GC_UnTrack(self);
  type->tp_free(self);
  Py_DECREF(type);
}

PyType_Slot finder_slots[] = {
    {Py_tp_doc, const_cast<char*>("Meta-path finder and loader for modules embedded in a freeze executable.")},
    {Py_tp_methods, finder_methods},
    {Py_tp_traverse, reinterpret_cast<void*>(traverse_type)},
    {Py_tp_dealloc, reinterpret_cast<void*>(finder_dealloc)},
    {0, nullptr},
};

PyType_Spec finder_spec = {"_freeze_importer.FreezeImporter", sizeof(FinderObject), 0,
                           Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC, finder_slots};

// ---- FreezePathFinder: path-entry finder for the directory of an embedded package ---------
// PathFinder consults it for embedded packages' __path__ entries, so pkgutil.iter_modules and
// walk_packages list embedded submodules, and nothing is looked up on disk for them.

PyObject* path_finder_find_spec(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs < 1 || nargs > 2) {
    PyErr_SetString(PyExc_TypeError, "find_spec(fullname, target=None)");
    return nullptr;
  }
  ModuleState& state = state_of(self);
  std::string name;
  std::string package;
  if (!state.finder) Py_RETURN_NONE;
  if (!parse_str(args[0], &name) || !parse_str(reinterpret_cast<PathFinderObject*>(self)->package, &package)) {
    return clear_unencodable() ? Py_NewRef(Py_None) : nullptr;  // a name no file name gives is in no index
  }
  // As FileFinder looks up the last part of the name in its directory, whatever the package
  // asking is called: "alias.sub" asked of realpkg's directory is realpkg.sub, run as alias.sub.
  const std::string_view tail = std::string_view(name).substr(name.rfind('.') + 1);
  if (tail == "__init__") {
    // The package's own __init__.py, imported as a module of its own, as FileFinder finds it.
    const auto entry = lookup(blob::Kind::Module, package);
    if (!entry || !entry->is_package() || (entry->flags & blob::kFlagNamespace)) Py_RETURN_NONE;
    return make_spec(state, args[0], state.finder.get(), *entry, name, /*as_module=*/true);
  }
  const auto entry = find_importable(blob::submodule_name(package, tail));
  if (!entry) Py_RETURN_NONE;
  return make_spec(state, args[0], state.finder.get(), *entry, name);
}

PyObject* path_finder_iter_modules(PyObject* self, PyObject* args) {
  PyObject* prefix = nullptr;
  if (!PyArg_ParseTuple(args, "|U:iter_modules", &prefix)) return nullptr;
  std::string package;
  if (!parse_str(reinterpret_cast<PathFinderObject*>(self)->package, &package)) return nullptr;
  const std::string children = package + ".";
  const Ref result(PyList_New(0));
  if (!result) return nullptr;
  for (const auto kind : {blob::Kind::Module, blob::Kind::Extension}) {
    for (const auto& entry : lookup_prefix(kind, children)) {
      const std::string_view rest = entry.name.substr(children.size());
      // Like pkgutil over a directory: direct children only, and no namespace packages.
      if (rest.find('.') != std::string_view::npos || (entry.flags & blob::kFlagNamespace)) continue;
      if (!append_module_listing(result.get(), prefix, rest, entry.is_package())) return nullptr;
    }
  }
  return PyObject_GetIter(result.get());
}

PyObject* path_finder_invalidate_caches(PyObject*, PyObject*) { Py_RETURN_NONE; }

int path_finder_traverse(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(Py_TYPE(self));
  Py_VISIT(reinterpret_cast<PathFinderObject*>(self)->package);
  return 0;
}

// The type protocol's own reference counting: an instance owns its fields, and every instance
// of a heap type holds a reference to its type.
void path_finder_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  PyObject_GC_UnTrack(self);
  Py_CLEAR(reinterpret_cast<PathFinderObject*>(self)->package);
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
    {Py_tp_traverse, reinterpret_cast<void*>(path_finder_traverse)},
    {Py_tp_dealloc, reinterpret_cast<void*>(path_finder_dealloc)},
    {0, nullptr},
};

PyType_Spec path_finder_spec = {"_freeze_importer.FreezePathFinder", sizeof(PathFinderObject), 0,
                                Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC, path_finder_slots};

// A FreezePathFinder for the directory of the in-memory package `name`. New reference, or
// nullptr with an error set.
PyObject* new_path_finder(PyObject* module, const std::string& name) {
  Ref package(name_to_str(name));
  auto* type = reinterpret_cast<PyTypeObject*>(module_state(module).path_finder_type.get());
  auto* finder = package ? reinterpret_cast<PathFinderObject*>(type->tp_alloc(type, 0)) : nullptr;
  if (finder == nullptr) return nullptr;
  finder->package = package.release();  // the finder's from now on (path_finder_dealloc)
  return reinterpret_cast<PyObject*>(finder);
}

// sys.path_hooks entry: accepts the installation's directories on sys.path and the directory
// of each embedded package held in memory. Any other entry (a path python cannot encode too) raises
// ImportError: the next hook, python's FileFinder, then does with it what it does under python.
PyObject* path_hook(PyObject* module, PyObject* path_arg) {
  std::string path;
  if (parse_fs_path(path_arg, &path)) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    const std::string root = context().origin_dir + "/";
    std::optional<blob::Entry> entry;
    std::string name;
    if (path.starts_with(root) && path.size() > root.size()) {
      const std::string_view relative = std::string_view(path).substr(root.size());
      // The finder type subclasses importlib's FileFinder, made on first use: the module is
      // initialised in a subinterpreter before importlib's external bootstrap exists.
      Ref& type = module_state(module).search_path_finder_type;
      if (!type) type.reset(make_search_path_finder_type(module));
      if (!type) return nullptr;
      if (PyObject* finder = new_search_path_finder(type.get(), relative); finder != nullptr || PyErr_Occurred()) {
        return finder;
      }
      entry = package_entry_at(relative, &name);
    }
    // A package routed to the filesystem is a real directory: python's FileFinder serves it,
    // with what is there beside its embedded files (namespace subdirectories the index does
    // not list, as CPython's test package has).
    if (entry && entry->in_memory()) return new_path_finder(module, name);
  }
  // Deliberate: "not mine" is ImportError for a path hook, whatever made the path unusable
  // here (one python cannot encode): PathFinder then asks the next hook.
  PyErr_Clear();
  PyErr_SetString(PyExc_ImportError, "not the directory of an embedded package");
  return nullptr;
}

// ---- module functions for _freeze_importer.resources ---------------------------------------
// Files are named by kind and name: RESOURCE and METADATA files by their path below the site
// root, a MODULE by its dotted name (its file is its source, "pkg/mod.py"). A name no file name
// gives (see parse_str) names nothing, as a path python cannot encode names no file.

// Parses (kind, name); `name` is nullopt for an unencodable name. False with an error set.
bool parse_file_args(PyObject* args, const char* format, bool module_kind_allowed, blob::Kind* kind,
                     std::optional<std::string>* name) {
  int kind_number = 0;
  PyObject* name_arg = nullptr;
  if (!PyArg_ParseTuple(args, format, &kind_number, &name_arg)) return false;
  *kind = static_cast<blob::Kind>(kind_number);
  if (*kind != blob::Kind::Resource && *kind != blob::Kind::Metadata &&
      !(module_kind_allowed && *kind == blob::Kind::Module)) {
    PyErr_SetString(PyExc_ValueError, module_kind_allowed ? "kind must be RESOURCE, METADATA or MODULE"
                                                          : "kind must be RESOURCE or METADATA");
    return false;
  }
  std::string text;
  if (parse_str(name_arg, &text)) {
    *name = std::move(text);
  } else if (!clear_unencodable()) {
    return false;
  }
  return true;
}

// A list of one item per entry, made by `make_item` (a new reference, or nullptr with an error set).
template <typename MakeItem>
PyObject* list_of(const std::vector<blob::Entry>& entries, MakeItem make_item) {
  Ref result(PyList_New(0));
  if (!result) return nullptr;
  for (const auto& entry : entries) {
    const Ref item(make_item(entry));
    if (!item || PyList_Append(result.get(), item.get()) < 0) return nullptr;
  }
  return result.release();
}

// list_files(kind, prefix) -> [(name, is_in_memory), ...] for embedded files under prefix.
PyObject* module_list_files(PyObject*, PyObject* args) {
  blob::Kind kind = blob::Kind::Resource;
  std::optional<std::string> prefix;
  if (!parse_file_args(args, "iU:list_files", false, &kind, &prefix)) return nullptr;
  if (!prefix) return PyList_New(0);
  return list_of(lookup_prefix(kind, *prefix), [](const blob::Entry& entry) {
    return Py_BuildValue("(NO)", name_to_str(entry.name), entry.in_memory() ? Py_True : Py_False);
  });
}

// list_modules(package) -> [(name, is_package, is_namespace), ...] for the Python modules
// directly in `package` (top-level modules for ""), as pkgutil.iter_modules sees a directory.
PyObject* module_list_modules(PyObject*, PyObject* arg) {
  std::string package;
  if (!parse_str(arg, &package)) return clear_unencodable() ? PyList_New(0) : nullptr;
  const std::string prefix = package.empty() ? "" : package + ".";
  auto entries = lookup_prefix(blob::Kind::Module, prefix);
  std::erase_if(entries, [&prefix](const blob::Entry& entry) {
    return entry.name.find('.', prefix.size()) != std::string_view::npos;  // not directly in it
  });
  return list_of(entries, [](const blob::Entry& entry) {
    return Py_BuildValue("(NOO)", name_to_str(entry.name), entry.is_package() ? Py_True : Py_False,
                         (entry.flags & blob::kFlagNamespace) ? Py_True : Py_False);
  });
}

// module_info(name) -> (is_package, is_namespace) of an embedded Python module, or None.
PyObject* module_module_info(PyObject*, PyObject* arg) {
  std::string name;
  if (!parse_str(arg, &name)) {
    if (clear_unencodable()) Py_RETURN_NONE;
    return nullptr;
  }
  const auto entry = lookup(blob::Kind::Module, name);
  if (!entry) Py_RETURN_NONE;
  return Py_BuildValue("(OO)", entry->is_package() ? Py_True : Py_False,
                       (entry->flags & blob::kFlagNamespace) ? Py_True : Py_False);
}

// package_on_disk(name) -> the directory beside the executable that holds package `name`, if
// the package and everything embedded below it (modules, package data) are files there, else
// None. importlib.resources then hands out that directory, as python does.
PyObject* module_package_on_disk(PyObject*, PyObject* arg) {
  std::string name;
  if (!parse_str(arg, &name)) {
    if (clear_unencodable()) Py_RETURN_NONE;
    return nullptr;
  }
  const auto package = lookup(blob::Kind::Module, name);
  if (!package || !package->is_package() || package->in_memory()) Py_RETURN_NONE;
  const std::string files = blob::directory_of(name) + "/";
  const std::string submodules = blob::submodule_name(name, "");  // "pkg."
  for (const auto& [kind, prefix] : {std::pair{blob::Kind::Module, submodules}, std::pair{blob::Kind::Resource, files}}) {
    for (const auto& entry : lookup_prefix(kind, prefix)) {
      // Namespace packages are in the index only, their files wherever they are routed.
      if (entry.in_memory() && !(entry.flags & blob::kFlagNamespace)) Py_RETURN_NONE;
    }
  }
  return path_to_str(package_directory(*package));
}

// read_file(kind, name) -> bytes; FileNotFoundError if there is no such embedded file. A
// module's file is its source, as UTF-8 (decoded as import decodes it) when in memory.
PyObject* module_read_file(PyObject*, PyObject* args) {
  blob::Kind kind = blob::Kind::Resource;
  std::optional<std::string> name;
  if (!parse_file_args(args, "iU:read_file", true, &kind, &name)) return nullptr;
  auto entry = name ? lookup(kind, *name) : std::nullopt;
  if (entry && kind == blob::Kind::Module && entry->in_memory()) {
    // Namespace packages have no file; every other module is stored with its source.
    if (entry->source().present()) {
      const std::string source = read_span(*entry, entry->source());
      return PyBytes_FromStringAndSize(source.data(), static_cast<Py_ssize_t>(source.size()));
    }
    entry.reset();
  }
  if (!entry) {
    PyErr_Format(PyExc_FileNotFoundError, "no embedded file %R", PyTuple_GET_ITEM(args, 1));
    return nullptr;
  }
  const auto bytes = read_data(*entry);
  if (!bytes) return nullptr;
  return PyBytes_FromStringAndSize(bytes->data(), static_cast<Py_ssize_t>(bytes->size()));
}

// file_path(kind, name) -> the absolute path of the file beside the executable, or None if in memory.
PyObject* module_file_path(PyObject*, PyObject* args) {
  blob::Kind kind = blob::Kind::Resource;
  std::optional<std::string> name;
  if (!parse_file_args(args, "iU:file_path", true, &kind, &name)) return nullptr;
  const auto entry = name ? lookup(kind, *name) : std::nullopt;
  if (!entry || entry->in_memory()) Py_RETURN_NONE;
  return path_to_str(entry_file(*entry));
}

PyMethodDef module_methods[] = {
    {"path_hook", path_hook, METH_O, "sys.path_hooks entry for directories of embedded packages."},
    {"module_name_of", module_name_of, METH_O, "module_name_of(path) -> the embedded module whose file it is, or None"},
    {"list_files", module_list_files, METH_VARARGS, "list_files(kind, prefix) -> [(name, in_memory)]"},
    {"list_modules", module_list_modules, METH_O, "list_modules(package) -> [(name, is_package, is_namespace)]"},
    {"module_info", module_module_info, METH_O, "module_info(name) -> (is_package, is_namespace) or None"},
    {"package_on_disk", module_package_on_disk, METH_O, "package_on_disk(name) -> its directory or None"},
    {"read_file", module_read_file, METH_VARARGS, "read_file(kind, name) -> bytes"},
    {"file_path", module_file_path, METH_VARARGS, "file_path(kind, name) -> path on disk or None"},
    // Names and paths (format/module_names.h), for the Python half (python/resources.py).
    {"directory_of", module_directory_of, METH_O, "directory_of(name) -> 'pkg/sub' for 'pkg.sub'"},
    {"name_of_directory", module_name_of_directory, METH_O, "name_of_directory(path) -> 'pkg.sub' for 'pkg/sub', or None"},
    {"source_file_of", module_source_file_of, METH_VARARGS, "source_file_of(name, is_package) -> 'pkg/mod.py' or 'pkg/__init__.py'"},
    {"module_of_source_file", module_module_of_source_file, METH_O,
     "module_of_source_file(path) -> (name, is_package) of the module whose source file it is, or None"},
    {nullptr, nullptr, 0, nullptr},
};

int module_traverse(PyObject* module, visitproc visit, void* arg) {
  ModuleState& state = module_state(module);
  Py_VISIT(state.module_spec_type.get());
  Py_VISIT(state.finder_type.get());
  Py_VISIT(state.path_finder_type.get());
  Py_VISIT(state.search_path_finder_type.get());
  Py_VISIT(state.finder.get());
  return 0;
}

int module_clear(PyObject* module) {
  ModuleState& state = module_state(module);
  state.module_spec_type.reset();
  state.finder_type.reset();
  state.path_finder_type.reset();
  state.search_path_finder_type.reset();
  state.finder.reset();
  return 0;
}

void module_free(void* module) { module_clear(static_cast<PyObject*>(module)); }

// Py_mod_exec: runs once per interpreter that imports the module (PEP 489), and fills that
// interpreter's state: its ModuleSpec, its own finder types and the finder instance that
// install_finder puts on its sys.meta_path.
int module_exec(PyObject* module) {
  ModuleState& state = *new (PyModule_GetState(module)) ModuleState();  // zeroed memory: empty Refs
  const Ref bootstrap(PyImport_ImportModule("_frozen_importlib"));
  if (!bootstrap) return -1;
  state.module_spec_type.reset(PyObject_GetAttrString(bootstrap.get(), "ModuleSpec"));
  state.finder_type.reset(PyType_FromModuleAndSpec(module, &finder_spec, nullptr));
  state.path_finder_type.reset(PyType_FromModuleAndSpec(module, &path_finder_spec, nullptr));
  if (!state.module_spec_type || !state.finder_type || !state.path_finder_type) return -1;
  state.finder.reset(PyObject_CallNoArgs(state.finder_type.get()));
  if (!state.finder) return -1;
  const Ref origin(path_to_str(context().origin_dir));
  // Where distributions' metadata directories are (their files' site directory).
  const Ref third_party(path_to_str(context().origin_dir + "/" + std::string(layout::kThirdPartyDir)));
  // A package, for the runtime's submodules (runtime_module.h), which its finder serves.
  const Ref submodule_path(PyList_New(0));
  const bool ok = origin && third_party && submodule_path &&
                  PyModule_AddObjectRef(module, "__path__", submodule_path.get()) == 0 &&
                  PyModule_AddObjectRef(module, "FreezeImporter", state.finder_type.get()) == 0 &&
                  PyModule_AddObjectRef(module, "FreezePathFinder", state.path_finder_type.get()) == 0 &&
                  PyModule_AddObjectRef(module, "importer", state.finder.get()) == 0 &&
                  PyModule_AddIntConstant(module, "RESOURCE", static_cast<int>(blob::Kind::Resource)) == 0 &&
                  PyModule_AddIntConstant(module, "METADATA", static_cast<int>(blob::Kind::Metadata)) == 0 &&
                  PyModule_AddIntConstant(module, "MODULE", static_cast<int>(blob::Kind::Module)) == 0 &&
                  PyModule_AddObjectRef(module, "origin_dir", origin.get()) == 0 &&
                  PyModule_AddObjectRef(module, "third_party_dir", third_party.get()) == 0;
  return ok ? 0 : -1;
}

PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, reinterpret_cast<void*>(module_exec)},
#ifdef Py_mod_multiple_interpreters
    // Every interpreter has its own module state, and what the importers share across
    // interpreters (the blob reader, the loaded native libraries) has its own locks: so an
    // isolated subinterpreter, with a GIL of its own (3.12+, the default of 3.13's
    // _interpreters.create()), may import it too.
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, nullptr},
};

PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "_freeze_importer",
    "Imports modules embedded in this executable by freeze.",
    sizeof(ModuleState),
    module_methods,
    module_slots,
    module_traverse,
    module_clear,
    module_free,
};

PyObject* init_module() { return PyModuleDef_Init(&module_def); }

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

PyObject* embedded_spec(PyObject* module, PyObject* fullname, const blob::Entry& entry) {
  ModuleState& state = module_state(module);
  return make_spec(state, fullname, state.finder.get(), entry, entry.name);  // a top-level module, by its name
}

bool install_inittab(const ImporterContext* context) {
  set_context(context);
  return PyImport_AppendInittab("_freeze_importer", init_module) == 0;
}

void call_before_sitecustomize(void (*callback)()) { g_before_sitecustomize = callback; }

bool install_finder() {
  Ref module(PyImport_ImportModule("_freeze_importer"));
  if (!module) return false;
  const Ref hook(PyObject_GetAttrString(module.get(), "path_hook"));
  const Ref bootstrap(PyImport_ImportModule("_frozen_importlib"));
  const Ref builtin_importer(bootstrap ? PyObject_GetAttrString(bootstrap.get(), "BuiltinImporter") : nullptr);
  const Ref frozen_importer(bootstrap ? PyObject_GetAttrString(bootstrap.get(), "FrozenImporter") : nullptr);
  if (!hook || !builtin_importer || !frozen_importer) return false;
  // After BuiltinImporter and FrozenImporter, where python has its path finder: builtins and
  // libpython's deep-frozen modules stay what they are, everything else comes from us.
  PyObject* meta_path = PySys_GetObject("meta_path");  // borrowed
  Py_ssize_t position = 0;
  for (Py_ssize_t i = 0; meta_path && PyList_Check(meta_path) && i < PyList_GET_SIZE(meta_path); ++i) {
    PyObject* item = PyList_GET_ITEM(meta_path, i);
    if (item == builtin_importer.get() || item == frozen_importer.get()) position = i + 1;
  }
  return insert_into_sys_list("meta_path", position, module_state(module.get()).finder.get()) &&
         insert_into_sys_list("path_hooks", 0, hook.get());
}

}  // namespace freeze::importer

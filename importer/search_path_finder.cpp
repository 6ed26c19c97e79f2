#include "importer/search_path_finder.h"

#include <string>

#include "format/module_names.h"
#include "importer/install_layout.h"
#include "importer/python_ref.h"

namespace freeze::importer {

// The directory `entry`'s name is found in (below the executable's): for a package, where its
// directory is; for a module, where its file is.
std::string_view containing_directory(const blob::Entry& entry) {
  std::string_view path = entry.path;
  if (entry.is_package() && !(entry.flags & blob::kFlagNamespace)) path = path.substr(0, path.rfind('/'));  // pkg/__init__.py
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

namespace {

// The finder is a Python subclass of importlib's FileFinder, as python's own path-entry finders
// for directories are: code that dispatches on that type (pkg_resources' distribution finders
// and namespace handlers, pkgutil.iter_modules) treats these directories as python treats its
// own, listing them through the file system (the launcher serves their embedded files by path),
// while imports are answered from the index. Its methods are C functions bound to the importer
// module (their self), with the finder as first argument; the finder keeps its directory
// below the executable's as `_freeze_directory`, and `path` as FileFinder does.

// The finder's directory below the executable's directory; false with an error set.
bool finder_directory(PyObject* finder, std::string* directory) {
  const Ref value(PyObject_GetAttrString(finder, "_freeze_directory"));
  return value && parse_str(value.get(), directory);
}

// find_spec(self, fullname, target=None)
PyObject* finder_find_spec(PyObject* module, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs < 2 || nargs > 3) {
    PyErr_SetString(PyExc_TypeError, "find_spec(fullname, target=None)");
    return nullptr;
  }
  std::string name;
  if (!parse_str(args[1], &name)) {
    if (clear_unencodable()) Py_RETURN_NONE;
    return nullptr;
  }
  // A directory on sys.path holds top-level modules only.
  if (name.find('.') != std::string::npos) Py_RETURN_NONE;
  std::string directory;
  if (!finder_directory(args[0], &directory)) return nullptr;
  const auto entry = find_importable(name);
  if (!entry || containing_directory(*entry) != directory) Py_RETURN_NONE;
  return embedded_spec(module, args[1], *entry);
}

// iter_modules(self, prefix=''): (name, is_package) of each module directly in the directory,
// as pkgutil lists a directory: modules, extension modules and regular packages, not namespace
// packages.
PyObject* finder_iter_modules(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs < 1 || nargs > 2 || (nargs == 2 && !PyUnicode_Check(args[1]))) {
    PyErr_SetString(PyExc_TypeError, "iter_modules(prefix='')");
    return nullptr;
  }
  PyObject* prefix = nargs == 2 ? args[1] : nullptr;
  std::string directory;
  if (!finder_directory(args[0], &directory)) return nullptr;
  const Ref result(PyList_New(0));
  if (!result) return nullptr;
  for (const auto kind : {blob::Kind::Module, blob::Kind::Extension}) {
    for (const auto& entry : lookup_prefix(kind, "")) {
      if (entry.name.find('.') != std::string_view::npos || (entry.flags & blob::kFlagNamespace) ||
          containing_directory(entry) != directory) {
        continue;
      }
      if (!append_module_listing(result.get(), prefix, entry.name, entry.is_package())) return nullptr;
    }
  }
  return PyObject_GetIter(result.get());
}

PyObject* finder_invalidate_caches(PyObject*, PyObject* const*, Py_ssize_t) { Py_RETURN_NONE; }

PyObject* finder_repr(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 1) {
    PyErr_SetString(PyExc_TypeError, "__repr__()");
    return nullptr;
  }
  Ref path(PyObject_GetAttrString(args[0], "path"));
  return path ? PyUnicode_FromFormat("FreezeSearchPathFinder(%R)", path.get()) : nullptr;
}

template <typename F>
PyCFunction as_cfunction(F function) {
  return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(function));
}

PyMethodDef finder_methods[] = {
    {"find_spec", as_cfunction(finder_find_spec), METH_FASTCALL, "Spec of an embedded top-level module here, or None."},
    {"iter_modules", as_cfunction(finder_iter_modules), METH_FASTCALL,
     "(name, ispkg) for each embedded module in this directory."},
    {"invalidate_caches", as_cfunction(finder_invalidate_caches), METH_FASTCALL, "Nothing to invalidate."},
    {"__repr__", as_cfunction(finder_repr), METH_FASTCALL, nullptr},
};

}  // namespace

PyObject* make_search_path_finder_type(PyObject* module) {
  Ref external(PyImport_ImportModule("_frozen_importlib_external"));
  Ref file_finder(external ? PyObject_GetAttrString(external.get(), "FileFinder") : nullptr);
  Ref namespace_(file_finder ? PyDict_New() : nullptr);
  if (!namespace_) return nullptr;
  for (PyMethodDef& method : finder_methods) {
    Ref function(PyCFunction_NewEx(&method, module, nullptr));
    Ref bound(function ? PyInstanceMethod_New(function.get()) : nullptr);  // self is passed as the first argument
    if (!bound || PyDict_SetItemString(namespace_.get(), method.ml_name, bound.get()) < 0) return nullptr;
  }
  Ref module_name(PyUnicode_FromString("_freeze_importer"));
  Ref doc(PyUnicode_FromString("Path-entry finder for a directory of the executable's installation on sys.path."));
  if (!module_name || !doc || PyDict_SetItemString(namespace_.get(), "__module__", module_name.get()) < 0 ||
      PyDict_SetItemString(namespace_.get(), "__doc__", doc.get()) < 0) {
    return nullptr;
  }
  return PyObject_CallFunction(reinterpret_cast<PyObject*>(&PyType_Type), "s(O)O", "FreezeSearchPathFinder",
                               file_finder.get(), namespace_.get());
}

std::optional<std::pair<std::string_view, std::string_view>> split_installation_path(std::string_view relative) {
  std::optional<std::pair<std::string_view, std::string_view>> best;
  for (const std::string_view dir : layout::kSearchPath) {  // the longest match: lib-dynload inside the stdlib
    if (relative.size() > dir.size() && relative.starts_with(dir) && relative[dir.size()] == '/' &&
        (!best || dir.size() > best->first.size())) {
      best = std::pair{dir, relative.substr(dir.size() + 1)};
    }
  }
  return best;
}

std::optional<blob::Entry> file_entry_at(blob::Kind kind, std::string_view relative) {
  const auto split = split_installation_path(relative);
  if (!split) return std::nullopt;
  auto entry = lookup(kind, split->second);
  if (entry && entry->path != relative) entry.reset();  // the same name in another directory
  return entry;
}

std::optional<blob::Entry> package_entry_at(std::string_view relative, std::string* name) {
  const auto split = split_installation_path(relative);
  auto dotted = split ? blob::name_of_directory(split->second) : std::nullopt;
  if (!dotted) return std::nullopt;
  *name = std::move(*dotted);
  auto entry = find_importable(*name);  // an extension module can be a package too (mypyc's __init__)
  if (!entry || !entry->is_package()) return std::nullopt;
  const std::string_view path = entry->path;
  const std::string_view directory = (entry->flags & blob::kFlagNamespace) ? path : path.substr(0, path.rfind('/'));
  if (directory != relative) return std::nullopt;
  return entry;
}

PyObject* module_name_of(PyObject*, PyObject* path_arg) {
  std::string path;
  if (!parse_fs_path(path_arg, &path)) return nullptr;
  const std::string root = context().origin_dir + "/";
  const auto split = path.starts_with(root) ? split_installation_path(std::string_view(path).substr(root.size()))
                                            : std::nullopt;
  const auto module = split ? blob::module_of_source_file(split->second) : std::nullopt;
  if (!module) Py_RETURN_NONE;
  const auto entry = lookup(blob::Kind::Module, module->name);
  if (!entry || entry_file(*entry) != path) Py_RETURN_NONE;
  return name_to_str(module->name);
}

PyObject* new_search_path_finder(PyObject* type, std::string_view relative) {
  bool listed = false;
  for (const std::string_view dir : layout::kSearchPath) listed = listed || dir == relative;
  if (!listed) return nullptr;
  // object.__new__: FileFinder.__init__ (loader details, a directory cache) does not apply.
  Ref finder(PyObject_CallMethod(reinterpret_cast<PyObject*>(&PyBaseObject_Type), "__new__", "O", type));
  Ref path(finder ? path_to_str(context().origin_dir + "/" + std::string(relative)) : nullptr);
  Ref directory(path ? name_to_str(relative) : nullptr);
  if (!directory || PyObject_SetAttrString(finder.get(), "path", path.get()) < 0 ||
      PyObject_SetAttrString(finder.get(), "_freeze_directory", directory.get()) < 0) {
    return nullptr;
  }
  return finder.release();
}

}  // namespace freeze::importer

#include "search_path_finder.h"

#include <structmember.h>

#include <string>

#include "install_layout.h"

static_assert(PY_MAJOR_VERSION == 3 && PY_MINOR_VERSION == 11, "install_layout.h names python3.11's directories");

namespace freeze::importer {
namespace {

// The directory `entry`'s name is found in (below the executable's): for a package, where its
// directory is; for a module, where its file is.
std::string_view containing_directory(const blob::Entry& entry) {
  std::string_view path = entry.path;
  if (entry.is_package() && !(entry.flags & blob::kFlagNamespace)) path = path.substr(0, path.rfind('/'));  // pkg/__init__.py
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

struct SearchPathFinder {
  PyObject_HEAD
  PyObject* path;  // absolute directory, as on sys.path (FileFinder.path)
  std::string* directory;  // below the executable's directory
};

PyObject* finder_find_spec(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs < 1 || nargs > 2) {
    PyErr_SetString(PyExc_TypeError, "find_spec(fullname, target=None)");
    return nullptr;
  }
  std::string name;
  if (!parse_str(args[0], &name)) {
    if (clear_unencodable()) Py_RETURN_NONE;
    return nullptr;
  }
  // A directory on sys.path holds top-level modules only.
  if (name.find('.') != std::string::npos) Py_RETURN_NONE;
  const auto entry = find_importable(name);
  if (!entry || containing_directory(*entry) != *reinterpret_cast<SearchPathFinder*>(self)->directory) Py_RETURN_NONE;
  return embedded_spec(self, args[0], *entry);
}

// (name, is_package) of each module directly in the directory, as pkgutil lists a directory:
// modules, extension modules and regular packages, not namespace packages.
PyObject* finder_iter_modules(PyObject* self, PyObject* args) {
  PyObject* prefix = nullptr;
  if (!PyArg_ParseTuple(args, "|U:iter_modules", &prefix)) return nullptr;
  const std::string& directory = *reinterpret_cast<SearchPathFinder*>(self)->directory;
  PyObject* result = PyList_New(0);
  for (const auto kind : {blob::Kind::Module, blob::Kind::Extension}) {
    for (const auto& entry : lookup_prefix(kind, "")) {
      if (result == nullptr) break;
      if (entry.name.find('.') != std::string_view::npos || (entry.flags & blob::kFlagNamespace) ||
          containing_directory(entry) != directory) {
        continue;
      }
      PyObject* short_name = name_to_str(entry.name);
      PyObject* full = (short_name && prefix) ? PyUnicode_Concat(prefix, short_name) : Py_XNewRef(short_name);
      Py_XDECREF(short_name);
      PyObject* item = full ? Py_BuildValue("(NO)", full, entry.is_package() ? Py_True : Py_False) : nullptr;
      if (item == nullptr || PyList_Append(result, item) < 0) Py_CLEAR(result);
      Py_XDECREF(item);
    }
  }
  if (result == nullptr) return nullptr;
  PyObject* iterator = PyObject_GetIter(result);
  Py_DECREF(result);
  return iterator;
}

PyObject* finder_invalidate_caches(PyObject*, PyObject*) { Py_RETURN_NONE; }

PyObject* finder_repr(PyObject* self) {
  return PyUnicode_FromFormat("FreezeSearchPathFinder(%R)", reinterpret_cast<SearchPathFinder*>(self)->path);
}

void finder_dealloc(PyObject* self) {
  auto* finder = reinterpret_cast<SearchPathFinder*>(self);
  Py_XDECREF(finder->path);
  delete finder->directory;
  PyTypeObject* type = Py_TYPE(self);
  type->tp_free(self);
  Py_DECREF(type);
}

template <typename F>
PyCFunction as_cfunction(F function) {
  return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(function));
}

PyMethodDef finder_methods[] = {
    {"find_spec", as_cfunction(finder_find_spec), METH_FASTCALL, "Spec of an embedded top-level module here, or None."},
    {"iter_modules", finder_iter_modules, METH_VARARGS, "(name, ispkg) for each embedded module in this directory."},
    {"invalidate_caches", finder_invalidate_caches, METH_NOARGS, "Nothing to invalidate."},
    {nullptr, nullptr, 0, nullptr},
};

PyMemberDef finder_members[] = {
    {"path", T_OBJECT, offsetof(SearchPathFinder, path), READONLY, "The directory, as on sys.path."},
    {nullptr, 0, 0, 0, nullptr},
};

PyType_Slot finder_slots[] = {
    {Py_tp_doc, const_cast<char*>("Path-entry finder for a directory of the executable's virtual installation on sys.path.")},
    {Py_tp_methods, finder_methods},
    {Py_tp_members, finder_members},
    {Py_tp_repr, reinterpret_cast<void*>(finder_repr)},
    {Py_tp_dealloc, reinterpret_cast<void*>(finder_dealloc)},
    {0, nullptr},
};

}  // namespace

PyType_Spec search_path_finder_spec = {"_freeze_importer.FreezeSearchPathFinder", sizeof(SearchPathFinder), 0, Py_TPFLAGS_DEFAULT,
                           finder_slots};

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
  if (!split) return std::nullopt;
  name->assign(split->second);
  for (char& c : *name) c = c == '/' ? '.' : c;
  auto entry = find_importable(*name);  // an extension module can be a package too (mypyc's __init__)
  if (!entry || !entry->is_package()) return std::nullopt;
  const std::string_view path = entry->path;
  const std::string_view directory = (entry->flags & blob::kFlagNamespace) ? path : path.substr(0, path.rfind('/'));
  if (directory != relative) return std::nullopt;
  return entry;
}

PyObject* module_name_of(PyObject*, PyObject* path_arg) {
  PyObject* path_bytes = nullptr;
  if (!PyUnicode_FSConverter(path_arg, &path_bytes)) return nullptr;
  const std::string path(PyBytes_AS_STRING(path_bytes), static_cast<std::size_t>(PyBytes_GET_SIZE(path_bytes)));
  Py_DECREF(path_bytes);
  const std::string root = context().origin_dir + "/";
  const auto split = path.starts_with(root) ? split_installation_path(std::string_view(path).substr(root.size()))
                                            : std::nullopt;
  if (!split || !split->second.ends_with(".py")) Py_RETURN_NONE;
  std::string name(split->second.substr(0, split->second.size() - 3));
  if (name == "__init__") Py_RETURN_NONE;
  if (name.ends_with("/__init__")) name.resize(name.size() - 9);
  for (char& c : name) c = c == '/' ? '.' : c;
  const auto entry = lookup(blob::Kind::Module, name);
  if (!entry || entry_file(*entry) != path) Py_RETURN_NONE;
  return name_to_str(name);
}

PyObject* new_search_path_finder(PyObject* type, std::string_view relative) {
  bool listed = false;
  for (const std::string_view dir : layout::kSearchPath) listed = listed || dir == relative;
  if (!listed) return nullptr;
  PyObject* path = path_to_str(context().origin_dir + "/" + std::string(relative));
  auto* finder = path ? PyObject_New(SearchPathFinder, reinterpret_cast<PyTypeObject*>(type)) : nullptr;
  if (finder == nullptr) {
    Py_XDECREF(path);
    return nullptr;
  }
  finder->path = path;
  finder->directory = new std::string(relative);
  return reinterpret_cast<PyObject*>(finder);
}

}  // namespace freeze::importer

#include "importer/source_lines.h"

#include <string>

namespace freeze::importer {
namespace {

// What `name` in a module's namespace holds (borrowed), read from its dict: never an attribute
// lookup, which would run a module that a lazy importer (importlib.util.LazyLoader, Mercurial's
// demandimport) has not loaded yet.
PyObject* namespace_item(PyObject* module, const char* name) {
  PyObject* globals = PyModule_Check(module) ? PyModule_GetDict(module) : nullptr;  // borrowed
  return globals ? PyDict_GetItemString(globals, name) : nullptr;
}

// linecache.cache of this interpreter (borrowed), or nullptr if linecache has not run yet.
PyObject* linecache_cache() {
  PyObject* modules = PySys_GetObject("modules");  // borrowed
  PyObject* linecache = modules && PyDict_Check(modules) ? PyDict_GetItemString(modules, "linecache") : nullptr;
  PyObject* cache = linecache ? namespace_item(linecache, "cache") : nullptr;
  return cache && PyDict_Check(cache) ? cache : nullptr;
}

// cache[file of entry] = (functools.partial(loader.get_source, name),), as linecache.lazycache
// does, unless linecache already knows the file. False with an error set on failure.
bool seed(ModuleState& state, PyObject* cache, PyObject* name, const blob::Entry& entry) {
  // A file beside the executable is read by linecache itself; a module without source (a
  // namespace package) has no lines to show.
  if (!entry.in_memory() || !entry.source().present()) return true;
  Ref filename(path_to_str(entry_file(entry)));
  if (!filename) return false;
  const int known = PyDict_Contains(cache, filename.get());
  if (known != 0) return known > 0;
  if (!state.partial) {
    Ref functools(PyImport_ImportModule("functools"));
    state.partial.reset(functools ? PyObject_GetAttrString(functools.get(), "partial") : nullptr);
    if (!state.partial) return false;
  }
  Ref get_source(PyObject_GetAttrString(state.finder.get(), "get_source"));
  Ref lines(get_source ? PyObject_CallFunctionObjArgs(state.partial.get(), get_source.get(), name, nullptr) : nullptr);
  Ref lazy_entry(lines ? PyTuple_Pack(1, lines.get()) : nullptr);
  return lazy_entry && PyDict_SetItem(cache, filename.get(), lazy_entry.get()) == 0;
}

// The modules of sys.modules that the importer loaded (their spec's loader is its finder).
void seed_all(ModuleState& state, PyObject* cache) {
  PyObject* modules = PySys_GetObject("modules");  // borrowed
  Ref snapshot(modules && PyDict_Check(modules) ? PyDict_Values(modules) : nullptr);  // seeding may import
  for (Py_ssize_t i = 0; snapshot && i < PyList_GET_SIZE(snapshot.get()); ++i) {
    PyObject* spec = namespace_item(PyList_GET_ITEM(snapshot.get(), i), "__spec__");  // borrowed
    Ref loader(spec && spec != Py_None ? PyObject_GetAttrString(spec, "loader") : nullptr);
    Ref name(loader && loader.get() == state.finder.get() ? PyObject_GetAttrString(spec, "name") : nullptr);
    std::string text;
    if (name && parse_str(name.get(), &text)) {
      if (const auto entry = lookup(blob::Kind::Module, text)) seed(state, cache, name.get(), *entry);
    }
    PyErr_Clear();  // deliberate: a module whose entry cannot be made only goes without source lines
  }
}

}  // namespace

void offer_source_lines(ModuleState& state, PyObject* name, const blob::Entry& entry) {
  if (!state.finder) return;
  PyObject *type = nullptr, *value = nullptr, *traceback = nullptr;
  PyErr_Fetch(&type, &value, &traceback);
  if (PyObject* cache = linecache_cache()) {
    const Ref keep(Py_NewRef(cache));
    if (entry.name == "linecache") {
      seed_all(state, cache);
    } else {
      seed(state, cache, name, entry);
    }
  }
  PyErr_Clear();  // deliberate: never raises (see source_lines.h); the module's own error, if any, is back
  PyErr_Restore(type, value, traceback);
}

}  // namespace freeze::importer

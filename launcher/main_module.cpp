#include "launcher/main_module.h"

#include "importer/python_ref.h"

namespace freeze::launcher {
namespace {

// The spec of `name`, its parent package imported first as the import system would:
// _frozen_importlib._find_spec(name, parent.__path__). Nullptr with ImportError if none.
PyObject* find_spec(const std::string& name) {
  Ref path = Ref::new_ref(Py_None);
  if (const auto dot = name.rfind('.'); dot != std::string::npos) {
    Ref parent(PyImport_ImportModule(name.substr(0, dot).c_str()));
    if (!parent) return nullptr;
    path.reset(PyObject_GetAttrString(parent.get(), "__path__"));
    if (!path) {
      // Deliberate: python -m's own words for a parent without __path__ replace the AttributeError.
      PyErr_Clear();
      PyErr_Format(PyExc_ImportError, "No module named %s (%s is not a package)", name.c_str(),
                   name.substr(0, dot).c_str());
      return nullptr;
    }
  }
  const Ref bootstrap(PyImport_ImportModule("_frozen_importlib"));
  Ref spec(bootstrap ? PyObject_CallMethod(bootstrap.get(), "_find_spec", "sO", name.c_str(), path.get()) : nullptr);
  if (!spec) return nullptr;
  if (spec.get() == Py_None) {
    const Ref message(PyUnicode_FromFormat("No module named %s", name.c_str()));
    const Ref name_object(PyUnicode_FromString(name.c_str()));
    if (message && name_object) PyErr_SetImportError(message.get(), name_object.get(), nullptr);
    return nullptr;
  }
  return spec.release();
}

bool set_item(PyObject* globals, const char* key, PyObject* value) {
  if (value == nullptr) return false;
  const int rc = PyDict_SetItemString(globals, key, value);
  return rc == 0;
}

}  // namespace

PyObject* run_module_as_main(const std::string& module) {
  std::string name = module;
  Ref spec(find_spec(name));
  if (!spec) return nullptr;
  const Ref locations(PyObject_GetAttrString(spec.get(), "submodule_search_locations"));
  if (!locations) return nullptr;
  if (locations.get() != Py_None) {  // a package: run its __main__, as python -m does
    const Ref package(PyImport_ImportModule(name.c_str()));
    if (!package) return nullptr;
    name += ".__main__";
    spec.reset(find_spec(name));
    if (!spec) return nullptr;
  }
  const Ref loader(PyObject_GetAttrString(spec.get(), "loader"));
  const Ref code(loader ? PyObject_CallMethod(loader.get(), "get_code", "s", name.c_str()) : nullptr);
  if (!code) return nullptr;
  if (code.get() == Py_None) return PyErr_Format(PyExc_ImportError, "No code object available for %s", name.c_str());

  PyObject* main_module = PyImport_AddModule("__main__");  // borrowed
  PyObject* globals = main_module ? PyModule_GetDict(main_module) : nullptr;  // borrowed
  if (globals == nullptr) return nullptr;
  const Ref has_location(PyObject_GetAttrString(spec.get(), "has_location"));
  const Ref origin(has_location ? PyObject_GetAttrString(spec.get(), "origin") : nullptr);
  const Ref cached(origin ? PyObject_GetAttrString(spec.get(), "cached") : nullptr);
  const Ref parent(cached ? PyObject_GetAttrString(spec.get(), "parent") : nullptr);
  if (!parent) return nullptr;
  // What runpy._run_code puts in the namespace.
  const bool ok = set_item(globals, "__name__", Ref(PyUnicode_FromString("__main__")).get()) &&
                  set_item(globals, "__file__", PyObject_IsTrue(has_location.get()) ? origin.get() : Py_None) &&
                  set_item(globals, "__cached__", cached.get()) && set_item(globals, "__doc__", Py_None) &&
                  set_item(globals, "__loader__", loader.get()) && set_item(globals, "__package__", parent.get()) &&
                  set_item(globals, "__spec__", spec.get());
  if (!ok) return nullptr;
  return PyEval_EvalCode(code.get(), globals, globals);
}

}  // namespace freeze::launcher

#include "launcher/site_builtins.h"

#include <Python.h>

#include <cstring>
#include <initializer_list>
#include <utility>

#include "importer/python_ref.h"

namespace freeze::launcher {
namespace {

// builtins.<name> = _sitebuiltins.<type>(*args); nullptr on a Python error.
PyObject* make_from(PyObject* sitebuiltins, const char* type, const Ref& args) {
  const Ref constructor(args ? PyObject_GetAttrString(sitebuiltins, type) : nullptr);
  return constructor ? PyObject_CallObject(constructor.get(), args.get()) : nullptr;
}

// A _sitebuiltins._Printer of `text`. _Printer.__init__ imports os (a fifth of a bare
// start-up) to join the paths of license files there are none of here: the object is made
// without it, with the attributes __init__ would give it (name-mangled, as in the
// _sitebuiltins.py of the CPython linked in).
PyObject* make_printer(PyObject* sitebuiltins, const char* name, const Ref& text) {
  const Ref type(text ? PyObject_GetAttrString(sitebuiltins, "_Printer") : nullptr);
  const Ref no_arguments(PyTuple_New(0));
  Ref printer(type && no_arguments && PyType_Check(type.get())
                  ? PyBaseObject_Type.tp_new(reinterpret_cast<PyTypeObject*>(type.get()), no_arguments.get(), nullptr)
                  : nullptr);
  const Ref name_object(PyUnicode_FromString(name));
  const Ref filenames(PyList_New(0));
  const bool ok = printer && name_object && filenames &&
                  PyObject_SetAttrString(printer.get(), "_Printer__name", name_object.get()) == 0 &&
                  PyObject_SetAttrString(printer.get(), "_Printer__data", text.get()) == 0 &&
                  PyObject_SetAttrString(printer.get(), "_Printer__lines", Py_None) == 0 &&
                  PyObject_SetAttrString(printer.get(), "_Printer__filenames", filenames.get()) == 0;
  return ok ? printer.release() : nullptr;
}

// The object site would bind to builtins.<name>, as site.py does on POSIX. license() has no
// LICENSE file to page beside an embedded stdlib, so it prints the address, as python's does
// when the file is missing.
PyObject* make_site_builtin(const char* name) {
  const Ref module(PyImport_ImportModule("_sitebuiltins"));
  PyObject* sitebuiltins = module.get();  // borrowed from `module`, for the calls below
  if (sitebuiltins == nullptr) return nullptr;
  const char* eof = "Ctrl-D (i.e. EOF)";
  if (std::strcmp(name, "exit") == 0 || std::strcmp(name, "quit") == 0) {
    return make_from(sitebuiltins, "Quitter", Ref(Py_BuildValue("(ss)", name, eof)));
  }
  if (std::strcmp(name, "help") == 0) return make_from(sitebuiltins, "_Helper", Ref(PyTuple_New(0)));
  if (std::strcmp(name, "copyright") == 0) return make_printer(sitebuiltins, name, Ref::new_ref(PySys_GetObject("copyright")));
  if (std::strcmp(name, "credits") == 0) {
    return make_printer(sitebuiltins, name,
                        Ref(PyUnicode_FromString("    Thanks to CWI, CNRI, BeOpen.com, Zope Corporation and a cast of thousands\n"
                                                 "    for supporting Python development.  See www.python.org for more information.")));
  }
  return make_printer(sitebuiltins, name, Ref(PyUnicode_FromString("See https://www.python.org/psf/license/")));
}

// Stands in for a site builtin until it is first used: building _sitebuiltins' three classes
// costs a twentieth of a bare start-up, and most programs never call exit() or help(). On first
// use it makes the real object, puts it in builtins in its own place, and forwards to it.
struct LazyBuiltin {
  PyObject_HEAD
  char name[16];
  PyObject* real;
};

PyObject* resolve(PyObject* self_object) {
  auto* self = reinterpret_cast<LazyBuiltin*>(self_object);
  if (self->real == nullptr) {
    self->real = make_site_builtin(self->name);
    if (self->real == nullptr) return nullptr;
    const Ref builtins(PyImport_ImportModule("builtins"));
    PyObject* dict = builtins ? PyModule_GetDict(builtins.get()) : nullptr;  // borrowed
    if (dict != nullptr && PyDict_GetItemString(dict, self->name) == self_object) {
      PyDict_SetItemString(dict, self->name, self->real);
    }
    PyErr_Clear();  // deliberate: if builtins keeps the stand-in, it still forwards to the real object
  }
  return self->real;
}

PyObject* lazy_call(PyObject* self, PyObject* args, PyObject* kwargs) {
  PyObject* real = resolve(self);
  return real ? PyObject_Call(real, args, kwargs) : nullptr;
}

PyObject* lazy_repr(PyObject* self) {
  PyObject* real = resolve(self);
  return real ? PyObject_Repr(real) : nullptr;
}

PyObject* lazy_getattr(PyObject* self, PyObject* name) {
  PyObject* real = resolve(self);
  return real ? PyObject_GetAttr(real, name) : nullptr;
}

// The type protocol's own reference counting: an instance owns its fields, and every instance
// of a heap type holds a reference to its type.
void lazy_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  Py_CLEAR(reinterpret_cast<LazyBuiltin*>(self)->real);
  type->tp_free(self);
  Py_DECREF(type);
}

PyType_Slot g_lazy_slots[] = {
    {Py_tp_call, reinterpret_cast<void*>(lazy_call)},
    {Py_tp_repr, reinterpret_cast<void*>(lazy_repr)},
    {Py_tp_getattro, reinterpret_cast<void*>(lazy_getattr)},
    {Py_tp_dealloc, reinterpret_cast<void*>(lazy_dealloc)},
    {0, nullptr},
};
// A dotted name: without a module, 3.11 warns (an error under -W error).
PyType_Spec g_lazy_spec = {"_sitebuiltins.LazySiteBuiltin", sizeof(LazyBuiltin), 0, Py_TPFLAGS_DEFAULT, g_lazy_slots};

}  // namespace

void install_site_builtins() {
  PyObject* builtins = PyEval_GetBuiltins();  // borrowed
  const Ref type(PyType_FromSpec(&g_lazy_spec));
  for (const char* name : {"exit", "quit", "copyright", "credits", "license", "help"}) {
    if (builtins == nullptr || !type) break;
    auto* lazy = PyObject_New(LazyBuiltin, reinterpret_cast<PyTypeObject*>(type.get()));
    const Ref owned(reinterpret_cast<PyObject*>(lazy));
    if (lazy == nullptr) break;
    std::strncpy(lazy->name, name, sizeof lazy->name - 1);
    lazy->name[sizeof lazy->name - 1] = '\0';
    lazy->real = nullptr;
    PyDict_SetItemString(builtins, name, owned.get());
  }
  PyErr_Clear();  // deliberate: python without site has none of these either
}

}  // namespace freeze::launcher

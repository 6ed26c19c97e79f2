#include "site_builtins.h"

#include <Python.h>

namespace freeze::launcher {
namespace {

// builtins.<name> = _sitebuiltins.<type>(*args); false on a Python error.
bool set_builtin(PyObject* builtins, PyObject* sitebuiltins, const char* name, const char* type, PyObject* args) {
  PyObject* constructor = args ? PyObject_GetAttrString(sitebuiltins, type) : nullptr;
  PyObject* value = constructor ? PyObject_CallObject(constructor, args) : nullptr;
  const bool ok = value != nullptr && PyDict_SetItemString(builtins, name, value) == 0;
  Py_XDECREF(value);
  Py_XDECREF(constructor);
  Py_XDECREF(args);
  return ok;
}

// builtins.<name> = a _sitebuiltins._Printer of `text`. _Printer.__init__ imports os (a fifth
// of a bare start-up) to join the paths of license files there are none of here: the object
// is made without it, with the attributes __init__ would give it (name-mangled, as in the
// _sitebuiltins.py of the CPython linked in).
bool set_printer(PyObject* builtins, PyObject* sitebuiltins, const char* name, PyObject* text) {
  PyObject* type = PyObject_GetAttrString(sitebuiltins, "_Printer");
  PyObject* no_arguments = PyTuple_New(0);
  PyObject* printer = type && no_arguments && PyType_Check(type)
                          ? PyBaseObject_Type.tp_new(reinterpret_cast<PyTypeObject*>(type), no_arguments, nullptr)
                          : nullptr;
  PyObject* name_object = PyUnicode_FromString(name);
  PyObject* filenames = PyList_New(0);
  const bool ok = printer != nullptr && name_object != nullptr && filenames != nullptr && text != nullptr &&
                  PyObject_SetAttrString(printer, "_Printer__name", name_object) == 0 &&
                  PyObject_SetAttrString(printer, "_Printer__data", text) == 0 &&
                  PyObject_SetAttrString(printer, "_Printer__lines", Py_None) == 0 &&
                  PyObject_SetAttrString(printer, "_Printer__filenames", filenames) == 0 &&
                  PyDict_SetItemString(builtins, name, printer) == 0;
  Py_XDECREF(filenames);
  Py_XDECREF(name_object);
  Py_XDECREF(printer);
  Py_XDECREF(no_arguments);
  Py_XDECREF(type);
  Py_XDECREF(text);
  return ok;
}

}  // namespace

void install_site_builtins() {
  PyObject* builtins = PyEval_GetBuiltins();  // borrowed
  PyObject* sitebuiltins = PyImport_ImportModule("_sitebuiltins");
  PyObject* copyright = PySys_GetObject("copyright");  // borrowed
  if (builtins != nullptr && sitebuiltins != nullptr && copyright != nullptr) {
    // As site.py on POSIX. license() has no LICENSE file to page beside an embedded stdlib,
    // so it prints the address, as python's does when the file is missing.
    const char* eof = "Ctrl-D (i.e. EOF)";
    set_builtin(builtins, sitebuiltins, "exit", "Quitter", Py_BuildValue("(ss)", "exit", eof));
    set_builtin(builtins, sitebuiltins, "quit", "Quitter", Py_BuildValue("(ss)", "quit", eof));
    Py_INCREF(copyright);
    set_printer(builtins, sitebuiltins, "copyright", copyright);
    set_printer(builtins, sitebuiltins, "credits",
                PyUnicode_FromString("    Thanks to CWI, CNRI, BeOpen.com, Zope Corporation and a cast of thousands\n"
                                     "    for supporting Python development.  See www.python.org for more information."));
    set_printer(builtins, sitebuiltins, "license", PyUnicode_FromString("See https://www.python.org/psf/license/"));
    set_builtin(builtins, sitebuiltins, "help", "_Helper", PyTuple_New(0));
  }
  Py_XDECREF(sitebuiltins);
  PyErr_Clear();
}

}  // namespace freeze::launcher

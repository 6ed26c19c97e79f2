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
    set_builtin(builtins, sitebuiltins, "copyright", "_Printer", Py_BuildValue("(sO)", "copyright", copyright));
    set_builtin(builtins, sitebuiltins, "credits", "_Printer",
                Py_BuildValue("(ss)", "credits",
                              "    Thanks to CWI, CNRI, BeOpen.com, Zope Corporation and a cast of thousands\n"
                              "    for supporting Python development.  See www.python.org for more information."));
    set_builtin(builtins, sitebuiltins, "license", "_Printer",
                Py_BuildValue("(ss[][])", "license", "See https://www.python.org/psf/license/"));
    set_builtin(builtins, sitebuiltins, "help", "_Helper", PyTuple_New(0));
  }
  Py_XDECREF(sitebuiltins);
  PyErr_Clear();
}

}  // namespace freeze::launcher

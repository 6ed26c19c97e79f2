#define PY_SSIZE_T_CLEAN
#include "launcher/site_guard.h"

#include <Python.h>

#include "importer/importer_module.h"
#include "importer/python_ref.h"

namespace freeze::launcher {
namespace {

// guard_site() hides the paths beside the executable from site in each interpreter, and keeps
// them in that interpreter's own dictionary (PyInterpreterState_GetDict) until site is done.

constexpr const char* kHiddenKey = "freeze.site_hidden";  // (prefix, exec_prefix, executable)

// Puts back what guard_site() hid from site in this interpreter, and gives site.PREFIXES its
// python value. Deliberately never raises: it runs in the middle of site's import of
// sitecustomize, and what cannot be put back (no memory) only stays as site saw it.
void restore_site_paths() {
  PyObject* interpreter_dict = PyInterpreterState_GetDict(PyInterpreterState_Get());  // borrowed
  if (interpreter_dict == nullptr) return;
  PyObject* hidden = PyDict_GetItemString(interpreter_dict, kHiddenKey);  // borrowed
  if (hidden == nullptr || !PyTuple_Check(hidden) || PyTuple_GET_SIZE(hidden) != 3) return;
  const Ref keep = Ref::new_ref(hidden);  // the dict's reference goes next
  if (PyDict_DelItemString(interpreter_dict, kHiddenKey) < 0) PyErr_Clear();
  if (PySys_SetObject("prefix", PyTuple_GET_ITEM(hidden, 0)) < 0 ||
      PySys_SetObject("exec_prefix", PyTuple_GET_ITEM(hidden, 1)) < 0 ||
      PySys_SetObject("executable", PyTuple_GET_ITEM(hidden, 2)) < 0) {
    PyErr_Clear();
  }
  PyObject* modules = PySys_GetObject("modules");  // borrowed
  PyObject* site = modules ? PyDict_GetItemString(modules, "site") : nullptr;  // borrowed
  if (site == nullptr) return;
  const Ref prefixes(Py_BuildValue("[OO]", PyTuple_GET_ITEM(hidden, 0), PyTuple_GET_ITEM(hidden, 1)));
  if (!prefixes || PyObject_SetAttrString(site, "PREFIXES", prefixes.get()) < 0) PyErr_Clear();
}

// site looks up sitecustomize once its work on paths is done (see call_before_sitecustomize).
void restore_before_sitecustomize() {
  PyObject *type = nullptr, *value = nullptr, *traceback = nullptr;
  PyErr_Fetch(&type, &value, &traceback);
  restore_site_paths();
  PyErr_Restore(type, value, traceback);
}

// The embedded importer is part of this interpreter, as a builtin module: listed among the
// stdlib's names, so that a fatal error's "Extension modules:" line lists only the app's, as
// python's does.
void add_importer_to_stdlib_names() {
  PyObject* names = PySys_GetObject("stdlib_module_names");  // borrowed
  const Ref extended(names ? PyFrozenSet_New(names) : nullptr);
  const Ref importer(PyUnicode_FromString("_freeze_importer"));
  const bool ok = extended && importer && PySet_Add(extended.get(), importer.get()) == 0 &&
                  PySys_SetObject("stdlib_module_names", extended.get()) == 0;
  if (!ok) PyErr_Clear();  // deliberate: a fatal error's list of extension modules then names it too
}

}  // namespace

void guard_site() {
  // site would add <prefix>/lib/python3.11/site-packages & co. and run their .pth files, import
  // sitecustomize from them, and take a pyvenv.cfg beside or above sys.executable for a venv:
  // all files beside the executable. With empty prefixes site skips the first; an executable
  // path below the executable file itself (a regular file) leaves no pyvenv.cfg to find.
  PyObject* flags = PySys_GetObject("flags");  // borrowed
  const Ref no_site(flags ? PyObject_GetAttrString(flags, "no_site") : nullptr);
  const bool site_runs = no_site && PyObject_IsTrue(no_site.get()) == 0;
  PyErr_Clear();  // deliberate: unreadable sys.flags, as if site did not run
  PyObject* interpreter_dict = PyInterpreterState_GetDict(PyInterpreterState_Get());  // borrowed
  if (!site_runs || interpreter_dict == nullptr || PyDict_GetItemString(interpreter_dict, kHiddenKey) != nullptr) return;
  PyObject* prefix = PySys_GetObject("prefix");  // borrowed
  PyObject* exec_prefix = PySys_GetObject("exec_prefix");
  PyObject* executable = PySys_GetObject("executable");
  if (prefix == nullptr || exec_prefix == nullptr || executable == nullptr || !PyUnicode_Check(executable)) return;
  importer::call_before_sitecustomize(restore_before_sitecustomize);
  const Ref hidden(PyTuple_Pack(3, prefix, exec_prefix, executable));
  const Ref empty(PyUnicode_FromString(""));
  const Ref inside(PyUnicode_FromFormat("%U/-/-", executable));
  if (!hidden || !empty || !inside || PyDict_SetItemString(interpreter_dict, kHiddenKey, hidden.get()) < 0 ||
      PySys_SetObject("prefix", empty.get()) < 0 || PySys_SetObject("exec_prefix", empty.get()) < 0 ||
      PySys_SetObject("executable", inside.get()) < 0) {
    PyErr_Clear();  // deliberate: site then sees everything, as it would under python
    restore_site_paths();
  }
}

void after_initialisation() {
  add_importer_to_stdlib_names();
  restore_site_paths();  // if site did not get that far
}

}  // namespace freeze::launcher

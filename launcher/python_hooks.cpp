#define PY_SSIZE_T_CLEAN
#include "python_hooks.h"

#include <Python.h>
#include <marshal.h>

#include <string>
#include <string_view>

#include "freeze_hooks_bytecode.h"

namespace freeze::launcher {
namespace {

// The Python side (python/_freeze_hooks.py), compiled when the launcher is built and run into
// a private module the first time a hook needs it (an exception to print, a warning, linecache
// imported): nothing of it runs for a program that needs none, and no program compiles it.

PyObject* g_hooks = nullptr;  // the compiled module, once needed
std::string g_origin_dir;
PyObject* g_original_thread_excepthook = nullptr;
PyObject* g_original_unraisablehook = nullptr;
PyObject* g_original_excepthook = nullptr;

// CPython's "Did you mean" for NameError and AttributeError (Python/suggestions.c).
extern "C" PyObject* _Py_Offer_Suggestions(PyObject* exception);

PyObject* suggestion(PyObject*, PyObject* exception) {
  PyObject* hint = _Py_Offer_Suggestions(exception);
  if (hint == nullptr) {
    PyErr_Clear();
    Py_RETURN_NONE;
  }
  return hint;
}

PyMethodDef suggestion_def = {"suggestion", suggestion, METH_O, "The name CPython suggests for an exception, or None."};

PyObject* hooks_module() {
  if (g_hooks != nullptr) return g_hooks;
  PyObject* code = PyMarshal_ReadObjectFromString(reinterpret_cast<const char*>(kFreezeHooksBytecode),
                                                  sizeof kFreezeHooksBytecode);
  if (code == nullptr) return nullptr;
  PyObject* module = PyModule_New("_freeze_hooks");
  PyObject* globals = module ? PyModule_GetDict(module) : nullptr;  // borrowed
  bool ok = globals != nullptr && PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) == 0;
  PyObject* result = ok ? PyEval_EvalCode(code, globals, globals) : nullptr;
  Py_DECREF(code);
  ok = result != nullptr;
  Py_XDECREF(result);
  if (ok) {
    PyObject* origin = PyUnicode_DecodeFSDefault(g_origin_dir.c_str());
    ok = origin != nullptr && PyModule_AddObject(module, "ORIGIN", origin) == 0;
    if (!ok) Py_XDECREF(origin);
  }
  if (ok && g_original_thread_excepthook != nullptr) {
    ok = PyModule_AddObjectRef(module, "ORIGINAL_THREAD_EXCEPTHOOK", g_original_thread_excepthook) == 0;
  }
  if (ok && g_original_unraisablehook != nullptr) {
    ok = PyModule_AddObjectRef(module, "ORIGINAL_UNRAISABLEHOOK", g_original_unraisablehook) == 0;
  }
  if (ok && g_original_excepthook != nullptr) {
    ok = PyModule_AddObjectRef(module, "ORIGINAL_EXCEPTHOOK", g_original_excepthook) == 0;
  }
  if (ok) {
    PyObject* function = PyCFunction_NewEx(&suggestion_def, nullptr, nullptr);
    ok = function != nullptr && PyModule_AddObject(module, "suggestion", function) == 0;
    if (!ok) Py_XDECREF(function);
  }
  if (!ok) {
    Py_XDECREF(module);
    return nullptr;
  }
  g_hooks = module;
  return g_hooks;
}

// Calls the hook module's function `name` with the given arguments. The module belongs to the
// main interpreter: elsewhere this fails, and the callers use CPython's own hook.
PyObject* call_hook(const char* name, PyObject* const* args, Py_ssize_t nargs) {
  if (PyInterpreterState_Get() != PyInterpreterState_Main()) {
    PyErr_SetString(PyExc_RuntimeError, "freeze hooks run in the main interpreter only");
    return nullptr;
  }
  PyObject* module = hooks_module();
  PyObject* function = module ? PyObject_GetAttrString(module, name) : nullptr;
  if (function == nullptr) return nullptr;
  PyObject* result = PyObject_Vectorcall(function, args, static_cast<std::size_t>(nargs), nullptr);
  Py_DECREF(function);
  return result;
}

// pythonrun.c's flag that makes Py_RunMain end the process by SIGINT after an uncaught
// KeyboardInterrupt. Any eval(str) resets it (collections.namedtuple runs one when traceback
// is first imported), so the excepthook keeps it.
extern "C" int _Py_UnhandledKeyboardInterrupt;

PyObject* excepthook(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 3) {
    PyErr_SetString(PyExc_TypeError, "excepthook expects 3 arguments");
    return nullptr;
  }
  const int interrupted = _Py_UnhandledKeyboardInterrupt;
  PyObject* result = call_hook("excepthook", args, nargs);
  if (result == nullptr) {  // the plain C printer, as python's
    PyErr_Clear();
    PyErr_Display(args[0], args[1], args[2]);
    result = Py_NewRef(Py_None);
  }
  _Py_UnhandledKeyboardInterrupt = interrupted;
  return result;
}

PyObject* unraisablehook(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  PyObject* result = call_hook("unraisablehook", args, nargs);
  if (result == nullptr && nargs == 1) {  // the hooks could not even be compiled: CPython's
    PyErr_Clear();
    if (g_original_unraisablehook != nullptr) result = PyObject_CallOneArg(g_original_unraisablehook, args[0]);
  }
  return result;
}

PyObject* thread_excepthook(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  PyObject* result = call_hook("thread_excepthook", args, nargs);
  if (result == nullptr && nargs == 1 && g_original_thread_excepthook != nullptr) {
    PyErr_Clear();
    result = PyObject_CallOneArg(g_original_thread_excepthook, args[0]);
  }
  return result;
}

template <typename F>
PyCFunction as_cfunction(F function) {
  return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(function));
}

PyMethodDef excepthook_def = {"excepthook", as_cfunction(excepthook), METH_FASTCALL,
                              "Print an exception with source lines from embedded modules."};
PyMethodDef unraisablehook_def = {"unraisablehook", as_cfunction(unraisablehook), METH_FASTCALL,
                                  "Print an unraisable exception with source lines from embedded modules."};
PyMethodDef thread_excepthook_def = {"_excepthook", as_cfunction(thread_excepthook), METH_FASTCALL,
                                     "Print a thread's exception with source lines from embedded modules."};

// ---- the launcher's meta-path finder ----------------------------------------------------------
// It finds nothing itself. It sees two imports go by:
//  - linecache (main interpreter): adapts it once it has run (see _adapt_linecache);
//  - sitecustomize, which site imports last: the end of site's work at start-up, when the
//    paths hidden from site (guard_site below) are put back.

struct LauncherFinder {
  PyObject_HEAD
  PyObject* hidden;  // (prefix, exec_prefix, executable) hidden from site, or nullptr
  int adapt_linecache;
};

// Puts back what guard_site() hid from site, and gives site.PREFIXES its python value.
void restore_site_paths(LauncherFinder* finder) {
  if (finder->hidden == nullptr) return;
  PyObject* hidden = finder->hidden;
  finder->hidden = nullptr;
  if (PySys_SetObject("prefix", PyTuple_GET_ITEM(hidden, 0)) < 0 ||
      PySys_SetObject("exec_prefix", PyTuple_GET_ITEM(hidden, 1)) < 0 ||
      PySys_SetObject("executable", PyTuple_GET_ITEM(hidden, 2)) < 0) {
    PyErr_Clear();
  }
  PyObject* modules = PySys_GetObject("modules");  // borrowed
  PyObject* site = modules ? PyDict_GetItemString(modules, "site") : nullptr;  // borrowed
  PyObject* prefixes = PyList_New(2);
  if (site != nullptr && prefixes != nullptr) {
    PyList_SET_ITEM(prefixes, 0, Py_NewRef(PyTuple_GET_ITEM(hidden, 0)));
    PyList_SET_ITEM(prefixes, 1, Py_NewRef(PyTuple_GET_ITEM(hidden, 1)));
    if (PyObject_SetAttrString(site, "PREFIXES", prefixes) < 0) PyErr_Clear();
  }
  Py_XDECREF(prefixes);
  Py_DECREF(hidden);
}

PyObject* finder_find_spec(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs < 1 || nargs > 3) {
    PyErr_SetString(PyExc_TypeError, "find_spec(fullname, path=None, target=None)");
    return nullptr;
  }
  auto* finder = reinterpret_cast<LauncherFinder*>(self);
  if (!PyUnicode_Check(args[0])) Py_RETURN_NONE;
  if (finder->hidden != nullptr && PyUnicode_CompareWithASCIIString(args[0], "sitecustomize") == 0) {
    restore_site_paths(finder);
    Py_RETURN_NONE;
  }
  if (!finder->adapt_linecache || PyUnicode_CompareWithASCIIString(args[0], "linecache") != 0) Py_RETURN_NONE;
  PyObject* call_args[4] = {self, args[0], nargs > 1 ? args[1] : Py_None, nargs > 2 ? args[2] : Py_None};
  return call_hook("find_spec", call_args, 4);
}

PyObject* finder_invalidate_caches(PyObject*, PyObject*) { Py_RETURN_NONE; }

void finder_dealloc(PyObject* self) {
  Py_XDECREF(reinterpret_cast<LauncherFinder*>(self)->hidden);
  PyTypeObject* type = Py_TYPE(self);
  type->tp_free(self);
  Py_DECREF(type);
}

PyMethodDef finder_methods[] = {
    {"find_spec", as_cfunction(finder_find_spec), METH_FASTCALL, "Finds nothing; adapts linecache when it is imported."},
    {"invalidate_caches", finder_invalidate_caches, METH_NOARGS, "Nothing to invalidate."},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot finder_slots[] = {
    {Py_tp_doc, const_cast<char*>("Adapts linecache to the files a freeze executable serves from memory.")},
    {Py_tp_methods, finder_methods},
    {Py_tp_dealloc, reinterpret_cast<void*>(finder_dealloc)},
    {0, nullptr},
};

PyType_Spec finder_spec = {"_freeze_launcher.LauncherFinder", sizeof(LauncherFinder), 0, Py_TPFLAGS_DEFAULT,
                           finder_slots};

PyObject* g_finder_type = nullptr;  // created once, shared by the interpreters

// The launcher's finder of the current interpreter (borrowed), inserted just before the
// embedded importer if it is not on sys.meta_path yet.
LauncherFinder* launcher_finder() {
  PyObject* meta_path = PySys_GetObject("meta_path");  // borrowed
  if (meta_path == nullptr || !PyList_Check(meta_path)) return nullptr;
  Py_ssize_t position = PyList_GET_SIZE(meta_path);
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(meta_path); ++i) {
    PyObject* item = PyList_GET_ITEM(meta_path, i);
    if (g_finder_type != nullptr && Py_TYPE(item) == reinterpret_cast<PyTypeObject*>(g_finder_type)) {
      return reinterpret_cast<LauncherFinder*>(item);
    }
    if (position == PyList_GET_SIZE(meta_path) &&
        std::string_view(Py_TYPE(item)->tp_name) == "_freeze_importer.FreezeImporter") {
      position = i;
    }
  }
  if (g_finder_type == nullptr) g_finder_type = PyType_FromSpec(&finder_spec);
  auto* finder = g_finder_type ? PyObject_New(LauncherFinder, reinterpret_cast<PyTypeObject*>(g_finder_type)) : nullptr;
  if (finder == nullptr) {
    PyErr_Clear();
    return nullptr;
  }
  finder->hidden = nullptr;
  finder->adapt_linecache = PyInterpreterState_Get() == PyInterpreterState_Main();
  const bool ok = PyList_Insert(meta_path, position, reinterpret_cast<PyObject*>(finder)) == 0;
  Py_DECREF(finder);  // the list holds it
  if (!ok) {
    PyErr_Clear();
    return nullptr;
  }
  return finder;
}

// `module_name`: the hook's __module__, as the C hook it replaces has it.
// Sets target.name (sys.name if target is null, and sys.__name__ too, the value that code
// restoring the default hook uses) to a new hook. `module_name`: its __module__, as the hook it
// replaces has it.
void set_hook(PyObject* target_module, const char* name, PyMethodDef* def, const char* module_name) {
  PyObject* module = PyUnicode_FromString(module_name);
  PyObject* hook = module ? PyCFunction_NewEx(def, nullptr, module) : nullptr;
  Py_XDECREF(module);
  bool ok = hook != nullptr;
  if (ok && target_module == nullptr) {
    const std::string dunder = std::string("__") + name + "__";
    ok = PySys_SetObject(name, hook) == 0 && PySys_SetObject(dunder.c_str(), hook) == 0;
  } else if (ok) {
    ok = PyObject_SetAttrString(target_module, name, hook) == 0;
  }
  if (!ok) PyErr_Clear();
  Py_XDECREF(hook);
}



// The embedded importer is part of this interpreter, as a builtin module: listed among the
// stdlib's names, so that a fatal error's "Extension modules:" line lists only the app's, as
// python's does.
void add_importer_to_stdlib_names() {
  PyObject* names = PySys_GetObject("stdlib_module_names");  // borrowed
  PyObject* extended = names ? PyFrozenSet_New(names) : nullptr;
  PyObject* importer = PyUnicode_FromString("_freeze_importer");
  const bool ok = extended && importer && PySet_Add(extended, importer) == 0 &&
                  PySys_SetObject("stdlib_module_names", extended) == 0;
  if (!ok) PyErr_Clear();
  Py_XDECREF(importer);
  Py_XDECREF(extended);
}

}  // namespace

void guard_site() {
  // site would add <prefix>/lib/python3.11/site-packages & co. and run their .pth files, import
  // sitecustomize from them, and take a pyvenv.cfg beside or above sys.executable for a venv:
  // all files beside the executable. With empty prefixes site skips the first; an executable
  // path below the executable file itself (a regular file) leaves no pyvenv.cfg to find.
  LauncherFinder* finder = launcher_finder();
  PyObject* flags = PySys_GetObject("flags");  // borrowed
  PyObject* no_site = flags ? PyObject_GetAttrString(flags, "no_site") : nullptr;
  const bool site_runs = no_site != nullptr && PyObject_IsTrue(no_site) == 0;
  Py_XDECREF(no_site);
  PyErr_Clear();
  if (finder == nullptr || !site_runs || finder->hidden != nullptr) return;
  PyObject* prefix = PySys_GetObject("prefix");  // borrowed
  PyObject* exec_prefix = PySys_GetObject("exec_prefix");
  PyObject* executable = PySys_GetObject("executable");
  if (prefix == nullptr || exec_prefix == nullptr || executable == nullptr || !PyUnicode_Check(executable)) return;
  PyObject* hidden = PyTuple_Pack(3, prefix, exec_prefix, executable);
  PyObject* empty = PyUnicode_FromString("");
  PyObject* inside = PyUnicode_FromFormat("%U/-/-", executable);
  if (hidden && empty && inside && PySys_SetObject("prefix", empty) == 0 && PySys_SetObject("exec_prefix", empty) == 0 &&
      PySys_SetObject("executable", inside) == 0) {
    finder->hidden = Py_NewRef(hidden);
  } else {
    PyErr_Clear();
  }
  Py_XDECREF(inside);
  Py_XDECREF(empty);
  Py_XDECREF(hidden);
}

void install_python_hooks(const std::string& origin_dir) {
  g_origin_dir = origin_dir;
  add_importer_to_stdlib_names();
  g_original_unraisablehook = PySys_GetObject("unraisablehook");  // borrowed, kept
  Py_XINCREF(g_original_unraisablehook);
  g_original_excepthook = PySys_GetObject("excepthook");
  Py_XINCREF(g_original_excepthook);
  set_hook(nullptr, "excepthook", &excepthook_def, "sys");
  set_hook(nullptr, "unraisablehook", &unraisablehook_def, "sys");
  // threading takes its excepthook from _thread when it is first imported.
  if (PyObject* thread = PyImport_ImportModule("_thread")) {
    g_original_thread_excepthook = PyObject_GetAttrString(thread, "_excepthook");
    if (g_original_thread_excepthook != nullptr) set_hook(thread, "_excepthook", &thread_excepthook_def, "_thread");
    Py_DECREF(thread);
  }
  PyErr_Clear();
  if (LauncherFinder* finder = launcher_finder()) restore_site_paths(finder);  // if site did not get that far
}

}  // namespace freeze::launcher

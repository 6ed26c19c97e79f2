#define PY_SSIZE_T_CLEAN
#include "launcher/python_hooks.h"

#include <Python.h>
#include <string>
#include <utility>

#include "freeze_hooks_bytecode.h"
#include "importer/importer_module.h"
#include "importer/python_ref.h"
#include "importer/runtime_module.h"
#include "launcher/keyboard_interrupt_flag.h"

namespace freeze::launcher {
namespace {

// The Python side (python/_freeze_hooks.py), a runtime module (importer/runtime_module.h) run
// into a private module the first time a hook needs it (an exception to print): nothing of it
// runs for a program that needs none, and no program compiles it. Private, not imported: the
// hooks also run at exit, when the import system may be gone.
constexpr importer::RuntimeModule kHooksModule = {"_freeze_hooks", kFreezeHooksBytecode};

// The module once run, and CPython's own hooks: references kept for the process's life (the
// hooks run until the interpreter is finalised).
PyObject* g_hooks = nullptr;
std::string g_origin_dir;
PyObject* g_original_thread_excepthook = nullptr;
PyObject* g_original_unraisablehook = nullptr;
PyObject* g_original_excepthook = nullptr;

#if PY_VERSION_HEX < 0x030C0000
// CPython's "Did you mean" for NameError and AttributeError (Python/suggestions.c).
extern "C" PyObject* _Py_Offer_Suggestions(PyObject* exception);

PyObject* suggestion(PyObject*, PyObject* exception) {
  PyObject* hint = _Py_Offer_Suggestions(exception);
  if (hint == nullptr) {
    PyErr_Clear();  // deliberate: an exception it cannot read has no suggestion, as in CPython's printer
    Py_RETURN_NONE;
  }
  return hint;
}
#else
// From 3.12 the traceback module computes "Did you mean" itself (and CPython no longer has
// _Py_Offer_Suggestions): nothing to add.
PyObject* suggestion(PyObject*, PyObject*) { Py_RETURN_NONE; }
#endif

PyMethodDef suggestion_def = {"suggestion", suggestion, METH_O, "The name CPython suggests for an exception, or None."};

// The hook module (borrowed), or nullptr with an error set.
PyObject* hooks_module() {
  if (g_hooks != nullptr) return g_hooks;
  Ref module(importer::run_private_module(kHooksModule));
  const Ref origin(module ? PyUnicode_DecodeFSDefault(g_origin_dir.c_str()) : nullptr);
  const Ref suggestion_function(origin ? PyCFunction_NewEx(&suggestion_def, nullptr, nullptr) : nullptr);
  if (!suggestion_function || PyModule_AddObjectRef(module.get(), "ORIGIN", origin.get()) < 0 ||
      PyModule_AddObjectRef(module.get(), "suggestion", suggestion_function.get()) < 0) {
    return nullptr;
  }
  for (const auto& [name, hook] : {std::pair{"ORIGINAL_THREAD_EXCEPTHOOK", g_original_thread_excepthook},
                                   std::pair{"ORIGINAL_UNRAISABLEHOOK", g_original_unraisablehook},
                                   std::pair{"ORIGINAL_EXCEPTHOOK", g_original_excepthook}}) {
    if (hook != nullptr && PyModule_AddObjectRef(module.get(), name, hook) < 0) return nullptr;
  }
  g_hooks = module.release();
  return g_hooks;
}

// Calls the hook module's function `name` with the given arguments. The module belongs to the
// main interpreter: elsewhere this fails, and the callers use CPython's own hook.
PyObject* call_hook(const char* name, PyObject* const* args, Py_ssize_t nargs) {
  if (PyInterpreterState_Get() != PyInterpreterState_Main()) {
    PyErr_SetString(PyExc_RuntimeError, "freeze hooks run in the main interpreter only");
    return nullptr;
  }
  PyObject* module = hooks_module();  // borrowed
  const Ref function(module ? PyObject_GetAttrString(module, name) : nullptr);
  return function ? PyObject_Vectorcall(function.get(), args, static_cast<std::size_t>(nargs), nullptr) : nullptr;
}


PyObject* excepthook(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 3) {
    PyErr_SetString(PyExc_TypeError, "excepthook expects 3 arguments");
    return nullptr;
  }
  // pythonrun.c's flag that makes Py_RunMain end the process by SIGINT after an uncaught
  // KeyboardInterrupt. Any eval(str) resets it (collections.namedtuple runs one when traceback
  // is first imported), so the excepthook keeps it.
  const int interrupted = freeze_unhandled_keyboard_interrupt();
  PyObject* result = call_hook("excepthook", args, nargs);
  if (result == nullptr) {  // the plain C printer, as python's
    PyErr_Clear();  // deliberate: the exception to print matters, not why the hooks failed
    PyErr_Display(args[0], args[1], args[2]);
    result = Py_NewRef(Py_None);
  }
  freeze_set_unhandled_keyboard_interrupt(interrupted);
  return result;
}

PyObject* unraisablehook(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  PyObject* result = call_hook("unraisablehook", args, nargs);
  if (result == nullptr && nargs == 1) {  // the hooks could not even be compiled: CPython's
    PyErr_Clear();  // deliberate: as in excepthook
    if (g_original_unraisablehook != nullptr) result = PyObject_CallOneArg(g_original_unraisablehook, args[0]);
  }
  return result;
}

PyObject* thread_excepthook(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  PyObject* result = call_hook("thread_excepthook", args, nargs);
  if (result == nullptr && nargs == 1 && g_original_thread_excepthook != nullptr) {
    PyErr_Clear();  // deliberate: as in excepthook
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

// ---- what site must not see ------------------------------------------------------------------
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

// Sets target.name (sys.name if target is null, and sys.__name__ too, the value that code
// restoring the default hook uses) to a new hook. `module_name`: its __module__, as the hook it
// replaces has it.
void set_hook(PyObject* target_module, const char* name, PyMethodDef* def, const char* module_name) {
  const Ref module(PyUnicode_FromString(module_name));
  const Ref hook(module ? PyCFunction_NewEx(def, nullptr, module.get()) : nullptr);
  bool ok = static_cast<bool>(hook);
  if (ok && target_module == nullptr) {
    const std::string dunder = std::string("__") + name + "__";
    ok = PySys_SetObject(name, hook.get()) == 0 && PySys_SetObject(dunder.c_str(), hook.get()) == 0;
  } else if (ok) {
    ok = PyObject_SetAttrString(target_module, name, hook.get()) == 0;
  }
  if (!ok) PyErr_Clear();  // deliberate: CPython's hook stays, which prints without embedded source lines
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

void install_python_hooks(const std::string& origin_dir) {
  g_origin_dir = origin_dir;
  add_importer_to_stdlib_names();
  g_original_unraisablehook = Py_XNewRef(PySys_GetObject("unraisablehook"));  // kept
  g_original_excepthook = Py_XNewRef(PySys_GetObject("excepthook"));
  set_hook(nullptr, "excepthook", &excepthook_def, "sys");
  set_hook(nullptr, "unraisablehook", &unraisablehook_def, "sys");
  // threading takes its excepthook from _thread when it is first imported.
  const Ref thread(PyImport_ImportModule("_thread"));
  g_original_thread_excepthook = thread ? PyObject_GetAttrString(thread.get(), "_excepthook") : nullptr;  // kept
  if (g_original_thread_excepthook != nullptr) set_hook(thread.get(), "_excepthook", &thread_excepthook_def, "_thread");
  PyErr_Clear();  // deliberate: without _thread's hook, threads print as CPython's does
  restore_site_paths();  // if site did not get that far
}

}  // namespace freeze::launcher

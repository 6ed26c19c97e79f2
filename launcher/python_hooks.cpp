#define PY_SSIZE_T_CLEAN
#include "python_hooks.h"

#include <Python.h>

#include <string>
#include <string_view>

namespace freeze::launcher {
namespace {

// The Python side, compiled into a private module the first time a hook needs it (an exception
// to print, a warning, linecache imported): nothing of it runs for a program that needs none.
constexpr const char* kHooksSource = R"PY(
import sys

ORIGIN = None                      # the executable's directory, set by the launcher
ORIGINAL_EXCEPTHOOK = None         # CPython's own hooks, set by the launcher
ORIGINAL_THREAD_EXCEPTHOOK = None
ORIGINAL_UNRAISABLEHOOK = None
suggestion = None                  # the "Did you mean" of CPython's printer, set by the launcher


def _embedded_source(exc, traceback_=None):
    """Whether a traceback in exc's chain runs through a file that only the embedded importer can
    show (it is not on disk): CPython's C printer would print no source line for it."""
    import os
    prefix = ORIGIN.rstrip("/") + "/"
    seen = set()
    pending = [(exc, traceback_ if traceback_ is not None else getattr(exc, "__traceback__", None))]
    while pending:
        exc, tb = pending.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if filename.startswith(prefix) and not os.path.exists(filename):
                return True
            tb = tb.tb_next
        if isinstance(exc, BaseException):
            for linked in (exc.__cause__, exc.__context__, *(getattr(exc, "exceptions", None) or ())):
                if isinstance(linked, BaseException):
                    pending.append((linked, linked.__traceback__))
    return False


def _limit():
    # sys.tracebacklimit as CPython's C printer reads it: the innermost N entries, none (and no
    # "Traceback" header) if N <= 0. traceback's own reading of it keeps the outermost ones.
    limit = getattr(sys, "tracebacklimit", None)
    if not isinstance(limit, int):
        return None
    if limit <= 0:
        return 0
    return -limit if limit < sys.maxsize else None


def _add_suggestions(te, exc, seen):
    # CPython's printer adds ". Did you mean: 'x'?" to NameError and AttributeError; 3.11's
    # traceback module does not.
    while te is not None and isinstance(exc, BaseException) and id(exc) not in seen:
        seen.add(id(exc))
        hint = suggestion(exc)
        if hint is not None:
            te._str = f"{te._str}. Did you mean: '{hint}'?"
        for t, e in zip(te.exceptions or (), getattr(exc, "exceptions", None) or ()):
            _add_suggestions(t, e, seen)
        _add_suggestions(te.__context__, exc.__context__, seen)
        te, exc = te.__cause__, exc.__cause__


def _format(exc_type, exc_value, exc_traceback):
    import traceback
    te = traceback.TracebackException(exc_type, exc_value, exc_traceback, limit=_limit(), compact=True)
    _add_suggestions(te, exc_value, set())
    return "".join(te.format(chain=True))


def excepthook(exc_type, exc_value, exc_traceback, /):
    """sys.excepthook: CPython's own, unless the traceback goes through embedded modules; then
    the same output through `traceback`, which gets their source lines from the importer."""
    if (sys.stderr is None or not isinstance(exc_value, BaseException)
            or not _embedded_source(exc_value, exc_traceback)):
        return ORIGINAL_EXCEPTHOOK(exc_type, exc_value, exc_traceback)
    sys.stderr.write(_format(exc_type, exc_value, exc_traceback))


def unraisablehook(unraisable, /):
    """sys.unraisablehook: CPython's own, unless the traceback goes through embedded modules."""
    file = sys.stderr
    if (file is None or unraisable.exc_traceback is None
            or not _embedded_source(unraisable.exc_value, unraisable.exc_traceback)):
        return ORIGINAL_UNRAISABLEHOOK(unraisable)
    try:
        import traceback
        lines = []
        obj, message = unraisable.object, unraisable.err_msg
        if obj is not None:
            try:
                text = repr(obj)
            except Exception:
                text = "<object repr() failed>"
            lines.append(f"{message if message is not None else 'Exception ignored in'}: {text}\n")
        elif message is not None:
            lines.append(f"{message}:\n")
        limit = _limit()
        if limit != 0:
            lines.append("Traceback (most recent call last):\n")
            lines.extend(traceback.format_tb(unraisable.exc_traceback, limit=limit))
        exc_type = unraisable.exc_type
        if exc_type is not None:
            module = getattr(exc_type, "__module__", None)
            qualname = getattr(exc_type, "__qualname__", None)
            if not isinstance(module, str):
                name = "<unknown>"
            else:
                name = "" if module in ("builtins", "__main__") else module + "."
            name += qualname if isinstance(qualname, str) else "<unknown>"
            if unraisable.exc_value is not None:
                try:
                    name += f": {unraisable.exc_value}"
                except Exception:
                    name += ": <exception str() failed>"
            lines.append(name + "\n")
    except BaseException:
        return ORIGINAL_UNRAISABLEHOOK(unraisable)
    file.write("".join(lines))
    file.flush()


def thread_excepthook(args, /):
    """threading.excepthook: CPython's own, unless the traceback goes through embedded modules."""
    if (args.exc_type is SystemExit or not isinstance(args.exc_value, BaseException)
            or not _embedded_source(args.exc_value, args.exc_traceback)):
        return ORIGINAL_THREAD_EXCEPTHOOK(args)
    file = sys.stderr
    if file is None:
        if args.thread is None:
            return
        file = args.thread._stderr
        if file is None:
            return
    try:
        name = None
        if args.thread is not None:
            try:
                name = args.thread.name
            except Exception:
                pass
        if name is None:
            import _thread
            name = _thread.get_ident()
        text = _format(args.exc_type, args.exc_value, args.exc_traceback)
    except BaseException:
        return ORIGINAL_THREAD_EXCEPTHOOK(args)
    print(f"Exception in thread {name}:", file=file, flush=True)
    file.write(text)
    file.flush()


class _AdaptingLoader:
    """Runs linecache with its own loader, then adapts it (see _adapt_linecache)."""

    def __init__(self, loader):
        self._loader = loader

    def __getattr__(self, name):
        return getattr(self._loader, name)

    def create_module(self, spec):
        create = getattr(self._loader, "create_module", None)
        return None if create is None else create(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        try:
            _adapt_linecache(module)
        except Exception:
            pass


def _adapt_linecache(linecache):
    # linecache.getline(filename) with no module globals only reads files. For a file the
    # executable serves from memory (<exe dir>/pkg/mod.py), give it the module's name and the
    # embedded loader, as a traceback would: warnings, tracemalloc and pdb then show the lines.
    embedded = next((f for f in sys.meta_path if type(f).__name__ == "FreezeImporter"), None)
    if embedded is None or not ORIGIN:
        return
    prefix = ORIGIN.rstrip("/") + "/"
    updatecache = linecache.updatecache

    def embedded_updatecache(filename, module_globals=None):
        if not module_globals and isinstance(filename, str) and filename.startswith(prefix) and filename.endswith(".py"):
            parts = filename[len(prefix):-3].split("/")
            if parts[-1] == "__init__":
                parts.pop()
            if parts and all(part.isidentifier() for part in parts):
                module_globals = {"__name__": ".".join(parts), "__loader__": embedded}
        return updatecache(filename, module_globals)

    embedded_updatecache.__name__ = updatecache.__name__
    embedded_updatecache.__qualname__ = updatecache.__qualname__
    embedded_updatecache.__doc__ = updatecache.__doc__
    embedded_updatecache.__wrapped__ = updatecache
    linecache.updatecache = embedded_updatecache


def find_spec(finder, name, path=None, target=None):
    """The spec the other finders give linecache, with a loader that adapts it after running it."""
    for other in sys.meta_path:
        if other is finder:
            continue
        find = getattr(other, "find_spec", None)
        if find is None:
            continue
        spec = find(name, path, target)
        if spec is not None:
            if spec.loader is not None and getattr(spec.loader, "exec_module", None) is not None:
                spec.loader = _AdaptingLoader(spec.loader)
            return spec
    return None
)PY";

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
  PyObject* code = Py_CompileString(kHooksSource, "<freeze hooks>", Py_file_input);
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

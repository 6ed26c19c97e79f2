#define PY_SSIZE_T_CLEAN
#include "python_hooks.h"

#include <Python.h>

#include <string_view>

namespace freeze::launcher {
namespace {

// The Python side, compiled into a private module the first time a hook needs it (an exception
// to print, a warning, linecache imported): nothing of it runs for a program that needs none.
constexpr const char* kHooksSource = R"PY(
import sys

ORIGIN = None                      # the executable's directory, set by the launcher
ORIGINAL_THREAD_EXCEPTHOOK = None  # _thread._excepthook as CPython made it


def _limit():
    # sys.tracebacklimit as CPython's C printer reads it: the innermost N entries, none (and no
    # "Traceback" header) if N <= 0. traceback's own reading of it keeps the outermost ones.
    limit = getattr(sys, "tracebacklimit", None)
    if not isinstance(limit, int):
        return None
    if limit <= 0:
        return 0
    return -limit if limit < sys.maxsize else None


def excepthook(exc_type, exc_value, exc_traceback, /):
    """sys.excepthook: CPython's default output, with source lines from embedded modules."""
    if sys.stderr is None:
        return
    import traceback
    traceback.print_exception(exc_type, exc_value, exc_traceback, limit=_limit())


def unraisablehook(unraisable, /):
    """sys.unraisablehook: CPython's default output, with source lines from embedded modules."""
    file = sys.stderr
    if file is None:
        return
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
        if unraisable.exc_traceback is not None:
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
        return sys.__unraisablehook__(unraisable)
    file.write("".join(lines))
    file.flush()


def thread_excepthook(args, /):
    """threading.excepthook: CPython's default output, with source lines from embedded modules."""
    if args.exc_type is SystemExit:
        return
    file = sys.stderr
    if file is None:
        if args.thread is None:
            return
        file = args.thread._stderr
        if file is None:
            return
    try:
        import traceback
        name = None
        if args.thread is not None:
            try:
                name = args.thread.name
            except Exception:
                pass
        if name is None:
            import _thread
            name = _thread.get_ident()
        text = "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback, limit=_limit()))
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
  if (!ok) {
    Py_XDECREF(module);
    return nullptr;
  }
  g_hooks = module;
  return g_hooks;
}

// Calls the hook module's function `name` with the given arguments.
PyObject* call_hook(const char* name, PyObject* const* args, Py_ssize_t nargs) {
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
    PyObject* original = PySys_GetObject("__unraisablehook__");  // borrowed
    if (original != nullptr) result = PyObject_CallOneArg(original, args[0]);
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

// ---- the meta-path finder that adapts linecache ----------------------------------------------

struct LinecacheFinder {
  PyObject_HEAD
};

PyObject* finder_find_spec(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs < 1 || nargs > 3) {
    PyErr_SetString(PyExc_TypeError, "find_spec(fullname, path=None, target=None)");
    return nullptr;
  }
  if (!PyUnicode_Check(args[0]) || PyUnicode_CompareWithASCIIString(args[0], "linecache") != 0) Py_RETURN_NONE;
  PyObject* call_args[4] = {self, args[0], nargs > 1 ? args[1] : Py_None, nargs > 2 ? args[2] : Py_None};
  return call_hook("find_spec", call_args, 4);
}

PyObject* finder_invalidate_caches(PyObject*, PyObject*) { Py_RETURN_NONE; }

PyMethodDef finder_methods[] = {
    {"find_spec", as_cfunction(finder_find_spec), METH_FASTCALL, "The spec of linecache, adapted to embedded files."},
    {"invalidate_caches", finder_invalidate_caches, METH_NOARGS, "Nothing to invalidate."},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot finder_slots[] = {
    {Py_tp_doc, const_cast<char*>("Adapts linecache to the files a freeze executable serves from memory.")},
    {Py_tp_methods, finder_methods},
    {0, nullptr},
};

PyType_Spec finder_spec = {"_freeze_launcher.LinecacheFinder", sizeof(LinecacheFinder), 0, Py_TPFLAGS_DEFAULT,
                           finder_slots};

void set_hook(PyObject* target_module, const char* name, PyMethodDef* def) {
  PyObject* hook = PyCFunction_New(def, nullptr);
  const bool ok = hook != nullptr && (target_module == nullptr ? PySys_SetObject(name, hook) == 0
                                                              : PyObject_SetAttrString(target_module, name, hook) == 0);
  if (!ok) PyErr_Clear();
  Py_XDECREF(hook);
}

void install_linecache_finder() {
  PyObject* type = PyType_FromSpec(&finder_spec);
  PyObject* finder = type ? PyObject_CallNoArgs(type) : nullptr;
  Py_XDECREF(type);
  PyObject* meta_path = PySys_GetObject("meta_path");  // borrowed
  if (finder == nullptr || meta_path == nullptr || !PyList_Check(meta_path)) {
    PyErr_Clear();
    Py_XDECREF(finder);
    return;
  }
  // Just before the embedded importer: after the builtin and frozen importers, as the
  // importer itself is.
  Py_ssize_t position = PyList_GET_SIZE(meta_path);
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(meta_path); ++i) {
    if (std::string_view(Py_TYPE(PyList_GET_ITEM(meta_path, i))->tp_name) == "_freeze_importer.FreezeImporter") {
      position = i;
      break;
    }
  }
  if (PyList_Insert(meta_path, position, finder) < 0) PyErr_Clear();
  Py_DECREF(finder);
}

}  // namespace

void install_python_hooks(const std::string& origin_dir) {
  g_origin_dir = origin_dir;
  set_hook(nullptr, "excepthook", &excepthook_def);
  set_hook(nullptr, "unraisablehook", &unraisablehook_def);
  // threading takes its excepthook from _thread when it is first imported.
  if (PyObject* thread = PyImport_ImportModule("_thread")) {
    g_original_thread_excepthook = PyObject_GetAttrString(thread, "_excepthook");
    if (g_original_thread_excepthook != nullptr) set_hook(thread, "_excepthook", &thread_excepthook_def);
    Py_DECREF(thread);
  }
  PyErr_Clear();
  install_linecache_finder();
}

}  // namespace freeze::launcher

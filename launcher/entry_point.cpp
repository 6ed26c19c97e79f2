#define PY_SSIZE_T_CLEAN
#include "launcher/entry_point.h"
#include "launcher/main_module.h"

#include <Python.h>

#include <signal.h>
#include <unistd.h>

#include <string>
#include <string_view>

namespace freeze::launcher {
namespace {

// Imports `module`, resolves the dotted attribute path `function` and calls it. Its return
// value becomes the exit status as with sys.exit(): raised as SystemExit unless None.
PyObject* call_function(const std::string& module, const std::string& function) {
  PyObject* target = PyImport_ImportModule(module.c_str());
  std::string_view rest = function;
  while (target != nullptr && !rest.empty()) {
    const auto dot = rest.find('.');
    const std::string part(rest.substr(0, dot));
    rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
    Py_SETREF(target, PyObject_GetAttrString(target, part.c_str()));
  }
  if (target == nullptr) return nullptr;
  PyObject* result = PyObject_CallNoArgs(target);
  Py_DECREF(target);
  if (result != nullptr && result != Py_None) {
    PyErr_SetObject(PyExc_SystemExit, result);
    Py_CLEAR(result);
  }
  return result;
}

PyObject* run_code(const std::string& code, const char* filename, int optimize) {
  PyObject* main_module = PyImport_AddModule("__main__");  // borrowed
  if (main_module == nullptr) return nullptr;
  PyObject* globals = PyModule_GetDict(main_module);
  PyObject* compiled = Py_CompileStringExFlags(code.c_str(), filename, Py_file_input, nullptr, optimize);
  if (compiled == nullptr) return nullptr;
  PyObject* result = PyEval_EvalCode(compiled, globals, globals);
  Py_DECREF(compiled);
  return result;
}

// The exit status python gives an uncaught SystemExit: None -> 0, an int -> itself, anything
// else is printed to stderr -> 1.
int system_exit_status() {
  PyObject *type = nullptr, *value = nullptr, *traceback = nullptr;
  PyErr_Fetch(&type, &value, &traceback);
  PyErr_NormalizeException(&type, &value, &traceback);
  PyObject* code = value ? PyObject_GetAttrString(value, "code") : nullptr;
  PyErr_Clear();
  int status = 0;
  if (code == nullptr || code == Py_None) {
    status = 0;
  } else if (PyLong_Check(code)) {
    status = static_cast<int>(PyLong_AsLong(code));
    if (PyErr_Occurred()) {
      PyErr_Clear();
      status = -1;
    }
  } else {
    PyObject* out = PySys_GetObject("stderr");  // borrowed
    PyObject* flush = PySys_GetObject("stdout");
    if (flush != nullptr && flush != Py_None) Py_XDECREF(PyObject_CallMethod(flush, "flush", nullptr));
    PyErr_Clear();
    if (out != nullptr && out != Py_None && PyFile_WriteObject(code, out, Py_PRINT_RAW) == 0) {
      PyFile_WriteString("\n", out);
    } else {
      PyErr_Clear();
      PyObject_Print(code, stderr, Py_PRINT_RAW);
      std::fputc('\n', stderr);
    }
    PyErr_Clear();
    status = 1;
  }
  Py_XDECREF(code);
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(traceback);
  return status;
}

}  // namespace

int run(const blob::LaunchSettings& settings, const Invocation& invocation) {
  if (PySys_SetObject("frozen", Py_True) < 0) PyErr_Clear();
  if (invocation.kind == RunKind::PythonCommandLine) return Py_RunMain();  // finalises, as python

  PyObject* result = nullptr;
  if (invocation.kind == RunKind::SpawnChild) {
    result = run_code(invocation.code, "<string>", settings.optimize);
  } else if (!settings.entry_code.empty()) {
    result = run_code(settings.entry_code, "<app.code>", settings.optimize);
  } else if (settings.entry_function.empty()) {
    result = run_module_as_main(settings.entry_module);
  } else {
    result = call_function(settings.entry_module, settings.entry_function);
  }

  int status = 0;
  bool interrupted = false;
  if (result == nullptr) {
    if (PyErr_ExceptionMatches(PyExc_SystemExit)) {
      status = system_exit_status();
    } else {
      interrupted = PyErr_ExceptionMatches(PyExc_KeyboardInterrupt);
      PyErr_Print();
      status = 1;
    }
  }
  Py_XDECREF(result);

  if (Py_FinalizeEx() < 0) status = 120;  // python's status when flushing stdout fails
  if (interrupted) {
    // Die by SIGINT so that the parent (a shell: status 130) knows we were interrupted.
    signal(SIGINT, SIG_DFL);
    kill(getpid(), SIGINT);
    status = 128 + SIGINT;
  }
  return status;
}

}  // namespace freeze::launcher

#define PY_SSIZE_T_CLEAN
#include "launcher/entry_point.h"
#include "launcher/main_module.h"

#include <Python.h>

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "importer/python_ref.h"

namespace freeze::launcher {
namespace {

// Imports `module`, resolves the dotted attribute path `function` and calls it. Its return
// value becomes the exit status as with sys.exit(): raised as SystemExit unless None.
PyObject* call_function(const std::string& module, const std::string& function) {
  Ref target(PyImport_ImportModule(module.c_str()));
  std::string_view rest = function;
  while (target && !rest.empty()) {
    const auto dot = rest.find('.');
    const std::string part(rest.substr(0, dot));
    rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
    target.reset(PyObject_GetAttrString(target.get(), part.c_str()));
  }
  Ref result(target ? PyObject_CallNoArgs(target.get()) : nullptr);
  if (result && result.get() != Py_None) {
    PyErr_SetObject(PyExc_SystemExit, result.get());
    return nullptr;
  }
  return result.release();
}

PyObject* run_code(const std::string& code, const char* filename, int optimize) {
  PyObject* main_module = PyImport_AddModule("__main__");  // borrowed
  if (main_module == nullptr) return nullptr;
  PyObject* globals = PyModule_GetDict(main_module);  // borrowed
  const Ref compiled(Py_CompileStringExFlags(code.c_str(), filename, Py_file_input, nullptr, optimize));
  return compiled ? PyEval_EvalCode(compiled.get(), globals, globals) : nullptr;
}

// What the invocation runs: the entry point, app.code, or multiprocessing's spawn child. New
// reference, or nullptr with the exception set.
PyObject* run_entry(const blob::LaunchSettings& settings, const Invocation& invocation) {
  if (invocation.kind == RunKind::SpawnChild) return run_code(invocation.code, "<string>", settings.optimize);
  if (!settings.entry_code.empty()) return run_code(settings.entry_code, "<app.code>", settings.optimize);
  if (settings.entry_function.empty()) return run_module_as_main(settings.entry_module);
  return call_function(settings.entry_module, settings.entry_function);
}

// A SystemExit's code that is neither None nor an int, printed as python prints it: to
// sys.stderr after flushing sys.stdout, else to C's stderr. Errors of printing are dropped, as
// python's are: the process is exiting, and the status is 1 whatever happens here.
void print_exit_message(PyObject* code) {
  PyObject* stdout_file = PySys_GetObject("stdout");  // borrowed
  if (stdout_file != nullptr && stdout_file != Py_None) Ref(PyObject_CallMethod(stdout_file, "flush", nullptr));
  PyErr_Clear();  // deliberate (above)
  PyObject* out = PySys_GetObject("stderr");  // borrowed, after the flush (which runs Python code)
  if (out != nullptr && out != Py_None && PyFile_WriteObject(code, out, Py_PRINT_RAW) == 0) {
    PyFile_WriteString("\n", out);
  } else {
    PyErr_Clear();  // deliberate (above)
    PyObject_Print(code, stderr, Py_PRINT_RAW);
    std::fputc('\n', stderr);
  }
  PyErr_Clear();  // deliberate (above)
}

// The exit status python gives an uncaught SystemExit: None -> 0, an int -> itself, anything
// else is printed to stderr -> 1.
int system_exit_status() {
  PyObject *type = nullptr, *value = nullptr, *traceback = nullptr;
  PyErr_Fetch(&type, &value, &traceback);
  PyErr_NormalizeException(&type, &value, &traceback);
  const Ref owned_type(type), owned_value(value), owned_traceback(traceback);
  const Ref code(value ? PyObject_GetAttrString(value, "code") : nullptr);
  PyErr_Clear();  // deliberate: a SystemExit without a code exits with 0
  if (!code || code.get() == Py_None) return 0;
  if (!PyLong_Check(code.get())) {
    print_exit_message(code.get());
    return 1;
  }
  const int status = static_cast<int>(PyLong_AsLong(code.get()));
  if (!PyErr_Occurred()) return status;
  PyErr_Clear();  // deliberate: an int too large for a status gives -1 (255)
  return -1;
}

// The exit status of an entry point that raised, the exception reported as python reports it.
// `interrupted`: it was KeyboardInterrupt.
int failure_status(bool* interrupted) {
  if (PyErr_ExceptionMatches(PyExc_SystemExit)) return system_exit_status();
  *interrupted = PyErr_ExceptionMatches(PyExc_KeyboardInterrupt);
  PyErr_Print();
  return 1;
}

}  // namespace

int run(const blob::LaunchSettings& settings, const Invocation& invocation) {
  // Deliberate: sys.frozen only informs, and a program without it still runs.
  if (settings.frozen && PySys_SetObject("frozen", Py_True) < 0) PyErr_Clear();
  if (invocation.kind == RunKind::PythonCommandLine) return Py_RunMain();  // finalises, as python

  bool interrupted = false;
  // The entry's result is released here, before the interpreter is finalised.
  int status = Ref(run_entry(settings, invocation)) ? 0 : failure_status(&interrupted);
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

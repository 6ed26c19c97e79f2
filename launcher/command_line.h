// Decides how the launcher runs, from its argv: the app itself (argv never interpreted), a
// command line for python (CPython parses it and runs it as `python` would), or a child process
// of multiprocessing's spawn start method in the form it builds for frozen programs.
//
// python command lines are accepted in two cases only:
//  - the exact command lines multiprocessing builds for its helper processes (resource tracker,
//    forkserver, spawn when sys.frozen is unset), matched strictly: only the interpreter flags
//    subprocess._args_from_interpreter_flags() produces, and `-c` code that is one of the
//    templates with literal arguments (never arbitrary code);
//  - with `[python] interpreter = true`, when started by a path (argv[0] has a '/', as
//    [sys.executable, ...] and configured interpreter paths have) or by a parent process running
//    this same executable (never by its name found on PATH, as a user types it, or a command's
//    name: that command line stays the app's), any command line whose first argument is one of python's
//    options (-c, -m, -, -I, -X ..., not -h/-V/--help/--version) or an existing Python script
//    (a .py/.pyc/.pyz... file, one with a python "#!" line, a zip application, a file without a
//    suffix, a directory with __main__.py), as python would run it; any other argument (an
//    existing site.yml too) is the app's. An embedded module's file counts as existing: twisted's
//    trial starts its workers as [sys.executable, workertrial.__file__]. The executable itself
//    as the script is the app, run with the arguments after it, as python runs a console script:
//    django's autoreloader restarts the server as [sys.executable] + sys.argv.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace freeze::launcher {

enum class RunKind {
  App,                // run the app's entry point; argv is the app's
  PythonCommandLine,  // CPython parses argv (PyConfig.parse_argv) and Py_RunMain runs it
  SpawnChild,         // `EXE --multiprocessing-fork k=v ...`: run `code` in the app's configuration
};

struct Invocation {
  RunKind kind = RunKind::App;
  std::string code;  // SpawnChild: the Python statement to run
  int argv_start = 0;  // App: where the app's argv begins (1 for [exe, exe, args...] in interpreter mode)
};

// Whether `path`, which names no real file, names an embedded file or directory that is a Python
// script (launcher/virtual_files.h: names_embedded_script).
using EmbeddedScriptTest = std::function<bool(const std::string& path)>;

// `executable`: the running executable's path, as sys.executable gives it: a command line
// naming it as the script is the app's.
Invocation classify_command_line(const std::vector<std::string>& argv, bool interpreter_mode,
                                 const EmbeddedScriptTest& embedded_script = {}, const std::string& executable = {},
                                 bool started_by_this_executable = false);

// Whether the parent process runs the same executable file as this one (/proc/PPID/exe).
bool parent_runs_this_executable();

// Whether python's options at the start of `argv` (a python command line) include -E or -I,
// which make python ignore PYTHON* environment variables such as PYTHONPATH.
bool python_options_ignore_environment(const std::vector<std::string>& argv);

// Exposed for tests of the matcher: does `code` equal one of multiprocessing's -c templates with
// literal arguments, and is `rest` (what follows it on the command line) what goes with it?
bool is_multiprocessing_code(const std::string& code, const std::vector<std::string>& rest);

}  // namespace freeze::launcher

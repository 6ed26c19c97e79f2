// Unit tests for the launcher's command-line classification (launcher/command_line): the exact
// command lines multiprocessing builds are python's, anything near them is refused, and the
// app's argv is never interpreted unless interpreter mode is on.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "launcher/command_line.h"
#include "temp_dir.h"

using freeze::launcher::classify_command_line;
using freeze::launcher::is_multiprocessing_code;
using freeze::launcher::python_options_ignore_environment;
using freeze::launcher::RunKind;

namespace {

using Args = std::vector<std::string>;
using freeze::testing::TempDir;

// As a program starts the executable: argv[0] is its path, as sys.executable gives it.
RunKind kind(Args argv, bool interpreter = false) {
  argv.insert(argv.begin(), "/opt/app/app");
  return classify_command_line(argv, interpreter, {}, "/opt/app/app").kind;
}

}  // namespace

TEST_CASE("multiprocessing's -c templates with literal arguments only") {
  const Args none;
  const Args fork = {"--multiprocessing-fork"};
  CHECK(is_multiprocessing_code("from multiprocessing.resource_tracker import main;main(7)", none));
  CHECK(is_multiprocessing_code("from multiprocessing.forkserver import main; main(3, 4, ['__main__'], **{})", none));
  CHECK(is_multiprocessing_code("from multiprocessing.forkserver import main; main(3, 4, [], **{'sys_path': "
                                "['/a b', \"it's\", '\\\\x', '']})",
                                none));
  CHECK(is_multiprocessing_code("from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=5, pipe_handle=7)",
                                fork));
  CHECK(is_multiprocessing_code("from multiprocessing.spawn import spawn_main; spawn_main(pipe_handle=7, parent_pid=None)",
                                fork));

  // Anything else: code after the call, expressions, unknown keywords, main_path, wrong tails.
  CHECK_FALSE(is_multiprocessing_code("from multiprocessing.resource_tracker import main;main(7); import os", none));
  CHECK_FALSE(is_multiprocessing_code("from multiprocessing.resource_tracker import main;main(7)", fork));
  CHECK_FALSE(is_multiprocessing_code("from multiprocessing.resource_tracker import main;main(os.getpid())", none));
  CHECK_FALSE(is_multiprocessing_code("from multiprocessing.resource_tracker import main;main(-1)", none));
  CHECK_FALSE(is_multiprocessing_code("from multiprocessing.forkserver import main; main(3, 4, [f'{x}'], **{})", none));
  CHECK_FALSE(is_multiprocessing_code("from multiprocessing.forkserver import main; main(3, 4, ['a' 'b'], **{})", none));
  CHECK_FALSE(is_multiprocessing_code("from multiprocessing.forkserver import main; main(3, 4, ['a'], **{'main_path': 'x.py'})",
                                      none));
  CHECK_FALSE(is_multiprocessing_code("from multiprocessing.forkserver import main; main(3, 4, ['unterminated], **{})", none));
  CHECK_FALSE(is_multiprocessing_code("from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=5)", fork));
  CHECK_FALSE(is_multiprocessing_code("from multiprocessing.spawn import spawn_main; spawn_main(pipe_handle=7)", none));
  CHECK_FALSE(is_multiprocessing_code("from multiprocessing.spawn import spawn_main; spawn_main(pipe_handle=7, pipe_handle=8)",
                                      fork));
  CHECK_FALSE(is_multiprocessing_code("from multiprocessing.spawn import spawn_main; spawn_main(pipe_handle=7, evil=1)", fork));
}

TEST_CASE("multiprocessing command lines run as python; the app's argv stays the app's") {
  CHECK(kind({"-I", "-c", "from multiprocessing.resource_tracker import main;main(5)"}) == RunKind::PythonCommandLine);
  CHECK(kind({"-B", "-S", "-s", "-E", "-OO", "-vv", "-bb", "-q", "-P", "-Wdefault", "-Werror::DeprecationWarning", "-X",
              "faulthandler", "-X", "tracemalloc=5", "-X", "utf8", "-X", "dev", "-c",
              "from multiprocessing.resource_tracker import main;main(5)"}) == RunKind::PythonCommandLine);
  CHECK(kind({"-c", "from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=5, pipe_handle=7)",
              "--multiprocessing-fork"}) == RunKind::PythonCommandLine);

  const auto spawn = classify_command_line({"/opt/app/app", "--multiprocessing-fork", "tracker_fd=5", "pipe_handle=7"}, false);
  CHECK(spawn.kind == RunKind::SpawnChild);
  CHECK(spawn.code == "from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=5, pipe_handle=7)");

  // Not multiprocessing's: the app's argv, never interpreted.
  CHECK(kind({}) == RunKind::App);
  CHECK(kind({"-c", "print(1)"}) == RunKind::App);
  CHECK(kind({"-m", "json.tool"}) == RunKind::App);
  CHECK(kind({"-I", "-c", "import os"}) == RunKind::App);
  CHECK(kind({"-X", "importtime", "-c", "print(1)"}) == RunKind::App);
  CHECK(kind({"-X", "frozen_modules=off", "-c", "from multiprocessing.x"}) == RunKind::App);  // not a flag it builds
  CHECK(kind({"script.py"}) == RunKind::App);
  CHECK(kind({"-"}) == RunKind::App);
  CHECK(kind({"summary", "--multiprocessing-fork"}) == RunKind::App);
}

TEST_CASE("interpreter mode: python's options, or a script") {
  for (const Args& args : {Args{"-c", "print(1)"}, Args{"-m", "pkg.worker", "x"}, Args{"-"}, Args{"-I", "-c", "x"},
                           Args{"-IS"}, Args{"-OO", "-m", "x"}, Args{"-Wignore", "-c", "x"}, Args{"-X", "dev"},
                           Args{"-uc", "print(1)"}, Args{"-I"}, Args{"-x", "file"}, Args{"--check-hash-based-pycs"}}) {
    CAPTURE(args.front());
    CHECK(kind(args, true) == RunKind::PythonCommandLine);
  }
  // A Python file is a script; any other existing file is the app's argument (ansible-playbook site.yml).
  TempDir dir;
  dir.write("play.yml", "- hosts: localhost\n");
  dir.write("AnsiballZ_ping.py", "print(1)\n");
  dir.write("tool", "#!/usr/bin/env python3\nprint(1)\n");
  dir.write("shell-tool", "#!shebang\n# coding: ascii\nprint(1)\n");  // no suffix: python runs it
  dir.write("tool.sh", "#!/bin/sh\necho python\n");
  dir.write("tool.cmd", "#!/usr/bin/python3\nprint(1)\n");
  dir.write("app.pyz", "#!/usr/bin/env python3\nPK...");
  dir.write("zipapp", std::string("PK\x03\x04", 4) + "rest");
  dir.write("@test_123_tmp", "print(1)\n");  // a temporary script, as CPython's tests write them
  dir.write("notes.txt", "print(1)\n");
  for (const char* script : {"AnsiballZ_ping.py", "tool", "app.pyz", "zipapp", "@test_123_tmp", "shell-tool", "tool.cmd"}) {
    CAPTURE(script);
    CHECK(kind({(dir / script).string()}, true) == RunKind::PythonCommandLine);
    CHECK(kind({(dir / script).string()}, false) == RunKind::App);
  }
  for (const char* argument : {"play.yml", "tool.sh", "notes.txt"}) {
    CAPTURE(argument);
    CHECK(kind({(dir / argument).string()}, true) == RunKind::App);
  }
  CHECK(kind({"/etc/hostname"}, true) == RunKind::PythonCommandLine);  // no suffix: python's way
  CHECK(kind({"/"}, true) == RunKind::App);  // a directory without __main__.py
  CHECK(kind({"/nonexistent/script.py"}, true) == RunKind::App);
  for (const Args& args : {Args{}, Args{"run"}, Args{"--help"}, Args{"-h"}, Args{"-V"}, Args{"--version"},
                           Args{"--verbose"}, Args{"-Z"}, Args{"-vh"}, Args{""}}) {
    CAPTURE(args.empty() ? std::string("<none>") : args.front());
    CHECK(kind(args, true) == RunKind::App);
  }
}

TEST_CASE("-E and -I among python's options, not among the program's arguments") {
  CHECK(python_options_ignore_environment({"exe", "-E", "-c", "x"}));
  CHECK(python_options_ignore_environment({"exe", "-I", "script.py"}));
  CHECK(python_options_ignore_environment({"exe", "-sSE"}));
  CHECK(python_options_ignore_environment({"exe", "-X", "dev", "-Wignore", "-I", "-m", "x"}));
  CHECK(python_options_ignore_environment({"exe", "--check-hash-based-pycs", "always", "-E"}));
  CHECK_FALSE(python_options_ignore_environment({"exe", "-c", "x", "-E"}));
  CHECK_FALSE(python_options_ignore_environment({"exe", "-cE"}));     // -c's code is "E"
  CHECK_FALSE(python_options_ignore_environment({"exe", "-m", "-I"}));
  CHECK_FALSE(python_options_ignore_environment({"exe", "-XE"}));     // -X's value is "E"
  CHECK_FALSE(python_options_ignore_environment({"exe", "-W", "-E"}));
  CHECK_FALSE(python_options_ignore_environment({"exe", "script.py", "-E"}));
  CHECK_FALSE(python_options_ignore_environment({"exe", "-", "-I"}));
  CHECK_FALSE(python_options_ignore_environment({"exe", "-u", "-O"}));
}

TEST_CASE("interpreter mode: an embedded script, named by a path that is no real file, is python's") {
  TempDir dir;
  const std::string real = dir.write("real.py", "print(1)\n").string();
  std::vector<std::string> asked;
  const auto embedded = [&](const std::string& path) {
    asked.push_back(path);
    return path == "/opt/app/lib/app/tool/worker.py";
  };
  const auto classify = [&](const std::string& first, bool interpreter) {
    return classify_command_line({"/opt/app/app", first, "x"}, interpreter, embedded, "/opt/app/app").kind;
  };
  CHECK(classify("/opt/app/lib/app/tool/worker.py", true) == RunKind::PythonCommandLine);
  CHECK(classify("/opt/app/lib/app/tool/other.py", true) == RunKind::App);
  CHECK(classify("/opt/app/lib/app/tool/worker.py", false) == RunKind::App);
  CHECK(asked == std::vector<std::string>{"/opt/app/lib/app/tool/worker.py", "/opt/app/lib/app/tool/other.py"});
  // A real file is decided by what it is, without asking.
  CHECK(classify(real, true) == RunKind::PythonCommandLine);
  CHECK(asked.size() == 2);
}

TEST_CASE("interpreter mode: the executable itself as the script is the app, with the arguments after it") {
  // django's autoreloader restarts the server as [sys.executable] + sys.argv: python would run
  // the console script; the frozen app runs itself, its argv starting at the script.
  TempDir dir;
  const std::string exe = dir.write("bin/tool", "\x7f" "ELF").string();
  std::filesystem::create_symlink(exe, dir.path() / "link");
  const std::string link = (dir.path() / "link").string();
  const auto restarted = classify_command_line({exe, exe, "runserver", "-v"}, true, {}, exe);
  CHECK(restarted.kind == RunKind::App);
  CHECK(restarted.argv_start == 1);
  CHECK(classify_command_line({exe, link, "runserver"}, true, {}, exe).argv_start == 1);  // the same file
  // Without interpreter mode the argv is the app's, as typed: a tool may take its own path.
  const auto typed = classify_command_line({exe, exe, "runserver"}, false, {}, exe);
  CHECK(typed.kind == RunKind::App);
  CHECK(typed.argv_start == 0);
  // Another file without a suffix is still a script for python.
  const std::string other = dir.write("bin/other", "print(1)\n").string();
  CHECK(classify_command_line({exe, other}, true, {}, exe).kind == RunKind::PythonCommandLine);
}

TEST_CASE("interpreter mode: python's command line when started by a path, not by a name found on PATH") {
  const std::string exe = "/opt/app/app";
  // [sys.executable, "-c", ...], or another path to it (a configured interpreter): python's.
  for (const char* path : {"/opt/app/app", "./app", "dist/app", "/usr/local/bin/app"}) {
    CAPTURE(path);
    CHECK(classify_command_line({path, "-c", "pass"}, true, {}, exe).kind == RunKind::PythonCommandLine);
    CHECK(classify_command_line({path, "-m", "pkg"}, true, {}, exe).kind == RunKind::PythonCommandLine);
  }
  // By its name, as a user types it, or a command's name: the app's own options
  // (ansible-lint -c lint.yml).
  for (const char* typed : {"app", "ansible-lint"}) {
    CAPTURE(typed);
    CHECK(classify_command_line({typed, "-c", "lint.yml"}, true, {}, exe).kind == RunKind::App);
    CHECK(classify_command_line({typed, "-m", "x"}, true, {}, exe).kind == RunKind::App);
  }
  // Started by the app itself under another argv[0] (Popen(["x", "-c", ...], executable=sys.executable)).
  CHECK(classify_command_line({"nonexistent", "-c", "pass"}, true, {}, exe, true).kind == RunKind::PythonCommandLine);
  CHECK(classify_command_line({"nonexistent", "-c", "pass"}, false, {}, exe, true).kind == RunKind::App);
  // multiprocessing's own command lines are recognised however it was started.
  CHECK(classify_command_line({"app", "-c", "from multiprocessing.resource_tracker import main;main(7)"}, true, {}, exe).kind ==
        RunKind::PythonCommandLine);
}

"""The frozen program behaves like the same program under /usr/bin/python3.11 (or, with
FREEZE_TEST_DISTRIBUTION, the distribution's own python): interpreter state
(sys.flags, stdio, locale, warnings, signals), shutdown, fork, multiprocessing with every start
method without freeze_support(), the opt-in interpreter mode, and the strict matching of the
command lines multiprocessing builds."""
import json
import os
import re
import signal
import subprocess
import textwrap
import unittest

from freezetest import (PYTHON, PYTHON_NAME, PYTHON_STDLIB, TempDirTestCase, build_app, clean_env, installation_path, run,
                        write_tree)

# Prints the interpreter state that a program can observe, as JSON.
PROBE = """
    import builtins, json, locale, os, signal, sys, warnings

    def stream(s):
        return dict(encoding=s.encoding, errors=s.errors, line_buffering=s.line_buffering,
                    write_through=s.write_through, buffer=type(s.buffer).__name__)

    def state():
        return dict(
            flags={k: getattr(sys.flags, k) for k in dir(sys.flags)
                   if not k.startswith("_") and k not in ("count", "index")},
            stdin=stream(sys.stdin), stdout=stream(sys.stdout), stderr=stream(sys.stderr),
            preferred=locale.getpreferredencoding(False), fsencoding=sys.getfilesystemencoding(),
            fserrors=sys.getfilesystemencodeerrors(), lc_ctype=os.environ.get("LC_CTYPE"),
            setlocale=locale.setlocale(locale.LC_CTYPE),
            filters=[repr(f) for f in warnings.filters], warnoptions=sys.warnoptions, xoptions=sys._xoptions,
            signals={name: repr(signal.getsignal(getattr(signal, name))) for name in ("SIGINT", "SIGPIPE", "SIGXFSZ", "SIGTERM", "SIGCHLD")},
            builtins=sorted(n for n in ("exit", "quit", "help", "copyright", "credits", "license") if hasattr(builtins, n)),
            site="site" in sys.modules, interactivehook=hasattr(sys, "__interactivehook__"),
            recursionlimit=sys.getrecursionlimit(), switchinterval=sys.getswitchinterval(),
            excepthook=repr(sys.excepthook), displayhook=repr(sys.displayhook), pycache_prefix=sys.pycache_prefix,
            dont_write_bytecode=sys.dont_write_bytecode, platlibdir=sys.platlibdir,
            faulthandler=__import__("faulthandler").is_enabled(),
        )

    if __name__ == "__main__":
        info = state()
        info.update(executable=sys.executable, base_executable=sys._base_executable, prefix=sys.prefix,
                    base_prefix=sys.base_prefix, exec_prefix=sys.exec_prefix, base_exec_prefix=sys.base_exec_prefix,
                    path=sys.path, argv=sys.argv, frozen=getattr(sys, "frozen", None))
        print(json.dumps(info, sort_keys=True))
    """

# Scenarios run both by python and by the frozen program; their output must be the same.
SCENARIOS = """
    import atexit, faulthandler, os, signal, subprocess, sys, threading, time, warnings

    def main():
        what = sys.argv[1]
        if what == "shutdown":
            atexit.register(print, "atexit handler 1")
            atexit.register(lambda: print("atexit handler 2 runs first", flush=True))
            def late():
                time.sleep(0.3)
                print("non-daemon thread finished", flush=True)
            threading.Thread(target=late).start()
            threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
            print("main returns", flush=True)
        elif what == "fork":
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:
                atexit.register(print, "child atexit")
                print("child", os.getpid() != parent)
                sys.exit(7)
            _, status = os.waitpid(pid, 0)
            print("parent sees", os.waitstatus_to_exitcode(status))
        elif what == "bigprint":
            for i in range(200000):
                print("line", i)
        elif what == "interrupt-caught":
            try:
                signal.raise_signal(signal.SIGINT)
                time.sleep(5)
            except KeyboardInterrupt:
                print("caught KeyboardInterrupt")
        elif what == "interrupt-uncaught":
            signal.raise_signal(signal.SIGINT)
            time.sleep(5)
        elif what == "faulthandler":
            faulthandler.dump_traceback(sys.stdout, all_threads=False)
        elif what == "subinterpreter":
            try:
                import _interpreters as interpreters  # 3.13 and later
            except ImportError:
                import _xxsubinterpreters as interpreters
            interp = interpreters.create()
            interpreters.run_string(interp, "import json, os, decimal; print(json.dumps([os.__file__, str(decimal.Decimal(1) / 8)]))")
            interpreters.destroy(interp)
        elif what == "segfault":
            faulthandler.enable()
            faulthandler._sigsegv()
        elif what == "warnings":
            warnings.warn("a user warning")
            warnings.warn("deprecated here", DeprecationWarning)
            warnings.warn("pending", PendingDeprecationWarning)
            print("filters", len(warnings.filters))
        elif what == "stdin":
            data = sys.stdin.read()
            print(len(data), repr(data[:20]))
        elif what == "raise-in-import":
            import scenario_raises  # noqa: F401
        elif what == "name-error":
            spam = 1
            try:
                print(spa)
            except NameError as error:
                raise ValueError("chained") from error
        elif what == "closed-stdin":
            print("stdin is", sys.stdin, flush=True)
        elif what == "close-fds-then-import":
            os.closerange(3, 1024)
            import decimal, json
            print(json.dumps([str(decimal.Decimal(1) / 8)]))
        elif what == "exit-builtin":
            exit("bye via exit()")
        elif what == "sigterm":
            print("ready", flush=True)
            time.sleep(30)
        elif what == "thread-exception":
            def boom():
                raise KeyError("in thread")
            thread = threading.Thread(target=boom, name="worker")
            thread.start()
            thread.join()
            print("joined")
        elif what == "unraisable":
            class Bad:
                def __del__(self):
                    raise ValueError("in __del__")
            Bad()
            print("after")

    parent = os.getpid()
    if __name__ == "__main__":
        main()
    """

# A program written for python: no freeze_support(), every start method.
MP_APP = """
    import concurrent.futures
    import json
    import multiprocessing
    import os
    import sys
    from multiprocessing import shared_memory

    def square(x):
        return x * x

    def whoami(_):
        return __name__, multiprocessing.current_process().name != "MainProcess", sys.executable

    def burn(n):
        total = 0
        for i in range(n):
            total += i * i % 7
        return os.getpid(), total

    def put(queue, value):
        queue.put((value, multiprocessing.parent_process() is not None))

    def fill(name):
        shm = shared_memory.SharedMemory(name=name)
        shm.buf[:5] = b"hello"
        shm.close()

    def fail():
        raise SystemExit(3)

    def put_in(shared, key):
        shared[key] = key * 2

    def run(method):
        ctx = multiprocessing.get_context(method)
        result = {}
        with ctx.Pool(2) as pool:
            result["pool"] = pool.map(square, range(10))
            result["whoami"] = pool.map(whoami, range(1))[0]
        queue = ctx.Queue()
        process = ctx.Process(target=put, args=(queue, "from child"))
        process.start()
        result["queue"] = queue.get(timeout=60)
        process.join()
        result["exitcode"] = process.exitcode
        process = ctx.Process(target=fail)
        process.start()
        process.join()
        result["failed_exitcode"] = process.exitcode
        with concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx) as executor:
            result["executor"] = list(executor.map(square, range(5)))
        shm = shared_memory.SharedMemory(create=True, size=16)
        try:
            process = ctx.Process(target=fill, args=(shm.name,))
            process.start()
            process.join()
            result["shared_memory"] = bytes(shm.buf[:5]).decode()
        finally:
            shm.close()
            shm.unlink()
        with ctx.Manager() as manager:
            shared = manager.dict()
            process = ctx.Process(target=put_in, args=(shared, 21))
            process.start()
            process.join()
            result["manager"] = dict(shared)
        cores = os.cpu_count() or 1
        with ctx.Pool(cores) as pool:
            burned = pool.map(burn, [1000000] * (4 * cores), chunksize=1)
        result["cpu_bound"] = [len({pid for pid, _ in burned}) > 1 or cores == 1, sum(t for _, t in burned)]
        return result

    def main(argv=None):
        argv = sys.argv[1:] if argv is None else argv
        print(json.dumps({method: run(method) for method in argv}, sort_keys=True))

    if __name__ == "__main__":
        main()
    """


STDLIB = PYTHON_STDLIB


def normalize(text, *directories):
    """Replaces the given directories and the stdlib's by <dir>, addresses by 0x?, so that outputs
    of python and freeze compare."""
    if isinstance(text, bytes):
        return normalize(text.decode("utf-8", "surrogateescape"), *directories)
    for directory in sorted({*map(str, directories), STDLIB}, key=len, reverse=True):
        text = text.replace(directory + "/", "<dir>/")
    # python -m shows runpy's two frames in tracebacks; the launcher runs the entry module
    # itself, without them.
    text = re.sub(r'  File "<frozen runpy>", line \d+,? in \w+\n', "", text)
    return re.sub(r"0x[0-9a-f]+", "0x?", text)


class InterpreterStateTest(TempDirTestCase):
    """sys.flags, stdio, locale, warnings and signals as python's, in every environment."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        files = {"src/probe.py": PROBE}
        cls.isolated = build_app(cls.tmp / "isolated", '[app]\nname = "probe"\nentry = "probe"\n[packages]\npaths = ["src"]\n', files)
        cls.open = build_app(cls.tmp / "open", '[app]\nname = "probe"\nentry = "probe"\n[python]\nisolated = false\n'
                             '[packages]\npaths = ["src"]\n', files)
        cls.open_site = build_app(cls.tmp / "open_site", '[app]\nname = "probe"\nentry = "probe"\n[python]\nisolated = false\n'
                                  'site = true\n[packages]\npaths = ["src"]\n', files)
        cls.unbuffered = build_app(cls.tmp / "unbuffered", '[app]\nname = "probe"\nentry = "probe"\n[python]\nunbuffered = true\n'
                                   '[packages]\npaths = ["src"]\n', files)
        cls.site = build_app(cls.tmp / "site", '[app]\nname = "probe"\nentry = "probe"\n[python]\nsite = true\n'
                             '[packages]\npaths = ["src"]\n', files)
        cls.script = cls.tmp / "isolated" / "src" / "probe.py"

    def compare(self, exe, python_args, env, stdin=subprocess.DEVNULL, stdout=None):
        """The frozen program's state equals python's with python_args. Without site (the default,
        python -S) the frozen program still has site's builtins (exit, quit, help...)."""
        def state(argv):
            if stdout is None:
                result = run(argv, env=env, stdin=stdin)
                self.assertEqual(result.returncode, 0, result.stderr)
                return json.loads(result.stdout)
            with open(stdout, "w+") as out:
                result = subprocess.run(argv, env=env, stdin=stdin, stdout=out, stderr=subprocess.PIPE, text=True, timeout=60)
                self.assertEqual(result.returncode, 0, result.stderr)
                out.seek(0)
                return json.loads(out.read())
        frozen = state([exe])
        python = state([PYTHON, *python_args, self.script])
        for key in ("executable", "base_executable", "prefix", "base_prefix", "exec_prefix", "base_exec_prefix",
                    "path", "argv", "frozen"):
            frozen.pop(key)
            python.pop(key)
        if "-S" in python_args:
            self.assertEqual(frozen.pop("builtins"), ["copyright", "credits", "exit", "help", "license", "quit"])
            self.assertEqual(python.pop("builtins"), [])
        self.assertEqual(frozen, python)

    def test_isolated_matches_python_dash_I_in_every_locale(self):
        for locale_env in ({}, {"LC_ALL": "C"}, {"LANG": "C"}, {"LC_ALL": "POSIX"}, {"LANG": "C.UTF-8"},
                           {"LC_ALL": "C.UTF-8", "LC_CTYPE": "C"}, {"PYTHONIOENCODING": "latin-1", "LC_ALL": "C"},
                           {"PYTHONUTF8": "0", "PYTHONWARNINGS": "error", "PYTHONUNBUFFERED": "1"}):
            with self.subTest(env=locale_env):
                self.compare(self.isolated, ["-I", "-S"], dict(locale_env, PATH=os.environ["PATH"]))

    def test_stdout_to_a_file_and_a_pipe(self):
        self.compare(self.isolated, ["-I", "-S"], clean_env(), stdout=self.tmp / "out.json")
        self.compare(self.isolated, ["-I", "-S"], clean_env(), stdin=subprocess.PIPE)

    def test_not_isolated_matches_python(self):
        for env in ({}, {"LC_ALL": "C"}, {"PYTHONIOENCODING": "latin-1:replace", "PYTHONUNBUFFERED": "1",
                                          "PYTHONWARNINGS": "error::DeprecationWarning", "PYTHONFAULTHANDLER": "1",
                                          "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUTF8": "1", "PYTHONDEVMODE": "1"}):
            with self.subTest(env=env):
                self.compare(self.open, ["-S"], dict(clean_env(), **env))
                self.compare(self.open_site, [], dict(clean_env(), **env))

    def test_unbuffered_setting_is_python_dash_u(self):
        self.compare(self.unbuffered, ["-I", "-S", "-u"], clean_env())

    def test_site_true_is_python_without_dash_S(self):
        self.compare(self.site, ["-I"], clean_env())

    def test_documented_sys_values(self):
        result = run([self.isolated], env=clean_env())
        info = json.loads(result.stdout)
        exe_dir = str(self.isolated.parent)
        self.assertEqual(info["executable"], str(self.isolated))
        self.assertEqual(info["base_executable"], str(self.isolated))
        for key in ("prefix", "base_prefix", "exec_prefix", "base_exec_prefix"):
            self.assertEqual(info[key], exe_dir, key)
        self.assertEqual(info["path"], installation_path(exe_dir))
        self.assertIs(info["frozen"], True)
        self.assertFalse(info["site"])
        self.assertEqual(info["builtins"], ["copyright", "credits", "exit", "help", "license", "quit"])
        self.assertEqual(info["flags"]["no_site"], 1)
        self.assertEqual(info["flags"]["isolated"], 1)
        self.assertEqual(info["flags"]["no_user_site"], 1)
        self.assertEqual(info["flags"]["dont_write_bytecode"], 0)


class ScenariosTest(TempDirTestCase):
    """The same program's observable behaviour under python and frozen."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exe = build_app(cls.tmp / "project", '[app]\nname = "scenarios"\nentry = "scenarios"\n[packages]\npaths = ["src"]\n',
                            {"src/scenarios.py": SCENARIOS,
                             "src/scenario_raises.py": "x = 1\nraise ValueError('raised while imported')\n"})
        cls.script = cls.tmp / "project" / "src" / "scenarios.py"
        # The entry "scenarios" runs like python -m scenarios; -E -s: what isolation changes here.
        cls.python = [PYTHON, "-E", "-s", "-m", "scenarios"]

    def both(self, *args, **kwargs):
        kwargs.setdefault("env", clean_env())
        frozen = run([self.exe, *args], **kwargs)
        python = run([*self.python, *args], cwd=self.script.parent, **kwargs)
        return frozen, python

    def assertSame(self, *args, **kwargs):
        frozen, python = self.both(*args, **kwargs)
        # The app's code is in lib/app/ of the installation, the stdlib in lib/python3.X/.
        paths = (self.exe.parent / "lib" / "app", self.exe.parent / "lib" / PYTHON_NAME, self.script.parent)
        self.assertEqual((frozen.returncode, normalize(frozen.stdout, *paths), normalize(frozen.stderr, *paths)),
                         (python.returncode, normalize(python.stdout, *paths), normalize(python.stderr, *paths)))
        return frozen

    def test_atexit_and_threads_at_shutdown(self):
        result = self.assertSame("shutdown")
        self.assertEqual(result.stdout, "main returns\nnon-daemon thread finished\natexit handler 2 runs first\natexit handler 1\n")

    def test_os_fork(self):
        result = self.assertSame("fork")
        self.assertEqual(result.stdout, "child True\nchild atexit\nparent sees 7\n")

    def test_keyboard_interrupt(self):
        self.assertEqual(self.assertSame("interrupt-caught").stdout, "caught KeyboardInterrupt\n")
        result = self.assertSame("interrupt-uncaught")
        self.assertEqual(result.returncode, -signal.SIGINT)
        # Through a shell, as a user sees it: 130.
        shell = run(["sh", "-c", f'"{self.exe}" interrupt-uncaught; echo "status $?"'])
        self.assertIn("status 130", shell.stdout)

    def test_sigterm_kills_as_python(self):
        for argv in ([self.exe, "sigterm"], [*self.python, "sigterm"]):
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=self.script.parent)
            self.assertEqual(proc.stdout.readline(), "ready\n")
            proc.terminate()
            proc.communicate(timeout=30)
            self.assertEqual(proc.returncode, -signal.SIGTERM)

    def test_sigpipe_into_head(self):
        outputs = []
        for argv in (f'"{self.exe}"', " ".join(self.python)):
            result = run(["bash", "-c", f"{argv} bigprint | head -n 2; echo \"status ${{PIPESTATUS[0]}}\""], cwd=self.script.parent)
            stderr = normalize(result.stderr, self.exe.parent / "lib" / "app", self.script.parent)
            # Whether the write that failed left bytes in stdout's buffer, which the flush at exit
            # reports again, depends on when head exits: a race under python too.
            # That flush failing also makes the exit status 120 rather than 1.
            stderr = stderr.replace("Exception ignored on flushing sys.stdout:\nBrokenPipeError: [Errno 32] Broken pipe\n", "")
            outputs.append((result.stdout.replace("status 120\n", "status 1\n"), stderr))
        self.assertEqual(outputs[0], outputs[1])
        self.assertTrue(outputs[0][0].startswith("line 0\nline 1\nstatus "), outputs[0])

    def test_faulthandler_and_warnings(self):
        self.assertIn("Stack (most recent call first)", self.assertSame("faulthandler").stdout)
        result = self.assertSame("segfault")
        self.assertEqual(result.returncode, -signal.SIGSEGV)
        self.assertIn("Fatal Python error: Segmentation fault", result.stderr)
        self.assertIn('File "<dir>/scenarios.py", line', normalize(result.stderr, self.exe.parent / "lib" / "app"))
        result = self.assertSame("warnings")
        self.assertIn("UserWarning: a user warning\n", result.stderr)
        self.assertIn('warnings.warn("a user warning")', result.stderr)  # source line from memory
        self.assertIn("DeprecationWarning: deprecated here", result.stderr)  # shown in __main__
        self.assertNotIn("pending", result.stderr)
        self.assertSame("warnings", env=clean_env(PYTHONWARNINGS="error"))  # isolated: ignored by both

    def test_stdin_and_exit_builtin(self):
        self.assertSame("stdin", input="h\u00e9llo\n" * 3)
        self.assertSame("stdin", input=b"\xff\xfe bytes", text=False)
        self.assertSame("stdin", input=b"\xff\xfe bytes", text=False, env=clean_env(LC_ALL="C"))
        result = self.assertSame("exit-builtin")
        self.assertEqual((result.returncode, result.stderr), (1, "bye via exit()\n"))

    def test_uncaught_exception_like_python(self):
        # Source lines from memory, carets, the chain, and CPython's "Did you mean".
        result = self.assertSame("name-error")
        self.assertIn("NameError: name 'spa' is not defined. Did you mean: 'spam'?\n", result.stderr)
        self.assertIn("    print(spa)\n          ^^^\n", result.stderr)
        self.assertEqual(result.returncode, 1)

    def test_exception_raised_by_an_imported_module_like_python(self):
        # No <frozen importlib._bootstrap> frames: importlib trims them as under python.
        result = self.assertSame("raise-in-import")
        self.assertNotIn("importlib", result.stderr)
        self.assertIn("ValueError: raised while imported\n", result.stderr)

    def test_subinterpreter_imports_embedded_modules(self):
        self.assertEqual(self.assertSame("subinterpreter").stdout, f'["{self.exe.parent}/lib/{PYTHON_NAME}/os.py", "0.125"]\n')

    def test_started_with_stdin_closed(self):
        result = self.assertSame("closed-stdin", preexec_fn=lambda: os.close(0))
        self.assertEqual(result.stdout, "stdin is None\n")

    # Daemons close every descriptor they did not open (os.closerange(3, ...)) and go on
    # importing. The reader keeps the executable open for pread(2) (format/blob_reader.cpp,
    # launcher/self_image.cpp): reads then fail and the program dies "damaged". Remove
    # expectedFailure when the reader survives losing its descriptor.
    def test_closing_every_descriptor_then_importing(self):
        self.assertEqual(self.assertSame("close-fds-then-import").stdout, '["0.125"]\n')

    def test_unraisable_and_thread_exceptions_show_source_lines(self):
        result = self.assertSame("unraisable")
        self.assertIn('    raise ValueError("in __del__")\nValueError: in __del__\n', result.stderr)
        result = self.assertSame("thread-exception")
        self.assertTrue(result.stderr.startswith("Exception in thread worker:\nTraceback"), result.stderr)
        self.assertIn('    raise KeyError("in thread")\n', result.stderr)


class MultiprocessingTest(TempDirTestCase):
    """An unchanged multiprocessing program, frozen: fork, spawn and forkserver; Pool, Process,
    Queue, ProcessPoolExecutor, shared_memory (resource tracker), all cores."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        files = {"src/mpapp.py": MP_APP}
        cls.as_main = build_app(cls.tmp / "main", '[app]\nname = "mpapp"\nentry = "mpapp"\n[packages]\npaths = ["src"]\n', files)
        cls.as_function = build_app(cls.tmp / "function", '[app]\nname = "mpfunc"\nentry = "mpapp:main"\n'
                                    '[python]\nisolated = false\n[packages]\npaths = ["src"]\n', files)
        cls.script = cls.tmp / "main" / "src" / "mpapp.py"

    def check(self, argv, exe):
        result = run(argv, env=clean_env(), timeout=300)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, "")  # no leaked resources, no tracebacks
        results = json.loads(result.stdout)
        for method, got in results.items():
            with self.subTest(method=method):
                self.assertEqual(got["pool"], [x * x for x in range(10)])
                name, in_child, executable = got["whoami"]
                self.assertEqual(executable, str(exe))
                self.assertTrue(in_child)
                self.assertEqual(got["queue"], ["from child", True])
                self.assertEqual((got["exitcode"], got["failed_exitcode"]), (0, 3))
                self.assertEqual(got["executor"], [0, 1, 4, 9, 16])
                self.assertEqual(got["shared_memory"], "hello")
                self.assertEqual(got["manager"], {"21": 42})
                self.assertTrue(got["cpu_bound"][0])
        return results

    def test_every_start_method_like_python(self):
        frozen = self.check([self.as_main, "fork", "spawn", "forkserver"], self.as_main)
        python = self.check([PYTHON, self.script, "fork", "spawn", "forkserver"], PYTHON)
        for method in ("fork", "spawn", "forkserver"):
            for result in (frozen, python):
                result[method].pop("whoami")[0]
            self.assertEqual(frozen[method], python[method])
        # __main__ is re-imported as __mp_main__ in spawn/forkserver children, as under python.
        self.assertEqual(self.check([self.as_main, "spawn"], self.as_main)["spawn"]["whoami"][0], "__mp_main__")

    def test_function_entry_not_isolated(self):
        self.check([self.as_function, "spawn", "forkserver"], self.as_function)

    def test_helper_processes_reexecute_the_frozen_file(self):
        probe = ("import multiprocessing as mp, subprocess, sys, time\n"
                 "from multiprocessing import resource_tracker, shared_memory\n"
                 "def pid(_): import os; return os.getpid()\n"
                 "if __name__ == '__main__':\n"
                 "    ctx = mp.get_context('forkserver')\n"
                 "    with ctx.Pool(1) as p: p.map(pid, [1])\n"
                 "    shm = shared_memory.SharedMemory(create=True, size=8); shm.close(); shm.unlink()\n"
                 "    import os\n"
                 "    for pid in filter(str.isdigit, os.listdir('/proc')):\n"
                 "        try:\n"
                 "            stat = open(f'/proc/{pid}/stat').read()\n"
                 "            cmdline = open(f'/proc/{pid}/cmdline', 'rb').read()\n"
                 "        except OSError:\n"
                 "            continue\n"
                 "        if int(stat.rsplit(')', 1)[1].split()[1]) == os.getpid():\n"
                 "            print(' '.join(a.decode() for a in cmdline.split(b'\\0') if a))\n")
        exe = build_app(self.tmp / "helpers", '[app]\nname = "helpers"\nentry = "helpers"\n[packages]\npaths = ["src"]\n',
                        {"src/helpers.py": probe})
        result = run([exe], env=clean_env(), timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        # The app's own flags, as multiprocessing passes them on: -S (no site, the default), -I.
        self.assertIn(f"{exe} -S -I -c from multiprocessing.forkserver import main; main(", result.stdout)
        self.assertIn(f"{exe} -S -I -c from multiprocessing.resource_tracker import main;main(", result.stdout)


class InterpreterModeTest(TempDirTestCase):
    """[python] interpreter = true: the executable also runs python's command lines."""

    FILES = {
        "src/tool/__init__.py": "",
        "src/tool/worker.py": """
            import sys
            def fail():
                raise RuntimeError("worker failed")
            if __name__ == "__main__":
                print("worker", __name__, sys.argv[1:])
                if sys.argv[1:] == ["fail"]:
                    fail()
            """,
        "src/tool/cli.py": """
            import subprocess, sys
            def main():
                if sys.argv[1:] == ["delegate"]:
                    out = subprocess.run([sys.executable, "-m", "tool.worker", "from-app"], capture_output=True, text=True, check=True)
                    print("app got:", out.stdout.strip())
                    return 0
                if sys.argv[1:] == ["delegate-by-path"]:  # as twisted's trial starts its workers
                    import tool.worker
                    out = subprocess.run([sys.executable, tool.worker.__file__, "by-path"], capture_output=True, text=True, check=True)
                    print("app got:", out.stdout.strip())
                    return 0
                if sys.argv[1:2] == ["restart"]:  # as django's autoreloader: [sys.executable] + sys.argv
                    out = subprocess.run([sys.executable] + sys.argv[:1] + ["restarted"] + sys.argv[2:],
                                         capture_output=True, text=True, check=True)
                    print("app got:", out.stdout.strip())
                    return 0
                print("app", sys.argv[1:])
                return 0
            """,
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        toml = '[app]\nname = "tool"\nentry = "tool.cli:main"\n[python]\ninterpreter = true\n{}[packages]\npaths = ["src"]\n'
        cls.exe = build_app(cls.tmp / "interp", toml.format(""), cls.FILES)
        cls.open_exe = build_app(cls.tmp / "interp-open", toml.format("isolated = false\n"), cls.FILES)
        cls.plain = build_app(cls.tmp / "plain", toml.replace("interpreter = true", "optimize = 0").format(""), cls.FILES)

    def py(self, *args, exe=None, **kwargs):
        kwargs.setdefault("env", clean_env())
        return run([exe or self.exe, *args], **kwargs)

    def test_app_subprocess_of_sys_executable_dash_m(self):
        result = self.py("delegate")
        self.assertEqual(result.stdout, "app got: worker __main__ ['from-app']\n", result.stderr)

    def test_the_app_restarting_itself_as_its_own_script(self):
        # [sys.executable, sys.argv[0], ...]: python would run the console script again; the
        # executable is the app's script, so it runs the app, its argv starting there.
        result = self.py("restart", "x")
        self.assertEqual(result.stdout, "app got: app ['restarted', 'x']\n", result.stderr)
        # Typed without interpreter mode, the executable's path is an argument like any other.
        self.assertEqual(self.py(str(self.plain), "y", exe=self.plain).stdout, f"app ['{self.plain}', 'y']\n")

    def test_app_subprocess_of_sys_executable_and_an_embedded_modules_file(self):
        # tool.worker is in memory: its __file__ is no real file, yet python's command line runs it.
        result = self.py("delegate-by-path")
        self.assertEqual(result.stdout, "app got: worker __main__ ['by-path']\n", result.stderr)
        # Relative to the working directory too; a path that names nothing embedded is the app's
        # argument, and so is every path without interpreter mode.
        result = self.py("lib/app/tool/worker.py", "rel", cwd=self.exe.parent)
        self.assertEqual(result.stdout, "worker __main__ ['rel']\n", result.stderr)
        self.assertEqual(self.py("lib/app/tool/nothing.py", cwd=self.exe.parent).stdout, "app ['lib/app/tool/nothing.py']\n")
        self.assertEqual(self.py("lib/app/tool/worker.py", exe=self.plain, cwd=self.plain.parent).stdout,
                         "app ['lib/app/tool/worker.py']\n")

    def test_dash_c(self):
        result = self.py("-c", "import sys, tool.worker; print(sys.argv, tool.worker.__name__)", "a", "-b")
        self.assertEqual(result.stdout, "['-c', 'a', '-b'] tool.worker\n", result.stderr)
        self.assertEqual(self.py("-c", "raise SystemExit(4)").returncode, 4)

    def test_dash_m_with_traceback_from_memory(self):
        result = self.py("-m", "tool.worker", "fail")
        self.assertEqual(result.returncode, 1)
        self.assertIn("worker __main__ ['fail']", result.stdout)
        self.assertIn('raise RuntimeError("worker failed")', result.stderr)
        self.assertTrue(result.stderr.endswith("RuntimeError: worker failed\n"), result.stderr)
        missing = self.py("-m", "no_such_module")
        self.assertEqual((missing.returncode, missing.stderr), (1, f"{self.exe}: No module named no_such_module\n"))

    def test_script_and_stdin(self):
        script = write_tree(self.tmp / "scripts", {"hello.py": "import sys\nprint('script', sys.argv, __name__)\n"}) / "hello.py"
        result = self.py(script, "x")
        self.assertEqual(result.stdout, f"script [{str(script)!r}, 'x'] __main__\n", result.stderr)
        result = self.py("-", "y", input="import sys; print('stdin', sys.argv)")
        self.assertEqual(result.stdout, "stdin ['-', 'y']\n", result.stderr)
        directory = write_tree(self.tmp / "pkgdir", {"__main__.py": "print('dir main')\n"})
        self.assertEqual(self.py(directory).stdout, "dir main\n")
        # A file without a suffix is a script, as under python (a temporary one, say) ...
        other = write_tree(self.tmp / "other", {"tool script": "print('no suffix')\n"}) / "tool script"
        self.assertEqual(self.py(other).stdout, "no suffix\n")
        # ... but a file with another suffix is the app's argument, as ansible-playbook's
        # site.yml, where python would try to run it.
        playbook = write_tree(self.tmp / "playbook", {"site.yml": "- hosts: all\n"}) / "site.yml"
        self.assertEqual(self.py(playbook).stdout, f"app [{str(playbook)!r}]\n")

    def test_options_like_python(self):
        code = ("import sys; f = sys.flags; print(f.isolated, f.no_site, f.ignore_environment, f.optimize, f.dev_mode, "
                "sys.stdout.write_through, 'site' in sys.modules, sys.warnoptions, sys._xoptions.get('faulthandler'))")
        frozen = self.py("-I", "-S", "-E", "-u", "-O", "-X", "dev", "-X", "faulthandler", "-Wignore", "-c", code, exe=self.open_exe)
        python = run([PYTHON, "-I", "-S", "-E", "-u", "-O", "-X", "dev", "-X", "faulthandler", "-Wignore", "-c", code], env=clean_env())
        self.assertEqual(frozen.stdout, python.stdout, frozen.stderr)
        self.assertTrue(frozen.stdout.startswith("1 1 1 1 True True False "), frozen.stdout)
        frozen = self.py("-OO", "-c", "assert False; import sys; print(sys.flags.optimize)")
        self.assertEqual(frozen.stdout, "2\n", frozen.stderr)
        bad = self.py("-I", "-Z")
        python_bad = run([PYTHON, "-I", "-Z"])
        self.assertEqual((bad.returncode, bad.stderr.replace(str(self.exe), "<exe>")),
                         (python_bad.returncode, python_bad.stderr.replace(PYTHON, "<exe>")))

    def test_environment_follows_isolation(self):
        env = clean_env(PYTHONPATH=str(self.tmp), PYTHONWARNINGS="error")
        code = ("import sys; print(sys.warnoptions, sys.flags.isolated, sys.flags.no_user_site, "
                "[p for p in sys.path if p and not p.startswith(('/usr/', sys.prefix + '/'))])")
        # app.toml says isolated (default): the command line cannot undo it.
        self.assertEqual(self.py("-c", code, env=env).stdout, "[] 1 1 []\n")
        for options in ([], ["-E"], ["-s"], ["-I"]):
            with self.subTest(options=options):
                python = run([PYTHON, *options, "-c", code], env=env)
                self.assertEqual(self.py(*options, "-c", code, env=env, exe=self.open_exe).stdout, python.stdout)
        self.assertTrue(self.py("-c", code, env=env, exe=self.open_exe).stdout.startswith(f"['error'] 0 0 [{str(self.tmp)!r}"))

    def test_names_python_cannot_encode(self):
        # CPython's test_import.test_unencodable_filename: a module whose file name is not UTF-8
        # ("\udcff" is the byte 0xff) is found on disk by the path finder after the embedded
        # importer finds nothing; no entry point of the importer raises UnicodeEncodeError for
        # such names where python's finders and loaders do not ("\ud800" has no bytes at all).
        code = textwrap.dedent("""
            import importlib, importlib.resources, importlib.util, pkgutil, tool
            print(__import__("unenc_\\udcff").X)
            print(importlib.util.find_spec("\\ud800"), importlib.util.find_spec("tool.\\udcff"))
            loader = tool.__spec__.loader
            calls = [lambda: importlib.import_module("\\ud800"), lambda: importlib.import_module("tool.\\ud800"),
                     lambda: loader.get_source("tool.\\udcff"), lambda: loader.is_package("tool.\\ud800"),
                     lambda: loader.get_code("\\ud800"), lambda: loader.get_data("/nonexistent/\\udcff"),
                     lambda: (importlib.resources.files("tool") / "\\udcff").read_bytes()]
            for call in calls:
                try:
                    print("returned", call())
                except Exception as error:
                    print(type(error).__name__)
            print([(importlib.resources.files("tool") / name).exists() for name in ("\\udcff", "\\ud800")])
            print(sorted(m.name for m in pkgutil.iter_modules(tool.__path__, "tool.\\udcff")))
            """)
        # Python runs the same code from a copy of the sources, with the module beside them.
        cwd = write_tree(self.tmp / "unencodable", {"unenc_\udcff.py": "X = 'found on disk'\n",
                                                    **{k.removeprefix("src/"): v for k, v in self.FILES.items()}})
        frozen = self.py("-c", code, exe=self.open_exe, cwd=cwd)
        python = run([PYTHON, "-B", "-c", code], cwd=cwd, env=clean_env())
        self.assertEqual(python.returncode, 0, python.stderr)
        self.assertEqual((frozen.stdout, frozen.stderr), (python.stdout, ""))
        self.assertTrue(frozen.stdout.startswith("found on disk\nNone None\nModuleNotFoundError\n"), frozen.stdout)

    def test_app_arguments_that_are_not_python_options(self):
        for args in ([], ["run", "-c", "x"], ["--help"], ["-h"], ["--version"], ["-V"], ["no-such-file.py"], ["--c"],
                     [str(self.tmp)]):
            with self.subTest(args=args):
                self.assertEqual(self.py(*args).stdout, f"app {args}\n")

    def test_python_options_after_its_name_found_on_path_are_the_apps(self):
        # Started by its name, as a user types it, "-c lint.yml" is the app's own option
        # (ansible-lint's); by a path, as programs start an interpreter, python's.
        env = clean_env(PATH=f"{self.exe.parent}:/usr/bin:/bin")
        self.assertEqual(run(["tool", "-c", "lint.yml"], env=env).stdout, "app ['-c', 'lint.yml']\n")
        self.assertEqual(run(["tool", "-m", "x"], env=env).stdout, "app ['-m', 'x']\n")
        self.assertEqual(run(["./tool", "-c", "print('python')"], env=env, cwd=self.exe.parent).stdout, "python\n")
        # ... and the app's own [sys.executable, "-m", ...] still runs python's command line.
        self.assertEqual(run(["tool", "delegate"], env=env).stdout, "app got: worker __main__ ['from-app']\n")

    def test_nothing_beside_the_executable_configures_site(self):
        # A venv's pyvenv.cfg beside or above the executable and site-packages directories
        # under its prefix: python would use them; the frozen program (app, interpreter mode,
        # multiprocessing helpers) never does, and sys.prefix stays the executable's directory.
        root = self.tmp / "venvlike"
        marker = self.tmp / "pth-ran"
        exe = root / "bin" / "tool"
        for site_dir in (f"lib/{PYTHON_NAME}/site-packages", f"bin/lib/{PYTHON_NAME}/site-packages", "bin/lib/python3/dist-packages"):
            write_tree(root / site_dir, {"evil.pth": f"import os; open({str(marker)!r}, 'a').write('ran')\n"})
        write_tree(root, {"pyvenv.cfg": "home = /usr/bin\n", "bin/pyvenv.cfg": "home = /usr/bin\n"})
        exe.write_bytes(self.open_exe.read_bytes())
        exe.chmod(0o755)
        code = "import sys, site; print(sys.prefix, sys.executable, site.PREFIXES == [sys.prefix] * 2, 'exit' in dir(__builtins__))"
        for args in (["-c", code], ["-I", "-c", code], ["-s", "-c", code]):
            with self.subTest(args=args):
                result = self.py(*args, exe=exe)
                self.assertEqual(result.stdout, f"{exe.parent} {exe} True True\n", result.stderr)
        self.assertEqual(self.py("-S", "-c", "import sys; print(sys.prefix)", exe=exe).stdout, f"{exe.parent}\n")
        self.assertEqual(self.py("delegate", exe=exe).stdout, "app got: worker __main__ ['from-app']\n")
        self.assertFalse(marker.exists())

    def test_without_interpreter_mode_argv_is_the_apps(self):
        for args in (["-c", "print('code')"], ["-m", "tool.worker"], ["-I", "-c", "print(1)"], ["-"], [str(self.tmp)]):
            with self.subTest(args=args):
                self.assertEqual(self.py(*args, exe=self.plain).stdout, f"app {args}\n")


class StrictMultiprocessingArgvTest(TempDirTestCase):
    """Only the exact command lines multiprocessing builds are run; nothing else is python."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exe = build_app(cls.tmp / "app", '[app]\nname = "app"\ncode = "import sys; print(\'app\', sys.argv[1:])"\n', {})

    def run_app(self, *args):
        return run([self.exe, *args], env=clean_env(), stdin=subprocess.DEVNULL, timeout=60)

    def test_helper_command_lines_run(self):
        # The resource tracker reads an empty pipe (stdin) and ends.
        result = self.run_app("-B", "-I", "-c", "from multiprocessing.resource_tracker import main;main(0)")
        self.assertEqual((result.returncode, result.stdout, result.stderr), (0, "", ""))

    def test_anything_else_is_refused(self):
        refused = [
            ["-c", "from multiprocessing.resource_tracker import main;main(0); print('injected')"],
            ["-c", "from multiprocessing.resource_tracker import main;main(__import__('os').getpid())"],
            ["-c", "from multiprocessing.forkserver import main; main(3, 4, ['__main__'], **{'main_path': '/tmp/x.py'})"],
            ["-c", "from multiprocessing.forkserver import main; main(3, 4, [f'{print(1)}'], **{})"],
            ["-c", "from multiprocessing.forkserver import main; main(3, 4, ['a' + 'b'], **{})"],
            ["-c", "from multiprocessing.spawn import spawn_main; spawn_main(pipe_handle=print('x'))", "--multiprocessing-fork"],
            ["-c", "from multiprocessing.spawn import spawn_main; spawn_main(pipe_handle=5)"],
            ["-X", "importtime", "-c", "from multiprocessing.spawn import spawn_main; spawn_main(pipe_handle=5)", "--multiprocessing-fork", "x"],
            ["--multiprocessing-fork", "pipe_handle=os.system('true')"],
            ["--multiprocessing-fork", "tracker_fd=5"],
            ["--multiprocessing-fork", "pipe_handle=5", "pipe_handle=6"],
            ["--multiprocessing-fork", "pipe_handle=5 tracker_fd=6"],
        ]
        for args in refused:
            with self.subTest(args=args):
                result = self.run_app(*args)
                self.assertEqual(result.returncode, 2, result)
                self.assertIn("refusing a malformed multiprocessing", result.stderr)
                self.assertEqual(result.stdout, "")

    def test_other_dash_c_is_the_apps_argv(self):
        for args in (["-c", "print('code')"], ["-I", "-c", "import os"], ["-X", "dev", "-c", "from os import path"]):
            with self.subTest(args=args):
                self.assertEqual(self.run_app(*args).stdout, f"app {args}\n")


if __name__ == "__main__":
    unittest.main()

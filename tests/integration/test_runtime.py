"""A frozen executable behaves like the same program under python: argv, exit status, stdio,
imports, tracebacks with source lines, sys attributes, isolation."""
import json
import os
import shutil
import signal
import subprocess
import unittest

from freezetest import PYTHON, TempDirTestCase, build_app, clean_env, freeze, installation_path, run

APP_FILES = {
    "src/probe/__init__.py": """
        from .helpers import VALUE
        """,
    "src/probe/helpers.py": """
        VALUE = "helpers-value"

        def double(x):
            return 2 * x
        """,
    "src/probe/sub/__init__.py": "",
    "src/probe/sub/deep.py": """
        from .. import helpers
        from ..helpers import double

        def fail(message):
            raise RuntimeError(message)

        def check():
            return double(21), helpers.VALUE
        """,
    "src/probe/main.py": """
        import importlib, inspect, json, os, runpy, sys

        def main():
            cmd = sys.argv[1] if len(sys.argv) > 1 else "info"
            if cmd == "info":
                import probe
                from probe.sub import deep
                print(json.dumps({
                    "argv": sys.argv,
                    "executable": sys.executable,
                    "frozen": getattr(sys, "frozen", None),
                    "deep": deep.check(),
                    "file": deep.__file__,
                    "package": deep.__package__,
                    "is_pkg": probe.__spec__.submodule_search_locations is not None,
                    "path": sys.path,
                    "flags_isolated": sys.flags.isolated,
                    "optimize": sys.flags.optimize,
                    "modules_from_disk": sorted(m for m, mod in sys.modules.items()
                                                if getattr(getattr(mod, "__spec__", None), "loader", None).__class__.__name__
                                                in ("SourceFileLoader", "SourcelessFileLoader")),
                }))
            elif cmd == "exit":
                sys.exit(int(sys.argv[2]))
            elif cmd == "exit-message":
                sys.exit("fatal: " + sys.argv[2])
            elif cmd == "return":
                return int(sys.argv[2])
            elif cmd == "raise":
                from probe.sub import deep
                deep.fail("boom")
            elif cmd == "echo":
                data = sys.stdin.buffer.read()
                sys.stdout.buffer.write(data[::-1])
            elif cmd == "source":
                from probe.sub import deep
                print(inspect.getsource(deep.check))
                print(inspect.getsourcefile(deep.check))
            elif cmd == "import-module":
                mod = importlib.import_module("probe.sub.deep")
                print(mod.check())
                print(importlib.util.find_spec("probe.nonexistent"))
            elif cmd == "runpy":
                result = runpy.run_module("probe.helpers")
                print(result["VALUE"])
            elif cmd == "env":
                print(os.environ.get(sys.argv[2], "<unset>"))
            elif cmd == "sleep":
                print("ready", flush=True)
                import time
                time.sleep(30)
            elif cmd == "unicode":
                print("h\u00e9llo \u2603")
            elif cmd == "assert":
                assert False, "asserts are on"
                print("asserts are off")
            return 0
        """,
}

TOML = """
[app]
name = "probe"
entry = "probe.main:main"

[packages]
paths = ["src"]
"""


class RuntimeTest(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exe = build_app(cls.tmp / "project", TOML, APP_FILES)

    def probe(self, *args, **kwargs):
        return run([self.exe, *args], **kwargs)

    def info(self, *args, **kwargs):
        result = self.probe("info", *args, **kwargs)
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout)

    def installation_path(self):
        """sys.path of an isolated frozen program: the installation's directories."""
        return installation_path(self.exe.parent)

    def test_argv_executable_frozen(self):
        info = self.info("a b", "--flag", "-c", "x")
        self.assertEqual(info["argv"], [str(self.exe), "info", "a b", "--flag", "-c", "x"])
        self.assertEqual(info["executable"], str(self.exe))
        self.assertIs(info["frozen"], True)
        self.assertEqual(info["deep"], [42, "helpers-value"])
        self.assertEqual(info["package"], "probe.sub")
        self.assertTrue(info["is_pkg"])
        self.assertEqual(info["file"], str(self.exe.parent / "lib/app/probe/sub/deep.py"))
        self.assertEqual(info["modules_from_disk"], [])
        self.assertEqual(info["path"], self.installation_path())
        self.assertEqual(info["flags_isolated"], 1)

    def test_argv0_as_typed(self):
        result = run(["./probe", "info"], cwd=self.exe.parent)
        self.assertEqual(json.loads(result.stdout)["argv"][0], "./probe")
        self.assertEqual(json.loads(result.stdout)["executable"], str(self.exe))

    def test_exit_status(self):
        self.assertEqual(self.probe("exit", "0").returncode, 0)
        self.assertEqual(self.probe("exit", "3").returncode, 3)
        self.assertEqual(self.probe("return", "7").returncode, 7)
        result = self.probe("exit-message", "bad thing")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr, "fatal: bad thing\n")

    def test_uncaught_exception_traceback_has_source_lines(self):
        result = self.probe("raise")
        self.assertEqual(result.returncode, 1)
        self.assertIn("Traceback (most recent call last):", result.stderr)
        self.assertIn(f'File "{self.exe.parent}/lib/app/probe/sub/deep.py", line 6, in fail', result.stderr)
        self.assertIn('raise RuntimeError(message)', result.stderr)
        self.assertIn("deep.fail(\"boom\")", result.stderr)
        self.assertTrue(result.stderr.rstrip().endswith("RuntimeError: boom"), result.stderr)

    def test_stdin_stdout_binary(self):
        data = bytes(range(256)) * 100
        result = self.probe("echo", input=data, text=False)
        self.assertEqual(result.returncode, 0)
        self.assertEqual(result.stdout, data[::-1])

    def test_unicode_stdout_under_c_locale(self):
        for locale in ("C", "C.UTF-8"):
            result = self.probe("unicode", env=clean_env(LC_ALL=locale, LANG=locale))
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(result.stdout, "h\u00e9llo \u2603\n")

    def test_inspect_getsource(self):
        result = self.probe("source")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("def check():\n    return double(21), helpers.VALUE", result.stdout)
        self.assertIn(str(self.exe.parent / "lib/app/probe/sub/deep.py"), result.stdout)

    def test_import_module_and_find_spec(self):
        result = self.probe("import-module")
        self.assertEqual(result.stdout, "(42, 'helpers-value')\nNone\n", result.stderr)

    def test_runpy_run_module(self):
        result = self.probe("runpy")
        self.assertEqual(result.stdout, "helpers-value\n", result.stderr)

    def test_asserts_enabled_at_optimize_0(self):
        result = self.probe("assert")
        self.assertEqual(result.returncode, 1)
        self.assertIn("AssertionError: asserts are on", result.stderr)

    def test_isolated_ignores_pythonpath_and_pythonhome(self):
        evil = self.tmp / "evil"
        (evil / "probe").mkdir(parents=True, exist_ok=True)
        (evil / "probe" / "__init__.py").write_text("raise SystemExit('hijacked')\n")
        (evil / "json").mkdir(exist_ok=True)
        (evil / "json" / "__init__.py").write_text("raise SystemExit('hijacked')\n")
        env = clean_env(PYTHONPATH=str(evil), PYTHONHOME=str(evil), PYTHONSTARTUP=str(evil / "json/__init__.py"),
                        PYTHONINSPECT="1", PYTHONOPTIMIZE="2")
        info = self.info(env=env)
        self.assertEqual(info["path"], self.installation_path())  # no PYTHONPATH entry
        self.assertEqual(info["optimize"], 0)

    def test_runs_alone_from_another_directory(self):
        lonely = self.tmp / "lonely"
        lonely.mkdir(exist_ok=True)
        copy = lonely / "renamed"
        shutil.copy2(self.exe, copy)
        elsewhere = self.tmp / "elsewhere"
        elsewhere.mkdir(exist_ok=True)
        result = run([copy, "info"], cwd=elsewhere, env=clean_env())
        self.assertEqual(result.returncode, 0, result.stderr)
        info = json.loads(result.stdout)
        self.assertEqual(info["executable"], str(copy))
        self.assertEqual(info["deep"], [42, "helpers-value"])

    def test_keyboard_interrupt_exits_by_sigint(self):
        proc = subprocess.Popen([str(self.exe), "sleep"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertEqual(proc.stdout.readline(), "ready\n")
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, -signal.SIGINT)  # a shell reports 130
        self.assertIn("KeyboardInterrupt", stderr)

    def test_no_libpython_dependency(self):
        result = run(["ldd", self.exe])
        self.assertNotIn("libpython", result.stdout)
        self.assertNotIn("libzstd", result.stdout)


class EntryKindsTest(TempDirTestCase):
    FILES = {
        "app/tool.py": """
            import sys
            class Commands:
                @staticmethod
                def run():
                    print("method", __name__, sys.argv[1:])
                    return 5
            def main():
                print("function", __name__)
            if __name__ == "__main__":
                print("as main", sys.argv[1:])
                sys.exit(4)
            """,
    }

    def build(self, name, app_lines, extra=""):
        toml = f'[app]\nname = "{name}"\n{app_lines}\n[packages]\npaths = ["app"]\n{extra}'
        return build_app(self.tmp / name, toml, self.FILES)

    def test_module_runs_as_main(self):
        exe = self.build("asmain", 'entry = "tool"')
        result = run([exe, "x"])
        self.assertEqual((result.returncode, result.stdout), (4, "as main ['x']\n"))

    def test_dotted_attribute(self):
        exe = self.build("method", 'entry = "tool:Commands.run"')
        result = run([exe, "y"])
        self.assertEqual((result.returncode, result.stdout), (5, "method tool ['y']\n"))

    def test_function_returning_none_exits_0(self):
        exe = self.build("function", 'entry = "tool:main"')
        result = run([exe])
        self.assertEqual((result.returncode, result.stdout), (0, "function tool\n"))

    def test_commands_run_under_their_names(self):
        exe = self.build("multi", 'entry = "tool:main"\ncommands = { multi-method = "tool:Commands.run", multi-main = "tool" }')
        dist = exe.parent
        self.assertEqual(sorted(p.name for p in dist.iterdir()), ["multi", "multi-main", "multi-method"])
        self.assertEqual(os.readlink(dist / "multi-method"), "multi")
        self.assertIn("command      multi-main: tool, run as __main__", freeze("inspect", exe).stdout)
        self.assertEqual(run([exe]).stdout, "function tool\n")
        result = run([dist / "multi-method", "a"])
        self.assertEqual((result.returncode, result.stdout), (5, "method tool ['a']\n"))
        result = run([dist / "multi-main", "b"])
        self.assertEqual((result.returncode, result.stdout), (4, "as main ['b']\n"))
        # Found on PATH by its name, as a tool runs its sibling commands; and as a hard link
        # anywhere, under that name.
        result = run(["multi-method", "c"], env=clean_env(PATH=f"{dist}:/usr/bin:/bin"))
        self.assertEqual((result.returncode, result.stdout), (5, "method tool ['c']\n"))
        (self.tmp / "bin").mkdir()
        os.link(exe, self.tmp / "bin" / "multi-main")
        os.link(exe, self.tmp / "bin" / "not-a-command")
        self.assertEqual(run([self.tmp / "bin" / "multi-main"]).stdout, "as main []\n")
        self.assertEqual(run([self.tmp / "bin" / "not-a-command"]).stdout, "function tool\n")

        # A rebuild without multi-main removes its symlink, and only that.
        (dist / "notes.txt").write_text("the user's\n")
        self.build("multi", 'entry = "tool:main"\ncommands = { multi-method = "tool:Commands.run" }')
        self.assertEqual(sorted(p.name for p in dist.iterdir()), ["multi", "multi-method", "notes.txt"])
        # A file of a command's name that is not its symlink is the user's: an error, nothing written.
        before = (dist / "multi").read_bytes()
        (self.tmp / "multi" / "app.toml").write_text((self.tmp / "multi" / "app.toml").read_text().replace(
            '"tool:Commands.run" }', '"tool:Commands.run", "notes.txt" = "tool" }'))
        result = freeze("build", self.tmp / "multi" / "app.toml", check=False)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn(f"{dist}/notes.txt: exists and is not a symlink to multi", result.stderr)
        self.assertEqual((dist / "notes.txt").read_text(), "the user's\n")
        self.assertEqual((dist / "multi").read_bytes(), before)
        self.assertEqual(sorted(p.name for p in dist.iterdir()), ["multi", "multi-method", "notes.txt"])

    def test_commands_of_an_executable_with_files_beside_it(self):
        # NAME is then a symlink into the build directory: the previous build's commands are
        # read from the executable there, and the one a rebuild drops goes.
        routing = '[[routing.rule]]\nname = "tool"\nlocation = "filesystem-relative"\n'
        exe = self.build("beside", 'entry = "tool:main"\ncommands = { b-method = "tool:Commands.run", b-main = "tool" }', routing)
        self.assertTrue(exe.is_symlink())
        self.assertEqual(run([exe.parent / "b-main", "x"]).stdout, "as main ['x']\n")
        self.build("beside", 'entry = "tool:main"\ncommands = { b-method = "tool:Commands.run" }', routing)
        self.assertEqual(sorted(p.name for p in exe.parent.iterdir() if not p.name.startswith(".")), ["b-method", "beside"])
        self.assertEqual(run([exe.parent / "b-method", "y"]).stdout, "method tool ['y']\n")

    def test_code(self):
        exe = self.build("code", "code = \"import sys, tool; print('code', sys.argv[1:]); sys.exit(9)\"")
        result = run([exe, "z"])
        self.assertEqual((result.returncode, result.stdout), (9, "code ['z']\n"))

    def test_optimize_2_strips_asserts_and_docstrings(self):
        files = {"app/opt.py": """
            '''doc'''
            def main():
                assert False
                print("optimized", __doc__, __debug__)
            """}
        toml = '[app]\nname = "opt"\nentry = "opt:main"\n[python]\noptimize = 2\n[packages]\npaths = ["app"]\n'
        exe = build_app(self.tmp / "opt", toml, files)
        result = run([exe])
        self.assertEqual(result.stdout, "optimized None False\n", result.stderr)

    def test_frozen_false_leaves_sys_frozen_unset_and_spawn_still_works(self):
        # For a frozen branch written for py2exe (sqlmap's data beside sys.executable): unset in
        # the app, in a subinterpreter and in a spawned child, whose command line is then the
        # -c one multiprocessing builds for python, which the launcher recognises.
        files = {"app/probe.py": """
            import multiprocessing, sys
            try:
                import _interpreters as interpreters  # 3.13+
            except ImportError:
                import _xxsubinterpreters as interpreters

            def child_frozen():
                return hasattr(sys, "frozen")

            def main():
                print("app", hasattr(sys, "frozen"), flush=True)
                interpreter = interpreters.create()
                interpreters.run_string(interpreter, "import sys; print('subinterpreter', hasattr(sys, 'frozen'), flush=True)")
                interpreters.destroy(interpreter)
                with multiprocessing.get_context("spawn").Pool(1) as pool:
                    print("spawned", pool.apply(child_frozen))
            """}
        toml = '[app]\nname = "unfrozen"\nentry = "probe:main"\n[python]\nfrozen = false\n[packages]\npaths = ["app"]\n'
        exe = build_app(self.tmp / "unfrozen", toml, files)
        result = run([exe])
        self.assertEqual(result.stdout, "app False\nsubinterpreter False\nspawned False\n", result.stderr)
        toml = toml.replace("frozen = false", "frozen = true").replace('"unfrozen"', '"frozen"')
        result = run([build_app(self.tmp / "frozen", toml, files)])
        self.assertEqual(result.stdout, "app True\nsubinterpreter True\nspawned True\n", result.stderr)

    def test_not_isolated_honours_pythonpath(self):
        extra_dir = self.tmp / "extra"
        extra_dir.mkdir(exist_ok=True)
        (extra_dir / "plugin.py").write_text("NAME = 'plugin from PYTHONPATH'\n")
        toml = ('[app]\nname = "open"\ncode = "import plugin; print(plugin.NAME)"\n'
                '[python]\nisolated = false\n[packages]\npaths = ["app"]\n')
        exe = build_app(self.tmp / "open", toml, self.FILES)
        result = run([exe], env=clean_env(PYTHONPATH=str(extra_dir)))
        self.assertEqual(result.stdout, "plugin from PYTHONPATH\n", result.stderr)


class ResourceListingTest(TempDirTestCase):
    """importlib.resources.files(pkg) holds what the package's directory holds under python: for a
    package routed beside the executable, that real directory; for a package in memory, its data
    files and its modules' .py files (their source), as listed on disk."""

    PACKAGE = {
        "__init__.py": "VALUE = 1\n",
        "tool.py": "def f():\n    return 'caf\u00e9'\n",
        "sub/__init__.py": "",
        "sub/deep.py": "X = 2\n",
        "data/words.txt": "alpha\n",
        "data/nested/more.txt": "beta\n",
    }
    PROBE = """
        import importlib.resources as resources, json, pathlib

        def main():
            out = {}
            for package in ("mem", "mem.sub", "mem.data", "disk", "disk.sub", "disk.data"):
                files = resources.files(package)
                out[package] = {
                    "iterdir": sorted(p.name for p in files.iterdir()),
                    "contents": sorted(resources.contents(package)),
                    "init": files.joinpath("__init__.py").is_file(),
                    "sub_is_dir": files.joinpath("sub").is_dir(),
                }
                if package in ("mem", "disk"):
                    out[package]["tool"] = files.joinpath("tool.py").read_text(encoding="utf-8")
                    out[package]["nested"] = sorted(p.name for p in (files / "data").iterdir())
                    out[package]["is_resource"] = resources.is_resource(package, "tool.py")
            out["disk_is_path"] = isinstance(resources.files("disk"), pathlib.Path)
            out["disk_dir"] = str(resources.files("disk"))
            out["mem_tool_on_disk"] = isinstance(resources.files("mem") / "tool.py", pathlib.Path)
            print(json.dumps(out, sort_keys=True))
        """

    def test_listing_like_python(self):
        files = {"src/probe.py": self.PROBE}
        for package in ("mem", "disk"):
            files.update({f"src/{package}/{name}": text for name, text in self.PACKAGE.items()})
        toml = ('[app]\nname = "listing"\nentry = "probe:main"\n[packages]\npaths = ["src"]\n'
                '[[routing.rule]]\nname = "disk"\nlocation = "filesystem-relative"\n')
        exe = build_app(self.tmp / "listing", toml, files)
        frozen = run([exe], env=clean_env())
        self.assertEqual(frozen.returncode, 0, frozen.stderr)
        frozen = json.loads(frozen.stdout)
        src = self.tmp / "listing" / "src"
        python = run([PYTHON, "-B", "-c", "import probe; probe.main()"], cwd=src, env=clean_env())
        self.assertEqual(python.returncode, 0, python.stderr)
        python = json.loads(python.stdout)

        self.assertEqual(frozen.pop("disk_dir"), str(exe.resolve().parent / "lib/app/disk"))
        self.assertEqual(python.pop("disk_dir"), str(src / "disk"))
        self.assertEqual(frozen["mem"]["iterdir"], ["__init__.py", "data", "sub", "tool.py"])
        # The filesystem-routed package is its directory, where freeze also wrote the bytecode.
        for listing in ("iterdir", "contents"):
            for package in ("disk", "disk.sub"):
                self.assertEqual(frozen[package][listing], sorted(python[package][listing] + ["__pycache__"]))
                python[package][listing] = frozen[package][listing]
        self.assertEqual(frozen, dict(python, mem_tool_on_disk=False))


if __name__ == "__main__":
    unittest.main()

"""`freeze check` on what real packages do: plugins found only through entry points (flake8's
mccabe, pytest's pytest11), a module that replaces builtins.__import__ (dill), a module that
turns a missing dependency into sys.exit(2) (borg, ansible), test and setup modules of installed
packages, output printed at import, interpreter mode, environment markers in build warnings,
and hints that name the package reading the data. One check (one build) per class."""
import json
import os
import re
import subprocess
import unittest

from freezetest import DIST_PACKAGES, FREEZE, TempDirTestCase, write_tree



def check(config, *args, env=None):
    result = subprocess.run([FREEZE, "check", str(config), *map(str, args)], capture_output=True, text=True,
                            timeout=300, env=env)
    return result


def block(report, name):
    """The report's block for one failed item: from its FAIL line to the next FAIL line."""
    start = report.index(f" {name}  [")
    end = report.find("\nFAIL", start)
    return report[start:end if end >= 0 else len(report)]


def build_extension(directory, name):
    """A C extension module NAME (an empty module) in DIRECTORY, as mypyc would put it beside NAME.py."""
    source = directory / f"{name}_ext.c"
    source.write_text('#include <Python.h>\nstatic struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "%s", 0, -1, 0};\n'
                      'PyMODINIT_FUNC PyInit_%s(void) { return PyModule_Create(&def); }\n' % (name, name))
    include = subprocess.run(["/usr/bin/python3.11", "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run(["cc", "-shared", "-fPIC", f"-I{include}", "-o", directory / f"{name}.cpython-311-x86_64-linux-gnu.so",
                    source], check=True)
    source.unlink()


# An installed package (in a site dir of its own) with the parts check must not misjudge.
SITE_FILES = {
    "tinyplug/__init__.py": "VALUE = 1\n",
    # Its tests and testing helpers need pytest, which the app does not include.
    "tinyplug/tests/__init__.py": "",
    "tinyplug/tests/test_value.py": "import pytest\n",
    "tinyplug/testing.py": "import pytest\n",
    "tinyplug/testutils.py": "import _pytest\n",  # as pylint.testutils
    "tinyplug/test_flat.py": "import pytest\n",  # pytest's test_*.py beside the code, as ecdsa ships them
    "tinyplug/conftest.py": "import pytest\n",
    "tinyplug/_pyinstaller/__init__.py": "",
    "tinyplug/_pyinstaller/hook.py": "from PyInstaller.utils.hooks import collect_data_files\n",
    "tinyplug/build/setup.py": "raise SystemExit('setup.py: usage')\n",
    "tinyplug/build/__init__.py": "",
    "tinyplug/_examples/__init__.py": "",
    "tinyplug/_examples/numba_demo.py": "import numba\n",
    # Reads a data file by a path under its own directory when imported (as blib2to3 does for
    # black), which the frozen app lacks. Under python it reads one that exists: a failure python
    # shares is set aside as the package's own, not reported with a hint.
    "reader/__init__.py": "import os, sys\nNAME = 'cache/grammar.pickle' if getattr(sys, 'frozen', False) else 'data.txt'\n"
                          "GRAMMAR = open(os.path.join(os.path.dirname(__file__), NAME), 'rb')\n",
    "reader/data.txt": "data\n",
    # A mypyc-compiled module ships its source beside the extension: one module, two resources.
    # The source builds a path from __file__ in a package with data: a possible problem, once.
    "tinyplug/twin.py": "import os\nDATA = os.path.join(os.path.dirname(__file__), 'data.txt')\n",
    "tinyplug/data.txt": "data\n",
    "tinyplug-1.0.dist-info/METADATA": (
        "Metadata-Version: 2.1\nName: tinyplug\nVersion: 1.0\n"
        'Requires-Dist: typing-extensions ; python_version < "3.8"\n'
        "Requires-Dist: colorama ; sys_platform == 'win32'\n"
        "Requires-Dist: pytest ; extra == 'testing'\n"
        "Requires-Dist: surely-absent-requirement (>=1.0)\n"),
    "tinyplug-1.0.dist-info/top_level.txt": "tinyplug\n",
    # Plugins in its own group: one with extras and spaces, as Babel's and Sphinx's are written.
    "tinyplug-1.0.dist-info/entry_points.txt": ("[tinyplug.plugins]\nplain = tinyplug:VALUE\n"
                                                "with_extras = tinyplug : VALUE [i18n, extra]\n"),
    "tinyplug-1.0.dist-info/RECORD": "",
}

APP_FILES = {
    "src/fx/__init__.py": "",
    "src/fx/main.py": "def main():\n    return 0\n",
    # Prints when imported, then a module that prints and crashes: the crash's output is its own.
    "src/fx/aa_noisy.py": "print('NOISY MODULE OUTPUT')\n",
    "src/fx/zz_crash.py": "import ctypes, sys\nprint('CRASHING NOW', flush=True)\nctypes.string_at(0)\n",
    # borg's and ansible's way: a missing dependency becomes sys.exit(2).
    "src/fx/borgish.py": ("import sys\ntry:\n    import surely_missing_dependency_xyz\n"
                          "except BaseException:\n    print('missing dependency', file=sys.stderr)\n    sys.exit(2)\n"),
    "src/fx/script.py": "import sys\nsys.exit('usage: script FILE')\n",
    # dill.__diff replaces builtins.__import__ when imported; later checks must not suffer.
    "src/fx/dd_dill.py": "import dill.__diff\n",
    "src/fx/ee_after.py": "import json, decimal, fractions\nfrom fx import main\n",
    "src/fx/uses_reader.py": "import reader\n",
}


class CheckFixturesTest(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not (DIST_PACKAGES / "dill").is_dir():
            raise unittest.SkipTest("python3-dill is not installed")
        write_tree(cls.tmp / "site", SITE_FILES)
        build_extension(cls.tmp / "site" / "tinyplug", "twin")
        toml = f"""
[app]
name = "fx"
entry = "fx.main:main"
[python]
interpreter = true
[packages]
paths = ["src"]
site_packages = [{{ dir = "{cls.tmp / 'site'}", include = ["tinyplug", "reader"] }},
                 {{ dir = "{DIST_PACKAGES}", include = ["dill"] }}]
"""
        cls.root = write_tree(cls.tmp / "app", dict(APP_FILES, **{"app.toml": toml}))
        cls.result = check(cls.root / "app.toml", "--verbose", "--timeout", "20")
        cls.report = cls.result.stdout

    def test_interpreter_mode_runs_the_checks(self):
        # It used to stop before the first check: the manifest was taken for a script.
        self.assertNotIn("stopped before its first check", self.result.stderr)
        self.assertIn("ok    module fx.aa_noisy", self.report)
        self.assertEqual(self.result.returncode, 1, self.result.stderr)

    def test_failures_are_the_real_ones(self):
        failed = {line.split("  ")[1] for line in self.report.splitlines() if line.startswith("FAIL  ")}
        # reader's own failure is the same problem as fx.uses_reader's: listed under it.
        self.assertEqual(failed, {"module fx.borgish", "module fx.script", "module fx.zz_crash",
                                  "module fx.uses_reader"}, self.report)
        self.assertIn("the same failure in 1 more: reader", block(self.report, "fx.uses_reader"))

    def test_plugin_entry_points_with_extras(self):
        self.assertIn("ok    entry_point tinyplug.plugins: plain = tinyplug:VALUE", self.report)
        self.assertIn("ok    entry_point tinyplug.plugins: with_extras = tinyplug:VALUE", self.report)

    def test_import_error_behind_sys_exit(self):
        text = block(self.report, "fx.borgish")
        self.assertIn("ModuleNotFoundError: No module named 'surely_missing_dependency_xyz' (then sys.exit(2))", text)
        self.assertIn("neither included nor installed", text)
        self.assertNotIn("it is a script", text)
        # A real script keeps its diagnosis.
        self.assertIn("it is a script", block(self.report, "fx.script"))

    def test_builtins_import_replacement_is_undone(self):
        # fx.dd_dill imported dill.__diff, which replaced builtins.__import__: the modules checked
        # after it still pass (dill._objects failed with a ReferenceError in dill/__diff.py).
        self.assertIn("ok    module fx.dd_dill", self.report)
        self.assertIn("ok    module fx.ee_after", self.report)
        self.assertIn("ok    module dill._objects", self.report)
        self.assertNotIn("FAIL  module dill", self.report)
        self.assertNotIn("__diff.py", self.report)

    def test_output_printed_at_import_stays_with_its_module(self):
        self.assertNotIn("NOISY MODULE OUTPUT", self.report)
        crash = block(self.report, "fx.zz_crash")
        self.assertIn("CRASHING NOW", crash)
        self.assertIn("SIGSEGV", crash)

    def test_tests_and_setup_modules_of_installed_packages_are_skipped(self):
        for name, reason in (("tinyplug.tests", "the package's own tests"),
                             ("tinyplug.tests.test_value", "the package's own tests"),
                             ("tinyplug.test_flat", "the package's own tests"),
                             ("tinyplug.conftest", "pytest's configuration"),
                             ("tinyplug._pyinstaller.hook", "PyInstaller hooks"),
                             ("tinyplug.build.setup", "a setup script"),
                             ("tinyplug._examples.numba_demo", "the package's examples"),
                             ("tinyplug.testing", "a testing helper that needs pytest"),
                             ("tinyplug.testutils", "a testing helper that needs _pytest")):
            self.assertRegex(self.report, rf"\n  {name}: {reason}.*--tests", name)
        self.assertNotIn("FAIL  module tinyplug", self.report)
        # They stay checkable.
        data = json.loads(check(self.root / "app.toml", "--tests", "--json", "--exclude", "fx").stdout)
        failures = {failure["name"]: failure for failure in data["failures"]}
        self.assertTrue({"tinyplug.tests.test_value", "tinyplug.test_flat", "tinyplug.testing", "tinyplug.conftest",
                         "tinyplug.build.setup"} <= set(failures), failures.keys())
        self.assertIn("it is the test code of an installed package (it imports pytest): leave it out of the check with "
                      "--exclude tinyplug.testing", failures["tinyplug.testing"]["hint"])

    def test_hint_names_the_package_that_reads_the_data(self):
        # fx.uses_reader is checked, reader opens the file: the hint is about reader.
        text = block(self.report, "fx.uses_reader")
        self.assertIn("reader/cache/grammar.pickle", text)
        self.assertNotIn('"fx"', text)
        if "the files of reader " in text:
            return  # in memory files open by path; this one was never built in
        self.assertIn('name = "reader"', text)
        self.assertIn('importlib.resources.files("reader")', text)

    def test_one_check_per_module(self):
        # It was checked twice (as the .py and as the .so), and its possible problem listed twice.
        self.assertEqual(self.report.count("module tinyplug.twin\n"), 1, self.report)
        self.assertLessEqual(self.report.count("tinyplug.twin line 2:"), 1)


class BuildWarningMarkersTest(TempDirTestCase):
    """A requirement whose environment marker excludes CPython 3.11 on Linux is not missing."""

    def test_only_requirements_that_apply_are_reported(self):
        write_tree(self.tmp / "site", SITE_FILES)
        root = write_tree(self.tmp / "app", {"app.toml": f"""
[app]
name = "tp"
code = "import tinyplug"
[stdlib]
include = "none"
[packages]
site_packages = [{{ dir = "{self.tmp / 'site'}", include = ["tinyplug"] }}]
"""})
        # A cache of its own: the build's warnings are printed when it collects, not on a cache hit.
        env = dict(os.environ, FREEZE_CACHE_DIR=str(self.tmp / "cache"))
        result = subprocess.run([FREEZE, "build", str(root / "app.toml")], capture_output=True, text=True,
                                timeout=300, env=env)
        self.assertEqual(result.returncode, 0, result.stderr)
        warnings = [line for line in result.stderr.splitlines() if "tinyplug requires" in line]
        self.assertEqual(len(warnings), 1, result.stderr)
        self.assertIn("surely-absent-requirement", warnings[0])
        for excluded in ("typing-extensions", "colorama", "pytest"):
            self.assertNotIn(excluded, warnings[0])


def flake8_toml(include):
    return f"""
[app]
name = "f8"
entry = "console_script:flake8"
[packages]
site_packages = [{{ dir = "{DIST_PACKAGES}", include = {json.dumps(include)} }}]
"""


class CheckFlake8PluginsTest(TempDirTestCase):
    """flake8 finds mccabe (its C90 checks) only through the flake8.extension entry point."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not (DIST_PACKAGES / "flake8").is_dir() or not (DIST_PACKAGES / "mccabe.py").is_file():
            raise unittest.SkipTest("flake8 and python3-mccabe are not installed")

    def test_missing_plugin_reported_then_full_config_passes(self):
        root = write_tree(self.tmp / "f8", {"app.toml": flake8_toml(["flake8", "pycodestyle", "pyflakes"])})
        result = check(root / "app.toml")
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        text = block(result.stdout, "mccabe")
        self.assertIn("FAIL  plugin mccabe", result.stdout)
        self.assertIn("flake8.extension (C90 = mccabe:McCabeChecker)", text)
        self.assertIn(f'site_packages = [{{ dir = "{DIST_PACKAGES}", include = [..., "mccabe"] }}]', text)
        # Only plugin distributions fail (this machine may have more flake8 plugins: radon's).
        plugins_left_out = result.stdout.count("\nFAIL  plugin ") + result.stdout.startswith("FAIL  plugin ")
        self.assertRegex(result.stdout, rf"\n{plugins_left_out} of \d+ checks failed")

        (root / "app.toml").write_text(flake8_toml(["flake8", "pycodestyle", "pyflakes", "mccabe"]))
        others = [name for name in re.findall(r"FAIL  plugin (\S+)", result.stdout) if name != "mccabe"]
        result = check(root / "app.toml", "--verbose", *[arg for name in others for arg in ("--exclude", name)])
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertIn("ok    entry_point flake8.extension: C90 = mccabe:McCabeChecker", result.stdout)
        self.assertIn("ok    entry_point flake8.extension: F = flake8.plugins.pyflakes:FlakesChecker", result.stdout)
        self.assertRegex(result.stdout, r"all \d+ checks passed .*\d+ plugin entry points")


PYTEST_DISTRIBUTIONS = ["pytest", "_pytest", "py.py", "pluggy", "iniconfig", "packaging", "attr", "attrs",
                        "pytest_timeout.py"]


class CheckPytestPluginsTest(TempDirTestCase):
    """pytest loads the pytest11 entry points of every installed distribution (pytest-timeout)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not (DIST_PACKAGES / "pytest_timeout.py").is_file():
            raise unittest.SkipTest("python3-pytest-timeout is not installed")
        # A site dir with pytest and its plugin only: Debian's python3-py puts a py/ package beside
        # pytest's py.py shim, which is another question (two resources on one path).
        cls.site = cls.tmp / "site"
        cls.site.mkdir()
        for entry in DIST_PACKAGES.iterdir():
            stem = entry.name.split("-")[0].lower()
            if entry.name in PYTEST_DISTRIBUTIONS or (entry.name.endswith(("-info")) and stem in
                                                      {"pytest", "pluggy", "iniconfig", "packaging", "attrs",
                                                       "pytest_timeout"}):
                (cls.site / entry.name).symlink_to(entry)

    def toml(self, include):
        return f"""
[app]
name = "pt"
entry = "console_script:pytest"
[packages]
site_packages = [{{ dir = "{self.site}", include = {json.dumps(include)} }}]
"""

    def test_missing_plugin_reported_then_full_config_passes(self):
        base = ["pytest", "_pytest", "py", "pluggy", "iniconfig", "packaging", "attr", "attrs"]
        root = write_tree(self.tmp / "pt", {"app.toml": self.toml(base)})
        result = check(root / "app.toml")
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        text = block(result.stdout, "pytest_timeout")
        self.assertIn("pytest11 (timeout = pytest_timeout)", text)
        self.assertIn('include = [..., "pytest_timeout"]', text)
        self.assertRegex(result.stdout, r"1 of \d+ checks failed")

        (root / "app.toml").write_text(self.toml(base + ["pytest_timeout"]))
        result = check(root / "app.toml", "--verbose")
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertIn("ok    entry_point pytest11: timeout = pytest_timeout", result.stdout)


class CheckBlackTest(TempDirTestCase):
    """black's grammar is read by blib2to3: a hint about it names blib2to3, never black."""

    def test_hint_names_blib2to3(self):
        if not (DIST_PACKAGES / "black").is_dir():
            self.skipTest("black is not installed")
        include = ["black", "blib2to3", "_black_version", "click", "mypy_extensions", "packaging", "pathspec",
                   "platformdirs"]
        root = write_tree(self.tmp / "black", {"app.toml": f"""
[app]
name = "blk"
entry = "console_script:black"
[packages]
site_packages = [{{ dir = "{DIST_PACKAGES}", include = {json.dumps(include)} }}]
"""})
        data = json.loads(check(root / "app.toml", "--json").stdout)
        failures = {failure["name"]: failure for failure in data["failures"]}
        self.assertNotIn("black.tests", failures)
        # In memory the grammar may be readable (then black passes); if not, the hint routes blib2to3.
        if "black" in failures and "Grammar" in failures["black"]["message"]:
            self.assertIn('name = "blib2to3"', failures["black"]["hint"])
            self.assertNotIn('name = "black"', failures["black"]["hint"])
        self.assertTrue(all("name = \"black\"" not in failure["hint"] for failure in data["failures"]))


if __name__ == "__main__":
    unittest.main()

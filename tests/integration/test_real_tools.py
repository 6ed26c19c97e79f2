"""Real tools from Debian frozen with the default in-memory routing, run with every Python
installation hidden, against the same code under python3.11: pytest loading a conftest.py
(it reads sys.path[0]), coverage.py measuring the app's own code (it must not take it for the
stdlib or an installed package), mypyc-compiled mypy (extension modules win over the .py
files beside them; the "<hash>__mypyc" helper module comes with the distribution) and flake8's
parallel mode (-j2 pickles entry points and their distributions), and autopep8 (it reads every
file's encoding with lib2to3, which the default [stdlib] exclude must therefore keep). One executable serves all of
them, built once."""
import json
import re
import unittest

from freezetest import DIST_PACKAGES, PYTHON, TempDirTestCase, can_hide_pythons, clean_env, freeze, run, run_hidden, write_tree, uses_debian_python3_11

NEEDED = ["pytest", "_pytest", "pluggy", "iniconfig", "coverage", "mypy", "flake8", "pyflakes", "py.py", "autopep8.py"]
TOOLS = ["pytest", "_pytest", "pluggy", "iniconfig", "packaging", "py", "attr", "pytest_timeout", "coverage", "mypy", "mypyc",
         "mypy_extensions", "typing_extensions", "flake8", "pyflakes", "pycodestyle", "mccabe", "autopep8"]

TOML = """
[app]
name = "tools"
entry = "tools.main:main"
[packages]
paths = ["src"]
site_packages = [{{ dir = "/usr/lib/python3/dist-packages", include = {include} }}]
{routing}
"""

APP = {
    "src/tools/__init__.py": "",
    "src/tools/work.py": """\
        def classify(n):
            if n < 0:
                return "negative"
            if n == 0:
                return "zero"
            return "positive"
        """,
    "src/tools/main.py": """\
        import importlib.machinery, json, os, pickle, sys

        def measure(report):
            import coverage
            cov = coverage.Coverage(data_file=None)
            cov.start()
            from tools import work
            work.classify(5)
            work.classify(0)
            cov.stop()
            if report:
                return cov.report(show_missing=True)
            base = os.path.dirname(os.path.dirname(work.__file__))
            data = cov.get_data()
            print(json.dumps({os.path.relpath(f, base): sorted(data.lines(f)) for f in data.measured_files()}))

        def mypy_facts():
            import mypy, mypy.api, mypy.build, mypy.version
            compiled = sorted(name for name, module in sys.modules.items()
                              if name.split(".")[0] in ("mypy", "mypyc")
                              and getattr(module, "__file__", "").endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)))
            print(json.dumps({"mypy": os.path.basename(mypy.__file__), "build": os.path.basename(mypy.build.__file__),
                              "helpers": sorted(name for name in sys.modules if name.endswith("__mypyc")),
                              "compiled": compiled, "version": mypy.version.__version__,
                              "api": mypy.api.run(["--version"]),
                              # A real check: mypy reads typeshed's stubs by path, from memory.
                              "check": mypy.api.run(["--cache-dir=/dev/null", "--no-error-summary", "-c", "x: int = 'a'"])}))

        def pickles():
            from importlib import metadata
            dist = metadata.distribution("flake8")
            copy = pickle.loads(pickle.dumps(dist))
            points = metadata.entry_points(group="flake8.report")
            again = pickle.loads(pickle.dumps(list(points)))
            print(json.dumps({"name": copy.metadata["Name"], "version": copy.version, "type": type(copy).__name__,
                              "points": sorted(p.name for p in again), "same": again == list(points),
                              "dist": sorted({p.dist.metadata["Name"] for p in again}),
                              # Each installed distribution is found once, as under python.
                              "found": sum(d.metadata["Name"] == "flake8" for d in metadata.distributions())}))

        def main():
            tool, args = sys.argv[1], sys.argv[2:]
            if tool == "pytest":
                import pytest
                return pytest.main(args)
            if tool == "flake8":
                from flake8.main.cli import main as flake8
                return flake8(args)
            if tool in ("coverage", "coverage-report"):
                return measure(tool == "coverage-report")
            if tool == "mypy":
                return mypy_facts()
            if tool == "pickle":
                return pickles()
            if tool == "autopep8":
                import autopep8
                return autopep8.main(["autopep8", *args], apply_config=False)
        """,
}

TESTS = {
    "suite/conftest.py": """\
        import pytest

        @pytest.fixture
        def answer():
            return 42
        """,
    "suite/test_answers.py": """\
        def test_answer(answer):
            assert answer == 42

        def test_wrong(answer):
            assert answer == 41
        """,
    "lint/a.py": "import os\nx=1\n",
    "lint/b.py": "def f( ):\n    return  1\n",
}


def build(project, routing=""):
    """Builds the tools app into project/dist; returns the executable. Compression level 1:
    mypy's extension modules alone are 30 MB, which the default level takes long to squeeze."""
    write_tree(project, dict(APP, **{"app.toml": TOML.format(include=json.dumps(TOOLS), routing=routing)}))
    freeze("build", project / "app.toml", "-q", "--compression-level", "1")
    return project / "dist" / "tools"


@uses_debian_python3_11
class RealToolsTest(TempDirTestCase):
    maxDiff = None
    @classmethod
    def setUpClass(cls):
        missing = [n for n in NEEDED if not (DIST_PACKAGES / n).exists()]
        if missing:
            raise unittest.SkipTest(f"Debian packages not installed: {missing} (scripts/install-deps.sh installs them)")
        if not can_hide_pythons():
            raise unittest.SkipTest("unshare -m is not permitted here")
        super().setUpClass()
        cls.project = cls.tmp / "project"
        cls.exe = build(cls.project)
        write_tree(cls.project, TESTS)

    def python(self, *args, cwd=None):
        source = self.project / "src"
        return run([PYTHON, "-S", "-c", "import sys; from tools.main import main; sys.exit(main())", *args],
                   cwd=cwd or self.project, env=clean_env(PYTHONPATH=f"{source}:{DIST_PACKAGES}"))

    def frozen(self, *args, exe=None, cwd=None):
        return run_hidden([exe or self.exe, *args], cwd=cwd or self.project)

    def assert_same(self, frozen, python, normalise=lambda text: text):
        self.assertEqual((frozen.returncode, normalise(frozen.stdout)), (python.returncode, normalise(python.stdout)),
                         frozen.stderr)

    def test_pytest_runs_a_suite_with_a_conftest(self):
        args = ["pytest", "-p", "no:cacheprovider", "suite"]
        frozen, python = self.frozen(*args), self.python(*args)
        # python loads the pytest11 plugins of all of dist-packages (anyio's, if installed), the
        # frozen app those of the included distributions: pytest-timeout's.
        self.assertRegex(frozen.stdout, r"\nplugins: timeout-[0-9.]+\n")
        timing = lambda text: re.sub(r"\nplugins: .*\n", "\nplugins: ...\n", re.sub(r" in [0-9.]+s ", " in Ns ", text))
        self.assert_same(frozen, python, timing)
        self.assertIn("1 failed, 1 passed", frozen.stdout)
        self.assertIn("assert 42 == 41", frozen.stdout)

    def test_coverage_measures_the_apps_own_code(self):
        frozen, python = self.frozen("coverage"), self.python("coverage")
        self.assert_same(frozen, python)
        self.assertEqual(json.loads(frozen.stdout), {"tools/work.py": [1, 2, 4, 5, 6]})

    def test_coverage_report_of_the_apps_code_in_memory(self):
        # coverage reads the measured file's source by path: in memory, from the embedded tree.
        frozen, python = self.frozen("coverage-report"), self.python("coverage-report")
        # The file column names the file relative to the working directory (dist/lib/app/tools
        # against src/tools), and the columns are padded to its width.
        same_name = lambda text: re.sub(r"-+", "-", re.sub(r"\s+", " ", re.sub(r"\S*tools/work\.py", "tools/work.py", text)))
        self.assert_same(frozen, python, same_name)
        self.assertIn("83%   3", frozen.stdout)

    def test_coverage_report_of_the_apps_code_on_the_filesystem(self):
        # The same app with its own code routed to the filesystem: written at the path it has in
        # memory, where coverage reads the source to report.
        routing = '[[routing.rule]]\nname = "tools"\nlocation = "filesystem-relative"\n'
        project = self.tmp / "routed"
        exe = build(project, routing)
        real = exe.resolve().parent  # dist/tools is a symlink to the executable beside its files
        self.assertTrue((real / "lib" / "app" / "tools" / "work.py").is_file())
        frozen = self.frozen("coverage-report", exe=exe, cwd=real / "lib" / "app")
        python = self.python("coverage-report", cwd=self.project / "src")
        self.assert_same(frozen, python)
        self.assertIn("tools/work.py", frozen.stdout)
        self.assertIn("83%   3", frozen.stdout)

    def test_mypyc_compiled_mypy_imports_its_extension_modules(self):
        frozen, python = self.frozen("mypy"), self.python("mypy")
        self.assert_same(frozen, python)
        facts = json.loads(frozen.stdout)
        self.assertEqual(facts["mypy"], "__init__.cpython-311-x86_64-linux-gnu.so")
        self.assertEqual(facts["build"], "build.cpython-311-x86_64-linux-gnu.so")
        self.assertEqual(facts["helpers"], ["65cd21382c5717f91ee0__mypyc"])
        self.assertIn("mypy.build", facts["compiled"])

    def test_flake8_parallel_mode(self):
        args = ["flake8", "-j2", "lint/a.py", "lint/b.py"]
        frozen, python = self.frozen(*args), self.python(*args)
        self.assert_same(frozen, python)
        self.assertIn("a.py:1:1: F401 'os' imported but unused", frozen.stdout)
        self.assertIn("b.py:2:11: E271", frozen.stdout)

    def test_autopep8_fixes_a_file(self):
        args = ["autopep8", "--diff", "lint/b.py"]
        frozen, python = self.frozen(*args), self.python(*args)
        self.assert_same(frozen, python)
        self.assertIn("+    return 1", frozen.stdout)

    def test_distributions_and_entry_points_pickle(self):
        frozen, python = self.frozen("pickle"), self.python("pickle")
        self.assertEqual(frozen.returncode, 0, frozen.stderr)
        facts, expected = json.loads(frozen.stdout), json.loads(python.stdout)
        self.assertEqual(facts["type"], "PathDistribution")  # as python's: the metadata are files by path
        self.assertEqual(facts, expected)
        self.assertTrue(facts["same"])


if __name__ == "__main__":
    unittest.main()

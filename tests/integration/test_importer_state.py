"""The importer's state belongs to each interpreter and costs no descriptor per library:
- subinterpreters get their own importer (ModuleSpec type, finder types, finder) and import
  embedded modules and extension modules; the main interpreter still imports after they end;
- a program importing ssl, sqlite3, ctypes, decimal and three C extensions from memory holds one
  descriptor more than under python (the executable's own file), and runs under python's
  `ulimit -n` plus that one;
- an extension module's __file__ is its place beside the executable, not /proc/self/fd/N;
- a finder that wraps every sys.meta_path entry (as Mercurial's demandimport does) changes
  nothing: warnings and tracebacks still show the source lines of embedded modules."""
import json
import resource
import subprocess
import unittest

from freezetest import DIST_PACKAGES, FIXTURES, PYTHON, PYTHON_VERSION, TempDirTestCase, build_app, clean_env, run, uses_debian_python3_11

SITE = FIXTURES / "site"

TOML = """
[app]
name = "{name}"
entry = "{entry}"

[packages]
paths = ["src"]
site_packages = [{{ dir = "{site}", include = ["fixture_cext"] }},
                 {{ dir = "/usr/lib/python3/dist-packages", include = ["yaml", "_yaml", "markupsafe"] }}]
"""

SUBINTERPRETER_TOML = """
[app]
name = "subinterpreters"
entry = "subinterpreters:main"

[packages]
paths = ["src"]
"""

FILES = {
    "src/helper.py": "VALUE = 'helper'\n",
    "src/later.py": "VALUE = 'later'\n",
    # Imports the libraries, then reports the descriptors it holds and the extensions' files.
    "src/descriptors.py": """
        import ctypes, decimal, json, os, sqlite3, ssl, sys
        import fixture_cext, markupsafe._speedups, yaml._yaml

        def main():
            ctypes.CDLL(None).getpid()
            sqlite3.connect(":memory:").execute("select 1").fetchall()
            ssl.create_default_context()
            str(decimal.Decimal(1) / 7)
            here = os.path.dirname(os.path.abspath(sys.argv[0]))
            files = [m.__file__ for m in (fixture_cext, markupsafe._speedups, yaml._yaml, sys.modules["_ssl"], sys.modules["_decimal"])]
            print(json.dumps({"fds": len(os.listdir("/proc/self/fd")), "files": files,
                              "loaded_from_fd": any("/proc/self/fd" in f for f in files)}))
        """,
    "src/subinterpreters.py": """
        try:
            import _interpreters as interpreters  # 3.13+: create() makes an isolated interpreter, with its own GIL
        except ImportError:
            import _xxsubinterpreters as interpreters
        import importlib.util, json, sys, threading
        try:
            import fixture_cext  # a single-phase C extension: only for 3.11, where the fixtures are built
        except ImportError:
            fixture_cext = None

        CODE = '''
        import _frozen_importlib, _freeze_importer, importlib.util, json, sys
        import bz2, helper, textwrap
        spec = importlib.util.find_spec("helper")
        facts = [type(spec) is _frozen_importlib.ModuleSpec,
                 type(_freeze_importer.importer) is _freeze_importer.FreezeImporter,
                 _freeze_importer.importer in sys.meta_path, spec.loader is _freeze_importer.importer,
                 helper.VALUE, bz2.decompress(bz2.compress(b"bz2")).decode(), textwrap.dedent("  x")]
        if %r:
            import fixture_cext
            facts.append(fixture_cext.add(2, 3))
        print(json.dumps(facts), flush=True)
        ''' % (fixture_cext is not None,)

        def run_one():
            interpreter = interpreters.create()
            interpreters.run_string(interpreter, CODE)
            interpreters.destroy(interpreter)

        def main():
            main_importer = sys.modules["_freeze_importer"].importer
            for _ in range(3):
                run_one()
            # Interpreters importing at the same time (each with its own GIL from 3.13 on). Not
            # email: 3.13.5's own python3.13 crashes importing it in concurrent isolated interpreters.
            threads = [threading.Thread(target=run_one) for _ in range(3)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            import _frozen_importlib, later
            spec = importlib.util.find_spec("later")
            print(json.dumps([type(spec) is _frozen_importlib.ModuleSpec, spec.loader is main_importer, later.VALUE,
                              fixture_cext.add(1, 1) if fixture_cext else None]))
        """,
    # A finder wrapping every meta-path entry, as hgdemandimport.enable() does; then a warning
    # and a traceback through embedded modules.
    "src/wrapped.py": """
        import sys, warnings

        class Wrapper:
            def __init__(self, finder):
                self._finder = finder
            def find_spec(self, fullname, path=None, target=None):
                return self._finder.find_spec(fullname, path, target)
            def invalidate_caches(self):
                getattr(self._finder, "invalidate_caches", lambda: None)()

        def main():
            sys.meta_path[:] = [Wrapper(f) for f in sys.meta_path]
            import linecache, traceback
            import helper
            print("cached before use:", sorted(linecache.cache))  # as python: nothing, lines are read when asked
            warnings.warn("from a wrapped import system")
            try:
                raise KeyError("shown with its line")
            except KeyError:
                traceback.print_exc(file=sys.stdout)
            print(linecache.getline(helper.__file__, 1), end="")
        """,
}


def minimum_nofile(argv, env):
    """The lowest RLIMIT_NOFILE under which argv exits 0 (searched from 4 to 64)."""
    def runs(limit):
        result = subprocess.run([str(a) for a in argv], capture_output=True, env=env, timeout=60,
                                preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit)))
        return result.returncode == 0
    low, high = 4, 64
    assert runs(high), argv
    while low < high:
        middle = (low + high) // 2
        if runs(middle):
            high = middle
        else:
            low = middle + 1
    return low


@uses_debian_python3_11
class ImporterStateTest(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        missing = [p for p in (SITE / "fixture_cext.cpython-311-x86_64-linux-gnu.so", DIST_PACKAGES / "yaml",
                               DIST_PACKAGES / "markupsafe") if not p.exists()]
        if missing:
            raise unittest.SkipTest(f"not installed: {missing} (scripts/install-deps.sh installs them)")
        super().setUpClass()
        cls.exes = {}
        for entry in ("descriptors:main", "wrapped:main"):
            name = entry.split(":")[0]
            cls.exes[name] = build_app(cls.tmp / name, TOML.format(name=name, entry=entry, site=SITE), FILES)

    def python(self, module, **kwargs):
        code = f"import {module}; {module}.main()"
        return run([PYTHON, "-c", code], env=clean_env(PYTHONPATH=f"{self.tmp / module / 'src'}:{SITE}"), **kwargs)

    def test_no_descriptor_per_library(self):
        exe = self.exes["descriptors"]
        frozen = run([exe], env=clean_env())
        self.assertEqual(frozen.returncode, 0, frozen.stderr)
        python = self.python("descriptors")
        self.assertEqual(python.returncode, 0, python.stderr)
        frozen_facts, python_facts = json.loads(frozen.stdout), json.loads(python.stdout)
        self.assertFalse(frozen_facts["loaded_from_fd"], frozen_facts["files"])
        # One more than python: the executable's own file, which the importer reads the blob from
        # (it held one more per library loaded from memory: 22 where python holds 6).
        self.assertLessEqual(frozen_facts["fds"], python_facts["fds"] + 1, (frozen_facts, python_facts))
        # Each extension's __file__ is its place in the installation (third-party packages here).
        third_party = f"{exe.parent}/local/lib/python3.11/dist-packages"
        self.assertEqual(frozen_facts["files"][:3], [
            f"{third_party}/fixture_cext.cpython-311-x86_64-linux-gnu.so",
            f"{third_party}/markupsafe/_speedups.cpython-311-x86_64-linux-gnu.so",
            f"{third_party}/yaml/_yaml.cpython-311-x86_64-linux-gnu.so"])
        for file in frozen_facts["files"]:
            self.assertTrue(file.startswith(f"{exe.parent}/") and file.endswith(".cpython-311-x86_64-linux-gnu.so"), file)
        # ... and it runs under the descriptor limit python needs for the same program.
        python_minimum = minimum_nofile([PYTHON, "-c", "import descriptors; descriptors.main()"],
                                        clean_env(PYTHONPATH=f"{self.tmp / 'descriptors' / 'src'}:{SITE}"))
        frozen_minimum = minimum_nofile([exe], clean_env())
        self.assertLessEqual(frozen_minimum, python_minimum + 1, (frozen_minimum, python_minimum))

    def test_wrapped_meta_path_keeps_source_lines(self):
        exe = self.exes["wrapped"]
        frozen = run([exe], env=clean_env())
        self.assertEqual(frozen.returncode, 0, frozen.stderr)
        python = self.python("wrapped")
        src = self.tmp / "wrapped" / "src"
        normalise = lambda text, directory: text.replace(f"{directory}/", "")
        app = exe.parent / "lib" / "app"  # the app's own code in the installation
        self.assertEqual(normalise(frozen.stdout, app), normalise(python.stdout, src))
        self.assertEqual(normalise(frozen.stderr, app), normalise(python.stderr, src))
        self.assertIn('    raise KeyError("shown with its line")', frozen.stdout)
        self.assertIn('  warnings.warn("from a wrapped import system")', frozen.stderr)


class SubinterpreterTest(TempDirTestCase):
    """Subinterpreters on every target version (isolated ones, with GILs of their own, from 3.13
    on); with 3.11's fixtures, a single-phase C extension from memory too."""

    def test_subinterpreters_have_their_own_importer(self):
        with_fixture = PYTHON_VERSION == "3.11" and (SITE / "fixture_cext.cpython-311-x86_64-linux-gnu.so").exists()
        toml = SUBINTERPRETER_TOML + (f'site_packages = [{{ dir = "{SITE}", include = ["fixture_cext"] }}]\n'
                                      if with_fixture else "")
        exe = build_app(self.tmp / "subinterpreters", toml, FILES)
        result = run([exe], env=clean_env())
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, "")
        sub = [True, True, True, True, "helper", "bz2", "x"] + ([5] if with_fixture else [])
        self.assertEqual([json.loads(line) for line in result.stdout.splitlines()],
                         [sub] * 6 + [[True, True, "later", 2 if with_fixture else None]])


if __name__ == "__main__":
    unittest.main()

"""`freeze check`: builds a verification copy, imports every module and reads every resource, and
reports all failures at once, each with where it was routed and a hint that fixes it; a crash or
a hang in one module is reported and the check goes on. Exit status 1 if anything failed."""
import json
import shutil
import subprocess
import unittest

from freezetest import (DIST_PACKAGES, PYTHON, PYTHON_VERSION, SOURCE_DIR, TempDirTestCase, freeze, run, uses_debian_python3_11,
                        write_tree)


def include_in_config(root, before, after):
    """Takes the check's advice: replaces the site_packages include list `before` with `after`."""
    config = (root / "app.toml").read_text()
    (root / "app.toml").write_text(config.replace(f"include = {before}", f"include = {after}"))


def app_using_site(tmp, name, site_files, tool_source, include):
    """An app `name` whose src/tool.py (main() its entry) uses packages of a site directory of
    its own, `include` taken from it: (the project's root, the site directory)."""
    site = write_tree(tmp / f"{name}-site", site_files)
    root = write_tree(tmp / name, {
        "src/tool.py": tool_source,
        "app.toml": f'[app]\nname = "{name}"\nentry = "tool:main"\n[packages]\npaths = ["src"]\n'
                    f'site_packages = [{{ dir = "{site}", include = {include} }}]\n',
    })
    return root, site


BROKEN_FILES = {
    "src/broken/__init__.py": "",
    "src/broken/main.py": "def main():\n    return 0\n",
    "src/broken/data/words.txt": "alpha\nbeta\n",
    # Opens its data by a path built from __file__: served from memory, as under python (not a failure).
    "src/broken/loader.py": "import os\nWORDS = open(os.path.join(os.path.dirname(__file__), 'data', 'words.txt')).read()\n",
    "src/broken/lazy.py": "import os\ndef load():\n    return open(os.path.join(os.path.dirname(__file__), 'data', 'words.txt'))\n",
    "src/broken/needs_missing.py": "import surely_not_installed_anywhere\n",
    "src/broken/needs_excluded.py": "import csv\n",
    # An ImportError of its own, raised from the one that names the module: the hint is about that one.
    "src/broken/needs_chained.py": "try:\n    import surely_not_there_either\nexcept ImportError as error:\n"
                                   "    raise ImportError('broken needs the surely-not-there-either package') from error\n",
    "src/broken/script.py": "import sys\nsys.exit('usage: script FILE')\n",
    "src/broken/crash.py": "import ctypes\nctypes.string_at(0)\n",
    "src/broken/hang.py": "import time\ntime.sleep(600)\n",
    "src/broken/fine.py": "VALUE = 1\n",
    "src/broken/__main__.py": "raise SystemExit('never imported by the check')\n",
}
BROKEN_TOML = """
[app]
name = "brokenapp"
entry = "broken.main:nope"
[stdlib]
exclude = ["test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "csv"]
[packages]
paths = ["src"]
"""


class CheckTest(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.broken = write_tree(cls.tmp / "broken", dict(BROKEN_FILES, **{"app.toml": BROKEN_TOML}))
        cls.result = freeze("check", cls.broken / "app.toml", "--timeout", "3", check=False)
        cls.report = cls.result.stdout

    def block(self, name):
        """The report's block for one failed item: from its FAIL line to the next FAIL line."""
        start = self.report.index(f" {name}  [")
        end = self.report.find("\nFAIL", start)
        return self.report[start:end if end >= 0 else len(self.report)]

    def test_fails_with_every_problem_at_once(self):
        self.assertEqual(self.result.returncode, 1, self.result.stderr)
        for name in ("broken.main:nope", "broken.needs_missing", "broken.needs_excluded", "broken.needs_chained",
                     "broken.script", "broken.crash", "broken.hang"):
            self.assertIn("FAIL  ", self.report)
            self.assertIn(f" {name}  [", self.report)
        self.assertNotIn("broken.fine  [", self.report)
        self.assertNotIn("broken.loader  [", self.report)  # its data file is readable by path in memory
        self.assertNotIn("broken.__main__", self.report)  # never imported: it would run the app
        self.assertRegex(self.report, r"7 of \d+ checks failed")
        self.assertFalse((self.broken / "dist").exists(), "check must not touch dist/")

    def test_other_hints(self):
        self.assertIn("does not define", self.block("broken.main:nope"))
        self.assertIn("AttributeError", self.block("broken.main:nope"))
        block = self.block("broken.needs_missing")
        self.assertIn("No module named 'surely_not_installed_anywhere'", block)
        self.assertIn("neither included nor installed", block)
        self.assertIn("[stdlib] exclude leaves it out", self.block("broken.needs_excluded"))
        block = self.block("broken.needs_chained")
        self.assertIn("ImportError: broken needs the surely-not-there-either package", block)
        self.assertIn("'surely_not_there_either' is neither included nor installed", block)
        self.assertIn("SystemExit: usage: script FILE", self.block("broken.script"))
        self.assertIn("if __name__ ==", self.block("broken.script"))
        self.assertIn("SIGSEGV", self.block("broken.crash"))
        self.assertIn("still running after 3 s", self.block("broken.hang"))
        self.assertIn("--timeout", self.block("broken.hang"))
        # A path from __file__ used only when called is no longer a possible problem: embedded
        # files are readable by path in memory (the check probes it at start).
        self.assertNotIn("broken.lazy", self.report)

    def test_json_report(self):
        result = freeze("check", self.broken / "app.toml", "--timeout", "3", "--json", "--exclude", "broken.hang",
                        "--exclude", "broken.crash", check=False)
        self.assertEqual(result.returncode, 1)
        data = json.loads(result.stdout)
        failures = {f["name"]: f for f in data["failures"]}
        self.assertEqual(set(failures), {"broken.main:nope", "broken.needs_missing", "broken.needs_excluded",
                                         "broken.needs_chained", "broken.script"})
        script = failures["broken.script"]
        self.assertEqual((script["kind"], script["location"], script["error_type"]), ("module", "in memory", "SystemExit"))
        self.assertIn("Traceback", script["traceback"])
        self.assertEqual(data["failed"], 5)
        self.assertEqual(data["passed"] + data["failed"], data["checks"])
        self.assertIn({"name": "broken.hang", "reason": "--exclude", "why": "not_imported"}, data["skipped"])

    def test_data_read_by_path_passes_in_memory_and_on_disk(self):
        root = write_tree(self.tmp / "fixed", {
            "src/broken/__init__.py": "",
            "src/broken/main.py": "from . import loader\ndef main():\n    print(loader.WORDS.split())\n",
            "src/broken/data/words.txt": "alpha\nbeta\n",
            "src/broken/loader.py": BROKEN_FILES["src/broken/loader.py"],
            "app.toml": '[app]\nname = "fixed"\nentry = "broken.main:main"\n[packages]\npaths = ["src"]\n',
        })
        self.assertRegex(freeze("check", root).stdout, r"all \d+ checks passed")
        freeze("build", root, "-q")
        self.assertEqual(run([root / "dist" / "fixed"]).stdout, "['alpha', 'beta']\n")
        with open(root / "app.toml", "a") as config:
            config.write('[[routing.rule]]\nname = "broken"\nlocation = "filesystem-relative"\n')
        self.assertRegex(freeze("check", root).stdout, r"all \d+ checks passed")
        freeze("build", root, "-q")
        self.assertEqual(run([root / "dist" / "fixed"]).stdout, "['alpha', 'beta']\n")

    def test_a_file_of_no_package_read_at_import_is_named_with_data_files(self):
        # A module reads VERSION beside the app's script, a file of no package, at import.
        root = write_tree(self.tmp / "version", {
            "src/tool.py": "import os\nVERSION = open(os.path.join(os.path.dirname(__file__), 'VERSION')).read().strip()\n"
                           "def main():\n    print(VERSION)\n",
            "src/VERSION": "1.2.3\n",
            "app.toml": '[app]\nname = "version"\nentry = "tool:main"\n[packages]\npaths = ["src"]\n',
        })
        result = freeze("check", root, check=False)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn(f"<exe dir>/lib/app/VERSION is {root}/src/VERSION, which belongs to no package and so was not "
                      'built in: list it in [packages] data_files = ["VERSION"]', result.stdout)
        with open(root / "app.toml", "a") as config:
            config.write('data_files = ["VERSION"]\n')
        self.assertRegex(freeze("check", root).stdout, r"all \d+ checks passed")
        freeze("build", root, "-q")
        self.assertEqual(run([root / "dist" / "version"]).stdout, "1.2.3\n")

    @unittest.skipUnless(shutil.which("cc"), "needs a C compiler")
    def test_a_library_loaded_by_path_works_from_memory_unless_it_needs_one_beside_it(self):
        # As pycryptodome loads Cryptodome/Cipher/_raw_ecb.abi3.so: dlopen gets a memory file of it.
        root = write_tree(self.tmp / "ctypes", {
            "src/fastlib/__init__.py": """
                import ctypes, os
                _lib = ctypes.CDLL(os.path.join(os.path.dirname(__file__), "_native.abi3.so"))
                _again = ctypes.CDLL(os.path.join(os.path.dirname(__file__), "_native.abi3.so"))
                def answer():
                    return _lib.answer(), _again._handle == _lib._handle
                """,
            "src/main.py": "import fastlib\ndef main():\n    print(fastlib.answer())\n",
            "answer.c": "int answer(void) { return 42; }\n",
            "app.toml": '[app]\nname = "fast"\nentry = "main:main"\n[packages]\npaths = ["src"]\n',
        })
        # Named like an extension module, but a plain library: never imported as one.
        native = root / "src/fastlib/_native.abi3.so"
        subprocess.run(["cc", "-shared", "-fPIC", "-o", native, root / "answer.c"], check=True)
        result = freeze("check", root, "-v")
        self.assertRegex(result.stdout, r"all \d+ checks passed")
        self.assertIn("fastlib._native: a shared library named like an extension module, with no PyInit_ function",
                      result.stdout)
        freeze("build", root, "-q")
        self.assertEqual(run([root / "dist" / "fast"]).stdout, "(42, True)\n")  # the same object, loaded once
        # Needing a library beside it ($ORIGIN) that has no DT_SONAME, in memory too: the
        # dynamic loader cannot match it loaded from memory (with one, it can:
        # test_libraries_beside). The library loaded is package data here ("libnative.so.1"):
        # nothing but the running code says it is loaded, so check finds it.
        write_tree(root, {"dep.c": "int base(void) { return 40; }\n",
                          "answer.c": "int base(void);\nint answer(void) { return base() + 2; }\n"})
        init = root / "src/fastlib/__init__.py"
        init.write_text(init.read_text().replace("_native.abi3.so", "libnative.so.1"))
        native.unlink()
        native = root / "src/fastlib/libnative.so.1"
        subprocess.run(["cc", "-shared", "-fPIC", "-o", root / "src/fastlib/libdep.so", root / "dep.c"], check=True)
        subprocess.run(["cc", "-shared", "-fPIC", "-o", native, root / "answer.c", f"-L{root / 'src/fastlib'}", "-ldep",
                        "-Wl,-rpath,$ORIGIN"], check=True)
        result = freeze("check", root, check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("hint: a library it loads by its path (ctypes.CDLL, dlopen) is loaded from memory, and needs "
                      "libdep.so, which lies beside it in fastlib, in memory too", result.stdout)
        self.assertIn('name = "fastlib"\n        location = "filesystem-relative"', result.stdout)
        with open(root / "app.toml", "a") as config:
            config.write('[[routing.rule]]\nname = "fastlib"\nlocation = "filesystem-relative"\n')
        self.assertRegex(freeze("check", root).stdout, r"all \d+ checks passed")
        freeze("build", root, "-q")
        self.assertEqual(run([root / "dist" / "fast"]).stdout, "(42, True)\n")

    def test_failures_python_shares_are_set_aside(self):
        # A module that fails under the plain interpreter too is not a difference of the frozen
        # app (click._winconsole asserts Windows): set aside, named. One that fails only frozen
        # stays a failure, and its hint says python imports it.
        root = write_tree(self.tmp / "alike", {
            "src/alike/__init__.py": "",
            "src/alike/main.py": "def main():\n    print('ok')\n",
            "src/alike/_winonly.py": "import sys\nassert sys.platform == 'win32', 'Windows only'\n",
            # Same line, another message each run: compared by where it was raised.
            "src/alike/needs_env.py": "import os\nvalue = os.environ['ALIKE_UNSET_%d' % os.getpid()]\n",
            # A script run by path (tox.helper.build_requires): no arguments in either check.
            "src/alike/helper_script.py": "import sys\nDEST = sys.argv[1]\n",
            "src/alike/frozen_only.py": "import sys\nif getattr(sys, 'frozen', False):\n    raise RuntimeError('broken frozen')\n",
            # An installed package's optional integration, whose dependency is installed nowhere,
            # and which nothing imports: set aside before any comparison (python fails alike).
            "site/optpkg/__init__.py": "",
            "site/optpkg/sphinxext.py": "import surely_not_installed_docutils\n",
            # Stale code, as poetry's vendored lark.parsers.resolve_ambig: a name its module lacks.
            "site/optpkg/util.py": "VALUE = 1\n",
            "site/optpkg/stale.py": "from optpkg.util import compare\n",
            "app.toml": '[app]\nname = "alike"\nentry = "alike.main:main"\n[packages]\npaths = ["src"]\n'
                        'site_packages = [{ dir = "site", include = ["optpkg"] }]\n',
        })
        result = freeze("check", root, "-v", check=False)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertRegex(result.stdout, r"1 of \d+ checks failed")
        self.assertIn("FAIL  module alike.frozen_only", result.stdout)
        self.assertRegex(result.stdout, r"hint: \S*python3\.\d+ imports it \(with the config's packages on its sys.path\)")
        self.assertRegex(result.stdout, r"set aside: 4 module\(s\) that fail alike under \S*python3\.\d+")
        self.assertRegex(result.stdout, r"alike\.helper_script: fails alike under \S+ \(IndexError: list index out of range\)")
        self.assertRegex(result.stdout, r"optpkg\.stale: fails alike under \S+ \(ImportError: cannot import name 'compare'")
        self.assertIn("optpkg.sphinxext: needs surely_not_installed_docutils, installed nowhere here, and the app "
                      "imports it only optionally, if at all", result.stdout)
        self.assertRegex(result.stdout, r"alike\._winonly: fails alike under \S+ \(AssertionError: Windows only\)")
        self.assertRegex(result.stdout, r"alike\.needs_env: fails alike under \S+ \(KeyError: 'ALIKE_UNSET_\d+'\)")
        data = json.loads(freeze("check", root, "--json", check=False).stdout)
        self.assertEqual([f["name"] for f in data["failures"]], ["alike.frozen_only"])
        self.assertEqual({s["name"] for s in data["skipped"] if s["why"] == "fails_under_python"},
                         {"alike._winonly", "alike.needs_env", "alike.helper_script", "optpkg.stale"})

    def test_one_comparison_serves_every_module_failing_alike(self):
        # django's GIS modules (132 of them) all raise GDAL's ImproperlyConfigured in libgdal.py:
        # more than the comparisons made one by one would reach; each is python's failure too.
        files = {"src/geo/__init__.py": "", "src/geo/libgdal.py": "raise OSError('Could not find the GDAL library')\n",
                 "src/geo/main.py": "def main():\n    print('ok')\n"}
        for number in range(45):
            files[f"src/geo/tool_{number}.py"] = "from geo import libgdal\n"
        files["app.toml"] = '[app]\nname = "geo"\nentry = "geo.main:main"\n[packages]\npaths = ["src"]\n'
        root = write_tree(self.tmp / "geo", files)
        result = freeze("check", root, check=False)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertRegex(result.stdout, r"set aside: 46 module\(s\) that fail alike under \S*python3\.\d+")

    def test_a_test_entry_point_is_left_out_like_the_tests(self):
        # stevedore declares stevedore.test.extension entry points into its own tests, one of them
        # unimportable on purpose (stevedore.tests.notfound): bandit's check failed on it.
        site = write_tree(self.tmp / "test-entry-point-site", {
            "plug/__init__.py": "", "plug/ext.py": "class Real:\n    pass\n",
            "plug/tests/__init__.py": "", "plug/tests/ext.py": "class Fine:\n    pass\n",
            "plug-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: plug\nVersion: 1.0\n",
            "plug-1.0.dist-info/top_level.txt": "plug\n",
            "plug-1.0.dist-info/entry_points.txt": ("[plug.extension]\nreal = plug.ext:Real\n"
                                                    "[plug.test.extension]\nfine = plug.tests.ext:Fine\n"
                                                    "broken = plug.tests.notfound:Missing\n"),
        })
        root = write_tree(self.tmp / "test-entry-point", {
            "src/tool.py": "import plug\ndef main():\n    pass\n",
            "app.toml": '[app]\nname = "tep"\nentry = "tool:main"\n[packages]\npaths = ["src"]\n'
                        f'site_packages = [{{ dir = "{site}", include = ["plug"] }}]\n',
        })
        result = freeze("check", root, "--verbose")
        self.assertIn("ok    entry_point plug.extension: real = plug.ext:Real", result.stdout)
        self.assertNotIn("entry_point plug.test.extension", result.stdout)
        self.assertRegex(result.stdout, r"all \d+ checks passed")
        self.assertEqual(freeze("check", root, "--tests", check=False).returncode, 1)  # --tests loads them

    def test_a_module_that_imports_alone_is_set_aside(self):
        # As txaio: once one module chose twisted, importing one that chooses asyncio raises,
        # under python too. The checks import both in one process; alone, the second imports:
        # set aside, named. modes.both fails alone too, as under python (set aside so).
        root = write_tree(self.tmp / "modes", {
            "src/modes/__init__.py": "MODE = None\ndef use(mode):\n    global MODE\n    if MODE not in (None, mode):\n"
                                     "        raise RuntimeError('Explicitly using %r already' % MODE)\n    MODE = mode\n",
            "src/modes/with_a.py": "import modes\nmodes.use('a')\n",
            "src/modes/with_b.py": "import modes\nmodes.use('b')\n",
            "src/modes/zboth.py": "import modes\nmodes.use('a')\nmodes.use('b')\n",
            "src/main.py": "import modes.with_a\ndef main():\n    print(modes.MODE)\n",
            "app.toml": '[app]\nname = "modes"\nentry = "main:main"\n[packages]\npaths = ["src"]\n',
        })
        result = freeze("check", root, "-v", check=False)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("set aside: 1 module(s) that import alone, in a fresh start of the app, and failed after the "
                      "other checks' imports:\n  modes.with_b: imports alone, in a fresh start of the app; after the "
                      "other checks' imports it failed (RuntimeError: Explicitly using 'a' already)", result.stdout)
        self.assertRegex(result.stdout, r"modes\.zboth: fails alike under \S+ \(RuntimeError: Explicitly using 'a' already\)")
        data = json.loads(freeze("check", root, "--json", check=False).stdout)
        self.assertEqual({s["name"]: s["why"] for s in data["skipped"] if s["name"].startswith("modes")},
                         {"modes.with_b": "order_dependent", "modes.zboth": "fails_under_python"})

    def test_what_the_added_packages_fail_otherwise_is_named_with_the_suggestion(self):
        # core, installed but not included, has a script that reads sys.argv[1] when imported (as
        # tox.helper's do): the rounds that add core see it fail, and say so beside the suggestion;
        # the check with the suggestion compares it with python, and sets it aside.
        site = write_tree(self.tmp / "others-site", {
            "core/__init__.py": "VALUE = 1\n",
            "core/script.py": "import sys\nTARGET = sys.argv[1]\n",
            "delta.py": "",
        })
        toml = '[app]\nname = "others"\nentry = "others:main"\n[packages]\npaths = ["src"]\n'
        root = write_tree(self.tmp / "others", {
            "src/others.py": "import core\ndef main():\n    print(core.VALUE)\n",
            "app.toml": toml + f'site_packages = [{{ dir = "{site}", include = ["delta"] }}]\n',
        })
        result = freeze("check", root, check=False)
        self.assertIn("      with them, 1 check fails otherwise (core.script: IndexError): freeze check with this setting "
                      "reports it in full, or sets it aside if python fails alike\n", result.stdout)
        data = json.loads(freeze("check", root, "--json", check=False).stdout)
        self.assertEqual(data["complete_site_packages"]["other_failures"], {"core.script": "IndexError"})
        (root / "app.toml").write_text(toml + f'site_packages = [{{ dir = "{site}", include = ["delta", "core"] }}]\n')
        result = freeze("check", root, "-v")
        self.assertRegex(result.stdout, r"all \d+ checks passed")
        self.assertRegex(result.stdout, r"core\.script: fails alike under \S+ \(IndexError")

    def test_a_missing_distributions_metadata_names_its_package(self):
        # As ansible.cli asks for jinja2's version: PackageNotFoundError names a distribution,
        # whose package (fancylib, of Fancy-Lib) is installed but not included.
        site = write_tree(self.tmp / "metadata-site", {
            "fancylib/__init__.py": "",
            "Fancy_Lib-2.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: Fancy-Lib\nVersion: 2.0\n",
            "Fancy_Lib-2.0.dist-info/top_level.txt": "fancylib\n",
            "delta.py": "",
        })
        toml = '[app]\nname = "meta"\nentry = "meta:main"\n[packages]\npaths = ["src"]\n'
        root = write_tree(self.tmp / "metadata", {
            "src/meta.py": "from importlib.metadata import version\nVERSION = version('Fancy-Lib')\n"
                           "def main():\n    print(VERSION)\n",
            "app.toml": toml + f'site_packages = [{{ dir = "{site}", include = ["delta"] }}]\n',
        })
        result = freeze("check", root, check=False)
        self.assertIn("hint: importlib.metadata finds no distribution 'Fancy-Lib': its metadata comes with its package. "
                      f"'fancylib' is installed in {site} but not included", result.stdout)
        self.assertIn(f'site_packages = [{{ dir = "{site}", include = ["delta", "fancylib"] }}]', result.stdout)
        (root / "app.toml").write_text(toml + f'site_packages = [{{ dir = "{site}", include = ["delta", "fancylib"] }}]\n')
        self.assertRegex(freeze("check", root).stdout, r"all \d+ checks passed")
        freeze("build", root, "-q")
        self.assertEqual(run([root / "dist" / "meta"]).stdout, "2.0\n")

    def test_a_loader_whose_get_source_gives_bytes(self):
        # ansible's collection loader serves ansible_collections.* and hands back bytes from
        # get_source(): the check reads such a module's source all the same.
        root = write_tree(self.tmp / "bytes-source", {
            "src/hook/__init__.py": """
                import importlib.abc, importlib.util, sys

                class BytesLoader(importlib.abc.Loader):
                    def create_module(self, spec):
                        return None
                    def exec_module(self, module):
                        exec("VALUE = 1", module.__dict__)
                    def get_source(self, name):
                        return b"import subprocess, sys\\nsubprocess.run([sys.executable, '-V'])\\n"

                class Finder:
                    def find_spec(self, name, path=None, target=None):
                        if name == "hook.sub":
                            return importlib.util.spec_from_loader(name, BytesLoader())
                        return None

                sys.meta_path.insert(0, Finder())
                """,
            "src/hook/sub.py": "VALUE = 1\n",
            "src/main.py": "import hook\ndef main():\n    pass\n",
            "app.toml": '[app]\nname = "bytes"\nentry = "main:main"\n[packages]\npaths = ["src"]\n',
        })
        result = freeze("check", root)
        self.assertRegex(result.stdout, r"all \d+ checks passed")
        self.assertIn("hook.sub line 2: subprocess.run([sys.executable, '-V'])", result.stdout)  # read from the bytes

    @uses_debian_python3_11
    def test_a_requirement_installed_in_another_directory_is_required_all_the_same(self):
        # As Debian's thefuck in /usr/share/thefuck requires six from dist-packages: tool.extra,
        # which the entry never imports, needs yaml, which tool's metadata requires (PyYAML):
        # not optional, and reported; an entry naming no console script judges nothing
        # unreachable either.
        share = write_tree(self.tmp / "share", {
            "tool/__init__.py": "",
            "tool/extra.py": "import yaml\n",
            "tool/cli.py": "def main():\n    print('tool')\n",
            "tool-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: tool\nVersion: 1.0\nRequires-Dist: PyYAML\n",
            "tool-1.0.dist-info/top_level.txt": "tool\n",
            "tool-1.0.dist-info/entry_points.txt": "[console_scripts]\ntool = tool.cli:main\n",
        })
        for entry in ("console_script:tool", "console_script:no-such-script"):
            root = write_tree(self.tmp / ("required-" + entry.split(":")[1]), {
                "app.toml": f'[app]\nname = "tool"\nentry = "{entry}"\n[packages]\n'
                            f'site_packages = [{{ dir = "{share}", include = ["tool"] }}]\n',
            })
            result = freeze("check", root, check=False)
            self.assertIn("FAIL  module tool.extra", result.stdout, entry)
            self.assertIn(f'{{ dir = "{DIST_PACKAGES}", include = ["yaml"', result.stdout, entry)
            self.assertNotIn("tool.extra needs yaml", result.stdout, entry)

    def test_every_missing_installed_package_at_once(self):
        # The app imports alpha, which imports beta, which imports gamma: all installed in the
        # site directory, none included. One check names the three, as a site_packages line to
        # paste (checking again once: what importing the app's modules needs under python comes
        # along); with it, the check passes. gamma's optional import of epsilon, installed too,
        # is not part of it: the frozen app runs without it, and the report names it apart.
        site = write_tree(self.tmp / "layers-site", {
            "delta.py": "VALUE = 0\n",
            "alpha/__init__.py": "import beta\nVALUE = beta.VALUE + 1\n",
            "beta.py": "import gamma\nVALUE = gamma.VALUE + 1\n",
            "gamma.py": "try:\n    import surely_not_installed_optional\nexcept ImportError:\n    pass\n"
                        "try:\n    import epsilon\nexcept ImportError:\n    epsilon = None\nVALUE = 1\n",
            "epsilon.py": "",
        })
        toml = ('[app]\nname = "layers"\nentry = "layers.main:main"\n[packages]\npaths = ["src"]\n'
                f'site_packages = [{{ dir = "{site}", include = ["delta"] }}]\n')
        root = write_tree(self.tmp / "layers", {
            "src/layers/__init__.py": "",
            "src/layers/main.py": "import alpha, delta\ndef main():\n    print(alpha.VALUE + delta.VALUE)\n",
            "app.toml": toml,
        })
        result = freeze("check", root, check=False)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("freeze check: checking again with the installed package(s) it lacks: alpha, beta, gamma\n",
                      result.stderr)
        self.assertIn('missing installed packages: 3 packages the app imports are installed but not included: '
                      '"alpha", "beta", "gamma". With them:\n', result.stdout)
        line = f'site_packages = [{{ dir = "{site}", include = ["delta", "alpha", "beta", "gamma"] }}]'
        self.assertIn(line, result.stdout)
        self.assertIn('optional packages not included: "epsilon" (tried by ', result.stdout)
        data = json.loads(freeze("check", root, "--json", check=False).stdout)
        completion = data["complete_site_packages"]
        self.assertEqual((completion["added"], completion["rounds"], completion["complete"]),
                         (["alpha", "beta", "gamma"], 1, True))
        self.assertEqual(completion["site_packages"], [{"dir": str(site), "include": ["delta", "alpha", "beta", "gamma"]}])
        (root / "app.toml").write_text(toml.replace('site_packages = [{ dir', '# was\n# site_packages = [{ dir')
                                       + line + "\n")
        result = freeze("check", root)
        self.assertRegex(result.stdout, r"all \d+ checks passed")
        self.assertNotIn("missing installed packages", result.stdout)
        freeze("build", root, "-q")
        self.assertEqual(run([root / "dist" / "layers"]).stdout, "3\n")

    def test_a_package_only_a_plugin_module_needs_is_named_as_avoidable(self):
        # core needs dep; only core.plugin needs opt, which brings optdeep: the suggestion adds
        # all three, and says that leaving core.plugin out would spare opt and optdeep.
        # core.used imports needed alone, but the entry's import of core loads it: leaving it
        # out is no option, and the report does not offer it.
        site = write_tree(self.tmp / "optional-site", {
            "core/__init__.py": "import dep\nfrom core import used\n",
            "core/plugin.py": "import opt\n",
            "core/used.py": "import needed\n",
            "dep.py": "",
            "needed.py": "",
            "opt.py": "import optdeep\n",
            "optdeep.py": "",
        })
        root = write_tree(self.tmp / "optional", {
            # core.plugin is imported when asked for, as a plugin would be: reachable.
            "src/app.py": "import core\ndef main():\n    pass\ndef extra():\n    import core.plugin\n",
            "app.toml": '[app]\nname = "optional"\nentry = "app:main"\n[packages]\npaths = ["src"]\n'
                        f'site_packages = [{{ dir = "{site}", include = ["core"] }}]\n',
        })
        result = freeze("check", root, check=False)
        self.assertIn(f'site_packages = [{{ dir = "{site}", include = ["core", "dep", "needed", "opt", "optdeep"] }}]', result.stdout)
        self.assertNotIn("needed is imported only", result.stdout)
        self.assertIn("opt is imported only by core.plugin (and brings optdeep along): if the app never uses that module, "
                      "leave them out of the build with [packages] exclude = [\"core.plugin\"] (or of the check alone "
                      "with --exclude core.plugin)\n", result.stdout)
        self.assertNotIn("dep is imported only", result.stdout)  # the entry needs it
        data = json.loads(freeze("check", root, "--json", check=False).stdout)
        self.assertEqual(data["complete_site_packages"]["optional"],
                         [{"packages": ["opt"], "imported_by": ["core.plugin"], "brought_along": ["optdeep"]}])
        # Taking the advice: what the entry needs, and core.plugin left out of the check.
        config = (root / "app.toml").read_text()
        (root / "app.toml").write_text(config.replace('include = ["core"]', 'include = ["core", "dep", "needed"]'))
        self.assertRegex(freeze("check", root, "--exclude", "core.plugin").stdout, r"all \d+ checks passed")
        # Or left out of the build: the check passes without --exclude, and the executable lacks it.
        (root / "app.toml").write_text(config.replace('include = ["core"]', 'include = ["core", "dep", "needed"]')
                                       .replace("[packages]\n", '[packages]\nexclude = ["core.plugin"]\n'))
        self.assertRegex(freeze("check", root).stdout, r"all \d+ checks passed")
        freeze("build", root, "-q")
        listing = freeze("inspect", root / "dist" / "optional", "--list").stdout
        self.assertIn("core.used", listing)
        self.assertNotIn("core.plugin", listing)
        # A requirement core's metadata declares is never called avoidable (sphinx requires Jinja2,
        # which sphinx.jinja2glue alone imports).
        (root / "app.toml").write_text(config)
        write_tree(site, {"core-1.0.dist-info/METADATA": "Name: core\nVersion: 1.0\nRequires-Dist: opt\n",
                          "core-1.0.dist-info/top_level.txt": "core\n",
                          "opt-1.0.dist-info/METADATA": "Name: opt\nVersion: 1.0\n",
                          "opt-1.0.dist-info/top_level.txt": "opt\n"})
        result = freeze("check", root, check=False)
        self.assertIn('include = ["core", "dep", "needed", "opt", "optdeep"]', result.stdout)
        self.assertNotIn("is imported only by", result.stdout)

    def test_an_integration_of_a_dependency_with_another_package_is_set_aside(self):
        # dep.fancydoc_ext is dep's extension for fancydoc (as pygments.sphinxext is for sphinx),
        # and fancydoc brings heavy along: the suggestion includes dep, not fancydoc, and the
        # extension's failure is set aside, named. It fails on docbase first (as pygments.sphinxext
        # on docutils), which it imports for fancydoc: not suggested either.
        site = write_tree(self.tmp / "integration-site", {
            "dep/__init__.py": "VALUE = 1\n",
            "dep/fancydoc_ext.py": "import docbase\nimport fancydoc\n",
            "docbase.py": "",
            "fancydoc.py": "import heavy\n",
            "heavy.py": "",
            "other.py": "",
        })
        root = write_tree(self.tmp / "integration", {
            "src/tool/__init__.py": "",
            "src/tool/main.py": "import dep, other\ndef main():\n    print(dep.VALUE)\n",
            "app.toml": '[app]\nname = "tool"\nentry = "tool.main:main"\n[packages]\npaths = ["src"]\n'
                        f'site_packages = [{{ dir = "{site}", include = ["other"] }}]\n',
        })
        result = freeze("check", root, "--verbose", check=False)
        self.assertIn(f'site_packages = [{{ dir = "{site}", include = ["other", "dep"] }}]', result.stdout)
        self.assertRegex(result.stdout, r"set aside: 1 module\(s\) of installed packages that integrate with a package "
                                        r"installed here but not included .*:\n  dep\.fancydoc_ext: an integration with "
                                        r"fancydoc \(installed here\)")
        self.assertNotIn('"fancydoc"', result.stdout)
        self.assertNotIn('"docbase"', result.stdout)
        include_in_config(root, '["other"]', '["other", "dep"]')
        result = freeze("check", root)
        self.assertRegex(result.stdout, r"all \d+ checks passed")
        self.assertIn("set aside: 1 module(s) of installed packages that integrate with a package installed here "
                      "but not included (dep.fancydoc_ext with fancydoc)", result.stdout)

    def test_an_integration_with_a_package_the_suggestion_includes_is_not_set_aside(self):
        # borg.helpers.msgpack is named after msgpack, which borg needs anyway: with msgpack in
        # the suggestion, the report does not say the suggestion leaves it out.
        site = write_tree(self.tmp / "needed-integration-site", {
            "lib/__init__.py": "import wire\n",
            "lib/wire_ext.py": "import wire\n",
            "wire.py": "",
        })
        root = write_tree(self.tmp / "needed-integration", {
            "src/tool.py": "import lib\ndef main():\n    pass\n",
            "app.toml": '[app]\nname = "tool"\nentry = "tool:main"\n[packages]\npaths = ["src"]\n'
                        f'site_packages = [{{ dir = "{site}", include = ["lib"] }}]\n',
        })
        result = freeze("check", root, check=False)
        self.assertIn(f'site_packages = [{{ dir = "{site}", include = ["lib", "wire"] }}]', result.stdout)
        self.assertNotIn("integrate with", result.stdout)
        self.assertNotIn("lib.wire_ext", result.stdout)

    def test_a_module_no_import_of_the_app_reaches_is_set_aside(self):
        # lib.cli needs heavy, which lib does not require, and nothing the app imports imports
        # lib.cli (autobahn.xbr._cli needs numpy; magic-wormhole never imports it): set aside,
        # named, and heavy is not suggested. lib tries lib.fancy, which needs shiny, and goes on
        # without: set aside too, and shiny is named as tried by lib.fancy, whose code imports it,
        # not by the checks that happened to import lib first. lib.used needs extra the same way, but the app imports it
        # inside main(): reachable, so extra is suggested.
        site = write_tree(self.tmp / "reach-site", {
            "lib/__init__.py": "VALUE = 1\ntry:\n    from lib import fancy\nexcept ImportError:\n    fancy = None\n",
            "lib/cli.py": "import heavy\n",
            "lib/fancy.py": "import shiny\n",
            "lib/win.py": "import winstuff\n",  # installed nowhere (twisted's Windows reactors)
            "lib/_pytestplugin.py": "import pytest\n",  # a test tool's (tox's, which nothing imports but pytest)
            "shiny.py": "",
            "lib/used.py": "import extra\n",
            "heavy.py": "",
            "extra.py": "",
        })
        root = write_tree(self.tmp / "reach", {
            "src/tool.py": "import lib\ndef main():\n    from lib import used\n    print(lib.VALUE)\n",
            "app.toml": '[app]\nname = "reach"\nentry = "tool:main"\n[packages]\npaths = ["src"]\n'
                        f'site_packages = [{{ dir = "{site}", include = ["lib"] }}]\n',
        })
        result = freeze("check", root, "--verbose", check=False)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn(f'site_packages = [{{ dir = "{site}", include = ["lib", "extra"] }}]', result.stdout)
        self.assertNotIn('include = ["lib", "extra", "heavy"', result.stdout)
        self.assertIn('optional packages not included: "shiny" (tried by lib.fancy)', result.stdout)
        self.assertRegex(result.stdout, r"set aside: 4 module\(s\) of installed packages that need a package not "
                                        r"included, and that the app imports only optionally, if at all "
                                        r"\(lib\._pytestplugin needs pytest, lib\.cli needs heavy, lib\.fancy needs shiny, "
                                        r"\.\.\.\).*:\n")
        self.assertIn("lib.cli: needs heavy (installed here)", result.stdout)
        self.assertRegex(result.stdout, r"\n  lib\._pytestplugin: needs pytest(, a test tool \(freeze check --tests "
                                        r"reports it\)|, installed nowhere here), and the app imports it only optionally")
        self.assertIn("lib.win: needs winstuff, installed nowhere here, and the app imports it only optionally", result.stdout)
        data = json.loads(freeze("check", root, "--json", check=False).stdout)
        self.assertIn({"name": "lib.cli", "why": "unreachable", "needs": "heavy"},
                      [{key: entry[key] for key in ("name", "why", "needs") if key in entry} for entry in data["skipped"]])
        include_in_config(root, '["lib"]', '["lib", "extra"]')
        self.assertRegex(freeze("check", root).stdout, r"all \d+ checks passed")
        # Imported by the app's code, it is checked like any other.
        (root / "src" / "tool.py").write_text("import lib, lib.cli\ndef main():\n    print(lib.VALUE)\n")
        result = freeze("check", root, check=False)
        self.assertIn(f'include = ["lib", "extra", "heavy"] }}]', result.stdout)

    def test_a_package_module_needing_a_test_tool_is_not_called_test_code(self):
        # beancount.ingest imports pytest to register its assertion rewriting: the package's own
        # code, which the app reaches; the hint offers both ways, and does not call it test code.
        root, _ = app_using_site(self.tmp, "ledger", {
            "ledger/__init__.py": "",
            "ledger/ingest.py": "import pytest\npytest.register_assert_rewrite('ledger.ingest')\n",
            # A pytest python here has (the config's site directory), whichever python it is.
            "pytest.py": "def register_assert_rewrite(*names):\n    pass\n",
        }, "def main():\n    import ledger.ingest\n", '["ledger"]')
        result = freeze("check", root, check=False)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn("FAIL  module ledger.ingest", result.stdout)
        self.assertIn("hint: ledger.ingest imports the test tool pytest", result.stdout)
        self.assertIn("which the entry point does not need: include pytest if the app uses ledger.ingest, or leave it "
                      "out of the check with --exclude ledger.ingest", result.stdout)
        self.assertNotIn("test code", result.stdout)

    def test_metadata_is_checked_after_a_module_takes_the_path_finder_away(self):
        # awscli replaces PathFinder on sys.meta_path with a wrapper that finds no distributions:
        # python then finds none either, but the metadata files are still checked, and pass.
        root, _ = app_using_site(self.tmp, "alias", {
            "alias/__init__.py": (
                "import sys\nfrom importlib.machinery import PathFinder\n"
                "class Wrapper:\n"
                "    def find_spec(self, *args, **kwargs):\n        return PathFinder.find_spec(*args, **kwargs)\n"
                "sys.meta_path[sys.meta_path.index(PathFinder)] = Wrapper()\n"),
            "alias-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: alias\nVersion: 1.0\n",
            "alias-1.0.dist-info/top_level.txt": "alias\n",
        }, "import alias\ndef main():\n    pass\n", '["alias"]')
        result = freeze("check", root, check=False)
        self.assertRegex(result.stdout, r"all \d+ checks passed.*1 distribution's metadata", result.stdout)

    def test_a_resource_of_a_package_another_loader_took_over_is_read_from_the_executable(self):
        # ansible's collection loader re-imports ansible_collections.* with a loader that gives no
        # resource reader: python's importlib.resources then fails on their files alike, so the
        # check reads those files from the executable, not through the package.
        root, _ = app_using_site(self.tmp, "takeover", {
            "coll/__init__.py": "",
            "coll/info.txt": "data\n",
            "taker/__init__.py": (
                "import sys, importlib.abc, importlib.util\n"
                "class Loader(importlib.abc.Loader):\n"
                "    def create_module(self, spec):\n        return None\n"
                "    def exec_module(self, module):\n        pass\n"
                "class Finder:\n"
                "    def find_spec(self, name, path=None, target=None):\n"
                "        if name == 'coll':\n"
                "            return importlib.util.spec_from_loader(name, Loader(), is_package=True)\n"
                "sys.meta_path.insert(0, Finder())\n"
                "sys.modules.pop('coll', None)\n"
                "import coll\n"),
        }, "import coll, taker\ndef main():\n    pass\n", '["coll", "taker"]')
        result = freeze("check", root, check=False)
        self.assertRegex(result.stdout, r"all \d+ checks passed.*1 resource file", result.stdout)

    def test_a_fallback_that_is_not_there_makes_the_first_choice_needed(self):
        # Debian's docutils: docutils.parsers imports its parsers by computed name, and the rst
        # parser tries roman, then docutils.utils.roman, which Debian removed. The parser is
        # reachable (not set aside as unreachable), and roman, not the fallback, is what it needs.
        root, site = app_using_site(self.tmp, "fallback", {
            "doc/__init__.py": "",
            "doc/parsers/__init__.py": ("from importlib import import_module\n"
                                        "def get(name):\n    return import_module('doc.parsers.' + name)\n"),
            "doc/parsers/rst.py": "try:\n    import roman\nexcept ImportError:\n    import doc.utils.roman as roman\n",
            "doc/utils/__init__.py": "",
            "roman.py": "def to_roman(n):\n    return 'I' * n\n",
        }, "from doc import parsers\ndef main():\n    print(parsers.get('rst').roman.to_roman(3))\n", '["doc"]')
        result = freeze("check", root, check=False)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn("freeze check: checking again with the installed package(s) it lacks: roman\n", result.stderr)
        self.assertIn(f"'roman' is installed in {site} but not included (it is tried first; the fallback, "
                      "'doc.utils.roman', is not there either)", result.stdout)
        self.assertIn(f'site_packages = [{{ dir = "{site}", include = ["doc", "roman"] }}]', result.stdout)
        include_in_config(root, '["doc"]', '["doc", "roman"]')
        self.assertRegex(freeze("check", root).stdout, r"all \d+ checks passed")
        freeze("build", root)
        self.assertEqual(run([root / "dist" / "fallback"]).stdout, "III\n")

    def test_a_test_tool_the_entry_needs_is_suggested_like_any_package(self):
        # Debian's sqlfluff: its __init__ imports pytest (for register_assert_rewrite), so the app
        # cannot start without it. Its modules are not "test code", and pytest is suggested.
        site = write_tree(self.tmp / "test-tool-site", {
            "lint/__init__.py": "import pytest\npytest.register_assert_rewrite('lint.testing')\n",
            "lint/cli.py": "def main():\n    print('linted')\n",
            "lint/rules.py": "RULES = 3\n",
            "pytest.py": "def register_assert_rewrite(*names):\n    pass\n",
        })
        root = write_tree(self.tmp / "test-tool", {
            "app.toml": '[app]\nname = "lint"\nentry = "lint.cli:main"\n[packages]\n'
                        f'site_packages = [{{ dir = "{site}", include = ["lint"] }}]\n',
        })
        result = freeze("check", root, check=False)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn("freeze check: checking again with the installed package(s) it lacks: pytest\n", result.stderr)
        self.assertIn(f'site_packages = [{{ dir = "{site}", include = ["lint", "pytest"] }}]', result.stdout)
        self.assertNotIn("test code", result.stdout)
        include_in_config(root, '["lint"]', '["lint", "pytest"]')
        self.assertRegex(freeze("check", root).stdout, r"all \d+ checks passed")
        freeze("build", root)
        self.assertEqual(run([root / "dist" / "lint"]).stdout, "linted\n")

    def test_a_warning_only_the_frozen_app_shows_is_named_with_the_optional_package_behind_it(self):
        # Debian's requests warns (RequestsDependencyWarning) when it finds charset_normalizer 3
        # and not chardet, which it tries optionally: frozen without chardet, every run warns.
        site = write_tree(self.tmp / "warning-site", {
            # simplejson is optional too, but its absence is not what makes req warn.
            "req/__init__.py": ("import warnings\ntry:\n    import simplejson\nexcept ImportError:\n    pass\n"
                                "try:\n    import chardet\nexcept ImportError:\n"
                                "    warnings.warn('req found no chardet: detection is slower', UserWarning)\n"),
            "simplejson.py": "",
            # As twisted warns about service_identity: from no module, naming what is missing.
            "req/tls.py": ("import warnings\ntry:\n    import fastlib\nexcept ImportError as error:\n"
                           "    warnings.warn_explicit(f'no fast TLS: {error}', UserWarning, '', 0)\n"),
            "fastlib.py": "",
            "req/old.py": "import warnings\nwarnings.warn('req.old is going away', UserWarning)\n",
            # Changes the filters for what the check imports next; a fresh start has the default ones.
            "req/a_noisy.py": "import warnings\nwarnings.simplefilter('always')\n",
            "req/b_deprecated.py": "import warnings\nwarnings.warn('req.b_deprecated is old', DeprecationWarning)\n",
            "chardet.py": "",
        })
        root = write_tree(self.tmp / "warning", {
            "src/tool.py": "import req\ndef main():\n    print('done')\n",
            "app.toml": '[app]\nname = "warning"\nentry = "tool:main"\n[packages]\npaths = ["src"]\n'
                        f'site_packages = [{{ dir = "{site}", include = ["req"] }}]\n',
        })
        result = freeze("check", root, check=False)
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertIn("warnings only frozen: 2 warnings the frozen app shows and python here does not", result.stdout)
        self.assertIn("\n  UserWarning: no fast TLS: No module named 'fastlib' (checking req.tls)\n      python here has "
                      "\"fastlib\", an optional import that the frozen app lacks", result.stdout)
        self.assertRegex(result.stdout, r"\n  req: UserWarning: req found no chardet: detection is slower \(checking "
                                        r"(tool:main|req|tool)\)\n      python here has \"chardet\", an optional import of req "
                                        r"that the frozen app lacks")
        self.assertNotIn("going away", result.stdout)  # python shows it as well
        self.assertNotIn("is old", result.stdout)  # shown only after req.a_noisy changed the filters
        report = json.loads(freeze("check", root, "--json", check=False).stdout)
        self.assertEqual([(w["module"], w["category"], w["optional_packages"]) for w in report["frozen_only_warnings"]],
                         [("req", "UserWarning", ["chardet"]), ("", "UserWarning", ["fastlib"])])
        include_in_config(root, '["req"]', '["req", "chardet", "simplejson", "fastlib"]')
        self.assertNotIn("warnings only frozen", freeze("check", root).stdout)

    def test_an_import_inside_a_function_of_a_package_left_out_is_named(self):
        # tool.text imports slugkit inside slugify(), which the checks never call (pelican's
        # unidecode): the build warns and the check names it, with the setting that includes it.
        # Frozen without it, the call fails; with it, it works.
        # tool.broken imports otherkit in a function too, but fails to import: it runs no
        # function, and the check does not name otherkit. slugkit imports unicodekit, which the
        # setting brings along.
        site = write_tree(self.tmp / "lazy-site", {"slugkit.py": "import unicodekit\ndef slug(text):\n    return text.lower()\n",
                                                   "unicodekit.py": "", "otherkit.py": "", "stub.py": ""})
        root = write_tree(self.tmp / "lazy", {
            "src/tool/__init__.py": "",
            "src/tool/text.py": "def slugify(text):\n    import slugkit\n    return slugkit.slug(text)\n",
            "src/tool/main.py": "from tool.text import slugify\ndef main():\n    print(slugify('Hello'))\n",
            "src/tool/broken.py": "import surely_not_installed_x\ndef later():\n    import otherkit\n",
            "app.toml": '[app]\nname = "lazy"\nentry = "tool.main:main"\n[packages]\npaths = ["src"]\n'
                        f'site_packages = [{{ dir = "{site}", include = ["stub"] }}]\n',
        })
        build = freeze("build", root)
        self.assertIn("freeze: warning: 2 packages installed in the site_packages directories but not included are "
                      "imported where nothing handles the ImportError: otherkit (by tool.broken), slugkit (by tool.text).",
                      build.stderr)  # the build cannot tell that tool.broken never imports
        self.assertIn("No module named 'slugkit'", run([root / "dist" / "lazy"], check=False).stderr)
        result = freeze("check", root, check=False)  # tool.broken fails; nothing calls slugify()
        self.assertIn('imports the checks do not run: "slugkit" (by tool.text) is installed here but not included',
                      result.stdout)
        self.assertNotIn('"otherkit"', result.stdout)
        self.assertIn(f'To include it (with what it imports: unicodekit):\n'
                      f'        site_packages = [{{ dir = "{site}", include = ["stub", "slugkit", "unicodekit"] }}]',
                      result.stdout)
        data = json.loads(freeze("check", root, "--json", check=False).stdout)
        self.assertEqual(data["uncollected_imports"],
                         [{"package": "slugkit", "site": str(site), "imported_by": ["tool.text"]}])
        self.assertEqual(data["uncollected_brought_along"], [{"package": "unicodekit", "site": str(site)}])
        (root / "app.toml").write_text((root / "app.toml").read_text().replace('["stub"]', '["stub", "slugkit", "unicodekit"]'))
        self.assertNotIn("slugkit", freeze("build", root).stderr)
        self.assertEqual(run([root / "dist" / "lazy"]).stdout, "hello\n")

    def test_an_optional_import_installed_here_is_named(self):
        # core uses speedup when it can import it (as requests does chardet): installed in the
        # site directory but not included, the frozen app behaves otherwise than python here.
        # Nothing fails; the report names it, with the setting that includes it.
        site = write_tree(self.tmp / "optional-import-site", {
            "core/__init__.py": "try:\n    import speedup\nexcept ImportError:\n    speedup = None\n"
                                "try:\n    import surely_not_installed_accelerator\nexcept ImportError:\n    pass\n",
            "speedup.py": "",
        })
        root = write_tree(self.tmp / "optional-import", {
            "src/app.py": "import core\ndef main():\n    print(core.speedup is not None)\n",
            "app.toml": '[app]\nname = "optimport"\nentry = "app:main"\n[packages]\npaths = ["src"]\n'
                        f'site_packages = [{{ dir = "{site}", include = ["core"] }}]\n',
        })
        result = freeze("check", root)
        self.assertRegex(result.stdout, r"all \d+ checks passed")
        self.assertIn('optional packages not included: "speedup" (tried by core) is imported optionally and '
                      'installed here: the frozen app runs without it, where python here would use it. To include it:\n'
                      f'        site_packages = [{{ dir = "{site}", include = ["core", "speedup"] }}]\n', result.stdout)
        self.assertNotIn("surely_not_installed_accelerator", result.stdout)  # installed nowhere: python lacks it too
        data = json.loads(freeze("check", root, "--json").stdout)
        self.assertEqual(data["optional_installed"], [{"package": "speedup", "site": str(site), "tried_by": ["core"]}])

    @unittest.skipIf(PYTHON_VERSION in ("3.11", "3.12"), "cgi and telnetlib are in this CPython's stdlib")
    def test_a_module_removed_from_the_stdlib_is_named_so(self):
        root = write_tree(self.tmp / "removed", {
            "src/legacy.py": "import cgi\ndef main():\n    pass\n",
            "app.toml": '[app]\nname = "legacy"\nentry = "legacy:main"\n[packages]\npaths = ["src"]\n',
        })
        result = freeze("check", root, check=False)
        self.assertIn(f"hint: 'cgi' was removed from the standard library in Python 3.13, and the app is frozen for "
                      f"{PYTHON_VERSION}: include a copy of it published on PyPI", result.stdout)

    def test_an_in_memory_module_handing_a_path_from_its_file_to_a_program_is_named(self):
        files = {
            "src/tool/__init__.py": "",
            "src/tool/helper.sh": "echo helper ran\n",
            # As virtualenv hands its py_info.py to the target python: sh cannot open an in-memory file.
            "src/tool/cli.py": """
                import os, subprocess
                HELPER = os.path.join(os.path.dirname(__file__), "helper.sh")
                def main():
                    subprocess.run(["sh", HELPER], check=True)
                """,
            # Reads its own file in this process, or starts programs only when run as a script: nothing to say.
            "src/tool/reader.py": "import subprocess\nSOURCE = open(__file__).read()\n",
            "src/tool/script.py": "import os\nif __name__ == '__main__':\n    os.system(os.path.dirname(__file__))\n",
        }
        toml = '[app]\nname = "tool"\nentry = "tool.cli:main"\n[packages]\npaths = ["src"]\n'
        root = write_tree(self.tmp / "program-paths", dict(files, **{"app.toml": toml}))
        result = freeze("check", root)
        use = 'tool.cli line 3: HELPER = os.path.join(os.path.dirname(__file__), "helper.sh")'
        self.assertIn("paths for other programs: 1 module starts programs and builds paths from __file__, in memory: "
                      "this executable can open such a path, another program (another python, a compiler) cannot.",
                      result.stdout)
        self.assertIn(f"  {use}\n        [[routing.rule]]\n        name = \"tool\"\n        location = \"filesystem-relative\"\n",
                      result.stdout)
        data = json.loads(freeze("check", root, "--json").stdout)
        self.assertEqual(data["program_paths"], {"uses": [use], "packages": ["tool"]})
        freeze("build", root, "-q")
        self.assertNotEqual(run([root / "dist" / "tool"], check=False).returncode, 0)  # sh finds no helper.sh
        # Routed to the filesystem as the report says: the path is a real file, and nothing is said.
        (root / "app.toml").write_text(toml + '[[routing.rule]]\nname = "tool"\nlocation = "filesystem-relative"\n')
        self.assertNotIn("paths for other programs", freeze("check", root).stdout)
        freeze("build", root, "-q")
        self.assertEqual(run([root / "dist" / "tool"]).stdout, "helper ran\n")

    def test_a_module_running_sys_executable_is_named_unless_interpreter_mode(self):
        files = {
            "src/runner.py": """
                import subprocess, sys
                # prints sys.executable, harmlessly: print(sys.executable)
                def main():
                    subprocess.run([sys.executable, "-m", "worker"], check=True)
                """,
            "src/worker.py": "print('worker')\n",
            "src/version.py": "import sys\nSHOWN = 'running ' + str(sys.executable)\n",
        }
        toml = '[app]\nname = "runner"\nentry = "runner:main"\n[packages]\npaths = ["src"]\n'
        root = write_tree(self.tmp / "executable", dict(files, **{"app.toml": toml}))
        result = freeze("check", root)
        self.assertIn("sys.executable: 1 module uses it, and in the frozen app it is the app: a python command line run "
                      "with it (sys.executable -m x, -c, a script) starts the app again, unless [python] interpreter = "
                      "true lets the executable run it as python would", result.stdout)
        self.assertIn('  runner line 5: subprocess.run([sys.executable, "-m", "worker"], check=True)\n', result.stdout)
        self.assertNotIn("version line", result.stdout)
        data = json.loads(freeze("check", root, "--json").stdout)
        self.assertEqual(data["executable_uses"], ['runner line 5: subprocess.run([sys.executable, "-m", "worker"], check=True)'])
        # With interpreter mode, the command line runs as python would: nothing to say.
        (root / "app.toml").write_text(toml + "[python]\ninterpreter = true\n")
        self.assertNotIn("sys.executable", freeze("check", root).stdout)
        freeze("build", root, "-q")
        self.assertEqual(run([root / "dist" / "runner"]).stdout, "worker\n")

    def test_a_module_testing_sys_frozen_is_named_and_frozen_false_runs_it_as_under_python(self):
        # sqlmap's py2exe branch: frozen, its data is looked for beside sys.executable.
        files = {
            "src/finder/__init__.py": """
                import os, sys
                # a comment naming sys.frozen is no test of it
                def root():
                    return os.path.dirname(sys.executable if hasattr(sys, "frozen") else __file__)

                def main():
                    print(open(os.path.join(root(), "words.txt")).read().strip())
                """,
            "src/finder/words.txt": "found",
            "src/other.py": "import sys\nBINARY = getattr( sys, 'frozen', False )\n",
            "src/plain.py": "import sys\nNAMES = frozenset(sys.argv)\n",
        }
        toml = '[app]\nname = "finder"\nentry = "finder:main"\n[packages]\npaths = ["src"]\n'
        root = write_tree(self.tmp / "frozen-test", dict(files, **{"app.toml": toml}))
        result = freeze("check", root)
        self.assertIn("sys.frozen: 2 modules test it, and the frozen app takes the frozen branch. One written for py2exe "
                      "or PyInstaller looks for files beside sys.executable", result.stdout)
        self.assertIn("[python] frozen = false leaves sys.frozen unset", result.stdout)
        tests = ['finder line 5: return os.path.dirname(sys.executable if hasattr(sys, "frozen") else __file__)',
                 "other line 2: BINARY = getattr( sys, 'frozen', False )"]
        self.assertEqual(json.loads(freeze("check", root, "--json").stdout)["frozen_tests"], tests)
        freeze("build", root, "-q")
        self.assertIn("No such file or directory", run([root / "dist" / "finder"], check=False).stderr)
        # Unset, the module runs as under python, and finds its data where __file__ says.
        (root / "app.toml").write_text(toml + "[python]\nfrozen = false\n")
        self.assertNotIn("sys.frozen", freeze("check", root).stdout)
        freeze("build", root, "-q")
        self.assertEqual(run([root / "dist" / "finder"]).stdout, "found\n")

    def test_a_script_entry_checks_what_it_imports_without_running(self):
        # entry = "tool": a script run as __main__. The check does not import it (that would run
        # it) but imports what it imports whatever its input: a missing module at the top is a
        # failure naming the line; one imported under a try that handles it, or under another
        # condition, is not; `from x import y` needs y.
        root = write_tree(self.tmp / "script", {
            "src/tool.py": """
                import json
                try:
                    import surely_not_installed_optional
                except ImportError:
                    surely_not_installed_optional = None
                if json.__name__ == "windows":
                    import surely_not_installed_conditional
                from helper import VALUE
                def main():
                    import surely_not_installed_in_main
                if __name__ == "__main__":
                    open("ran", "w").write("the script ran")
                    main()
                """,
            "src/helper.py": "VALUE = 1\n",
            "app.toml": '[app]\nname = "tool"\nentry = "tool"\n[packages]\npaths = ["src"]\n',
        })
        result = freeze("check", root, cwd=root, check=False)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("FAIL  entry tool  [app.entry]\n      ModuleNotFoundError: No module named "
                      "'surely_not_installed_in_main' (imported by tool.py line 11)", result.stdout)
        self.assertNotIn("surely_not_installed_optional", result.stdout)
        self.assertNotIn("surely_not_installed_conditional", result.stdout)
        self.assertFalse((root / "ran").exists())
        (root / "src/tool.py").write_text("from helper import NOT_THERE\n")
        result = freeze("check", root, check=False)
        self.assertIn("ImportError: cannot import name 'NOT_THERE' from 'helper' (imported by tool.py line 1)",
                      result.stdout)
        (root / "src/tool.py").write_text("from helper import VALUE\nprint(VALUE)\n")
        self.assertRegex(freeze("check", root).stdout, r"all \d+ checks passed")

    def test_config_errors_name_the_real_file(self):
        root = write_tree(self.tmp / "badconfig", {"app.toml": '[app]\nname = "x"\nentry = "x"\nentyr = 1\n'})
        result = freeze("check", root / "app.toml", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn(f"{root / 'app.toml'}:4: app.entyr: unknown key", result.stderr)


class CheckPassesTest(TempDirTestCase):
    def test_cli_example_with_stdlib(self):
        root = self.tmp / "cli"
        shutil.copytree(SOURCE_DIR / "examples" / "cli", root, ignore=shutil.ignore_patterns("dist", "__pycache__"))
        result = freeze("check", root / "app.toml")
        self.assertRegex(result.stdout, r"all \d+ checks passed in [\d.]+ s; checked 1 entry point, \d+ modules\n")
        self.assertIn("--stdlib", result.stdout)
        # The whole standard library imports too (what cannot, on Linux without a display, is skipped).
        result = freeze("check", root / "app.toml", "--stdlib", "--json")
        data = json.loads(result.stdout)
        self.assertEqual(data["failures"], [])
        self.assertGreater(data["checks"], 500)
        skipped = {s["name"] for s in data["skipped"]}
        self.assertTrue({"antigravity", "this", "taskcli.__main__"} <= skipped, skipped)
        # A stdlib module set aside for an optional extension module the CPython lacks fails under
        # that python too (dbm.gnu without Debian's python3-gdbm).
        for item in data["skipped"]:
            if "which this CPython is built without" in item["reason"]:
                self.assertNotEqual(run([PYTHON, "-I", "-c", f"import {item['name']}"]).returncode, 0, item)

    def test_third_party_hint_and_metadata(self):
        if not (DIST_PACKAGES / "yaml").is_dir():
            self.skipTest("python3-yaml is not installed")
        files = {"src/uy/__init__.py": "", "src/uy/main.py": "import yaml\ndef main():\n    print(yaml.__version__)\n"}
        toml = '[app]\nname = "uy"\nentry = "uy.main:main"\n[packages]\npaths = ["src"]\n'
        root = write_tree(self.tmp / "uy", dict(files, **{"app.toml": toml}))
        result = freeze("check", root, check=False)
        self.assertEqual(result.returncode, 1)
        if PYTHON_VERSION != "3.11":  # Debian's yaml is installed, but for its python3.11
            self.assertIn(f"'yaml' is installed in {DIST_PACKAGES}, but for Debian's python3.11, and the app is frozen "
                          f"for CPython {PYTHON_VERSION}: install it into a venv of python{PYTHON_VERSION}", result.stdout)
            return
        self.assertIn(f"'yaml' is installed in {DIST_PACKAGES} but not included", result.stdout)
        self.assertIn(f'site_packages = [{{ dir = "{DIST_PACKAGES}", include = [..., "yaml"] }}]', result.stdout)
        (root / "app.toml").write_text(toml + f'site_packages = [{{ dir = "{DIST_PACKAGES}", include = ["yaml", "_yaml"] }}]\n')
        result = freeze("check", root, "-v")
        self.assertRegex(result.stdout, r"all \d+ checks passed in [\d.]+ s; checked 1 entry point, \d+ modules, 1 distribution's metadata\n")
        self.assertIn("ok    module yaml.cyaml", result.stdout)
        self.assertIn("ok    metadata PyYAML", result.stdout)


if __name__ == "__main__":
    unittest.main()

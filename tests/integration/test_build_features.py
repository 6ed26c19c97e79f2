"""Build features: [stdlib] include = "reachable" (with add and --why), the build cache,
reproducible output, and the files routed beside the executable."""
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import unittest

from freezetest import CPYTHON_TAG, DISTRIBUTION, PYTHON, PYTHON_NAME, TempDirTestCase, freeze, run, write_tree

APP = {
    "src/tool.py": """
        import importlib, json, sys

        def main():
            # csv is imported dynamically: only [stdlib] add brings it in.
            csv = importlib.import_module(sys.argv[1] if len(sys.argv) > 1 else "csv")
            print(json.dumps({"csv": csv.__name__}))
        """,
}


def toml(stdlib_lines=""):
    return f'[app]\nname = "tool"\nentry = "tool:main"\n[stdlib]\n{stdlib_lines}\n[packages]\npaths = ["src"]\n'


def names_in(exe):
    return {r["name"] for r in json.loads(freeze("inspect", "--json", exe).stdout)["resources"]}


class BuildFeaturesTest(TempDirTestCase):
    def project(self, name, config):
        root = self.tmp / name
        write_tree(root, dict(APP, **{"app.toml": config}))
        return root

    def build(self, root, *args, cache=None):
        env_cache = cache or (self.tmp / "cache")
        result = freeze("build", root / "app.toml", *args, env=dict(os.environ, FREEZE_CACHE_DIR=str(env_cache)))
        return root / "dist" / "tool", result

    def test_reachable_keeps_what_is_imported(self):
        root = self.project("reachable", toml('include = "reachable"\nadd = ["csv"]'))
        exe, _ = self.build(root)
        names = names_in(exe)
        for needed in ("json", "json.decoder", "csv", "encodings.utf_8", "traceback", "tool"):
            self.assertIn(needed, names)
        for unneeded in ("email", "http.client", "unittest", "doctest", "tkinter", "xml.dom", "sqlite3"):
            self.assertNotIn(unneeded, names)
        result = run([exe])
        self.assertEqual(result.stdout, '{"csv": "csv"}\n', result.stderr)
        # A module nothing imports is missing, with the usual error.
        result = run([exe, "email.message"])
        self.assertEqual(result.returncode, 1)
        self.assertIn("ModuleNotFoundError: No module named 'email'", result.stderr)
        # ... and the whole stdlib is much larger.
        full_exe, _ = self.build(self.project("full", toml()))
        self.assertGreater(full_exe.stat().st_size, exe.stat().st_size + 3_000_000)

    def test_reachable_follows_app_code(self):
        # app.code instead of an entry module: its imports are reached like an entry's.
        root = self.tmp / "code"
        write_tree(root, {"app.toml": '[app]\nname = "tool"\ncode = "import subprocess, json; '
                                      'print(json.dumps(subprocess.list2cmdline([\'a b\'])))"\n'
                                      '[stdlib]\ninclude = "reachable"\n'})
        exe, _ = self.build(root)
        self.assertIn("subprocess", names_in(exe))
        self.assertNotIn("email", names_in(exe))
        result = run([exe])
        self.assertEqual(result.stdout, '"\\"a b\\""\n', result.stderr)

    def test_reachable_follows_what_a_script_imports_under_its_main_guard(self):
        # An entry module run as a script runs its `if __name__ == "__main__":` block: what it
        # imports there is reached (s3cmd imports its own package there), for a package's
        # __main__ too; another module's main guard (a self-test) is not followed.
        root = self.tmp / "mainguard"
        write_tree(root, {
            "src/script.py": "import sys\nif __name__ == '__main__':\n    import csv, fractions\n"
                             "    print(csv.__name__, fractions.Fraction(1, 3))\n",
            "src/cli/__init__.py": "",
            "src/cli/__main__.py": "if __name__ == '__main__':\n    import csv\n    from . import helper\n    helper.run()\n",
            "src/cli/helper.py": "def run():\n    import statistics\n    print(statistics.mean([1, 2]))\n"
                                "if __name__ == '__main__':\n    import sqlite3\n",
            "app.toml": '[app]\nname = "tool"\nentry = "script"\n[packages]\npaths = ["src"]\n'
                        '[stdlib]\ninclude = "reachable"\n',
        })
        exe, _ = self.build(root)
        self.assertEqual(run([exe]).stdout, "csv 1/3\n")
        (root / "app.toml").write_text((root / "app.toml").read_text().replace('entry = "script"', 'entry = "cli"'))
        exe, _ = self.build(root)
        self.assertEqual(run([exe]).stdout, "1.5\n")
        self.assertIn("csv", names_in(exe))
        self.assertNotIn("sqlite3", names_in(exe))

    COMPUTED_IMPORTS = (
        "import dbm, os, sys, sysconfig, xml.sax\n"
        "print(sysconfig.get_config_var('EXT_SUFFIX'))\n"
        "print(type(xml.sax.make_parser()).__module__)\n"
        "path = os.path.join(sys.argv[1], 'db')\n"
        "with dbm.open(path, 'c') as db:\n"
        "    db[b'k'] = b'v'\n"
        "print(dbm.whichdb(path))\n"
        "print('b\\u00fccher.example'.encode('idna'), len(__import__('codecs').encode(b'x', 'zlib')))\n")

    def test_reachable_keeps_what_the_stdlib_imports_by_a_computed_name(self):
        # sysconfig's build-time variables (csvkit reads them through pkg_resources), xml.sax's
        # default parser and dbm's back ends are imported by names no import statement has, and
        # the codecs' imports (idna's stringprep, for a hostname in requests) are kept too.
        root = self.tmp / "computed"
        write_tree(root, {"app.toml": '[app]\nname = "tool"\ncode = \'\'\'\n' + self.COMPUTED_IMPORTS + '\'\'\'\n'
                                      '[stdlib]\ninclude = "reachable"\n'})
        exe, _ = self.build(root)
        (self.tmp / "frozen-db").mkdir()
        (self.tmp / "python-db").mkdir()
        expected = subprocess.run([PYTHON, "-c", self.COMPUTED_IMPORTS, self.tmp / "python-db"], capture_output=True,
                                  text=True, check=True).stdout
        result = run([exe, self.tmp / "frozen-db"])
        self.assertEqual(result.stdout, expected, result.stderr)
        self.assertIn("xml.sax.expatreader\n", expected)
        self.assertIn("b'xn--bcher-kva.example' 9\n", expected)

    def test_reachable_keeps_the_stdlib_modules_six_moves_names(self):
        # six.moves imports its modules lazily by names in strings: urllib3's
        # `from six.moves import queue` needs queue (flit failed at start without it).
        six = ("import importlib, sys, types\n"
               "class _Moves(types.ModuleType):\n"
               "    __path__ = []  # a package, as six marks it\n"
               "    def __getattr__(self, name):\n"
               "        moved = {'queue': 'queue', 'http_cookies': 'http.cookies'}\n"
               "        if name not in moved:\n"
               "            raise AttributeError(name)\n"
               "        return importlib.import_module(moved[name])\n"
               "moves = sys.modules[__name__ + '.moves'] = _Moves(__name__ + '.moves')\n")
        root = self.tmp / "six-moves"
        write_tree(root, {"src/six.py": six,
                          "src/tool.py": "from six.moves import queue, http_cookies\ndef main():\n"
                                         "    print(queue.Queue.__module__, http_cookies.SimpleCookie.__module__)\n",
                          "app.toml": toml('include = "reachable"')})
        exe, _ = self.build(root)
        result = run([exe])
        self.assertEqual(result.stdout, "queue http.cookies\n", result.stderr)

    def test_why_explains_inclusion(self):
        root = self.project("why", toml('include = "reachable"'))
        _, result = self.build(root, "--why", "json.decoder", "--why", "email", "--why", "lib2to3.tests.support")
        self.assertIn("why json.decoder: json.decoder <- json <- tool", result.stderr)
        self.assertIn("why email: not included (nothing imports it", result.stderr)
        # In the default [stdlib] exclude: that is why, whoever imports it.
        self.assertIn('why lib2to3.tests.support: not included: [stdlib] exclude leaves it out ("lib2to3.tests")',
                      result.stderr)

    def test_an_unguarded_import_of_an_excluded_stdlib_module_is_a_warning(self):
        root = self.tmp / "excluded"
        write_tree(root, {
            "app.toml": toml('exclude = ["csv", "tomllib"]'),
            "src/tool.py": """
                def main():
                    import csv  # runs when main is called: fails
                    print(csv.QUOTE_ALL)
                """,
            "src/optional.py": """
                try:
                    import tomllib
                except ImportError:  # the app copes without it: no warning
                    tomllib = None
                """,
        })
        exe, result = self.build(root)
        self.assertIn('warning: tool imports csv, which [stdlib] exclude leaves out ("csv"): that import fails in the '
                      'frozen app, as nothing handles the ImportError; remove "csv" from stdlib.exclude if the app runs it',
                      result.stderr)
        self.assertNotIn("tomllib", result.stderr)
        # The warning is true.
        self.assertIn("No module named 'csv'", run([exe]).stderr)

    def test_packages_exclude_leaves_modules_and_their_data_out(self):
        # As twisted lists twisted/plugins/ and imports what it finds: a drop-in left out is not listed.
        root = self.tmp / "packages-exclude"
        write_tree(root, {
            "app.toml": '[app]\nname = "tool"\nentry = "tool:main"\n[packages]\npaths = ["src"]\n'
                        'exclude = ["*.tests", "tool.plugins.dropin", "tool.nothing"]\n',
            "src/tool/__init__.py": """
                import importlib, pkgutil
                import tool.plugins

                def main():
                    for plugin in pkgutil.iter_modules(tool.plugins.__path__):
                        print(plugin.name, importlib.import_module("tool.plugins." + plugin.name).NAME)
                    try:
                        importlib.import_module("tool.tests")
                    except ImportError as error:
                        print(type(error).__name__, error.name)
                """,
            "src/tool/plugins/__init__.py": "",
            "src/tool/plugins/alpha.py": "NAME = 'alpha'\n",
            "src/tool/plugins/dropin.py": "import not_installed_anywhere\nNAME = 'dropin'\n",
            "src/tool/tests/__init__.py": "import pytest\n",
            "src/tool/tests/data/sample.txt": "sample\n",
        })
        exe, result = self.build(root)
        self.assertIn("warning: packages.exclude: 'tool.nothing' names no module or package data of the app or its "
                      "packages", result.stderr)
        self.assertNotIn("*.tests", result.stderr)
        names = names_in(exe)
        self.assertIn("tool.plugins.alpha", names)
        for gone in ("tool.plugins.dropin", "tool.tests", "tool/tests/data/sample.txt"):
            self.assertNotIn(gone, names)
        result = run([exe])
        self.assertEqual(result.stdout, "alpha alpha\nModuleNotFoundError tool.tests\n", result.stderr)
        # A name that is no dotted name or glob is refused, naming the key.
        (root / "app.toml").write_text('[app]\nname = "tool"\nentry = "tool:main"\n[packages]\npaths = ["src"]\n'
                                       'exclude = ["tool/tests"]\n')
        refused = freeze("build", root / "app.toml", check=False)
        self.assertEqual(refused.returncode, 1)
        self.assertIn("packages.exclude", refused.stderr)
        self.assertIn("'tool/tests' is not a dotted module name or glob", refused.stderr)

    def test_cache_is_used_and_survives_damage(self):
        cache = self.tmp / "cache-damage"
        root = self.project("cached", toml())
        first, _ = self.build(root, cache=cache)
        first_bytes = first.read_bytes()
        entries = [p for p in cache.rglob("*") if p.is_file()]
        self.assertGreater(len(entries), 500)  # compiled modules and compressed frames
        for entry in entries[::7]:  # damage some entries: they are recomputed, not trusted
            entry.write_bytes(entry.read_bytes()[:-3] + b"xyz")
        second, _ = self.build(root, cache=cache)
        self.assertEqual(hashlib.sha256(second.read_bytes()).digest(), hashlib.sha256(first_bytes).digest())
        self.assertEqual(run([second]).stdout, '{"csv": "csv"}\n')

    def test_reproducible_without_and_with_cache(self):
        digests = []
        for index, cache in enumerate(["repro-a", "repro-b", "repro-b"]):
            root = self.project(f"repro{index}", toml())
            exe, _ = self.build(root, cache=self.tmp / cache)
            digests.append(hashlib.sha256(exe.read_bytes()).hexdigest())
        self.assertEqual(len(set(digests)), 1, digests)

    def test_rebuild_after_an_edit_is_byte_identical_to_a_cold_build(self):
        # A rebuild takes all that did not change from the cache, the zstd dictionaries too: only
        # the edited module is compiled and compressed again, and the output is byte for byte
        # what a build with an empty cache makes of the edited app.
        root = self.project("edited", toml())
        self.build(root, cache=self.tmp / "edit-warm")
        edited = APP["src/tool.py"].replace('{"csv": csv.__name__}', '{"edited": csv.__name__}')
        write_tree(root, {"src/tool.py": edited})
        warm, result = self.build(root, cache=self.tmp / "edit-warm")
        hits, misses = map(int, re.search(r"cache: (\d+) hits, (\d+) misses", result.stderr).groups())
        self.assertEqual(misses, 3, result.stderr)  # tool's compilation, its bytecode's and its source's frames
        self.assertGreater(hits, 1000)
        cold_root = self.project("edited-cold", toml())
        write_tree(cold_root, {"src/tool.py": edited})
        cold, _ = self.build(cold_root, cache=self.tmp / "edit-cold")
        self.assertEqual(hashlib.sha256(warm.read_bytes()).hexdigest(), hashlib.sha256(cold.read_bytes()).hexdigest())
        self.assertEqual(run([warm]).stdout, '{"edited": "csv"}\n')

    def test_apps_share_the_interpreters_dictionaries(self):
        # The dictionaries are trained on the interpreter's stdlib, not on the app: another app
        # with a cache of its own is compressed with the same ones. (Two are trained per kind, a
        # large and a small one; an app takes the one that saves it more, so apps of the same
        # stdlib share theirs.)
        def dictionary_ids(exe):
            return {r["name"]: r["dictionary_id"] for r in json.loads(freeze("inspect", "--json", exe).stdout)["resources"]
                    if r["kind"] == "dictionary"}

        def reachable_app(name, helper):
            root = write_tree(self.tmp / name, {
                "app.toml": toml('include = "reachable"'),
                "src/tool.py": "import asyncio, email.message, http.client, json, decimal, unittest\n"
                               "def main():\n    print(json.dumps(email.message.Message().keys()))\n",
                "src/helpers.py": helper})
            exe, _ = self.build(root, cache=self.tmp / f"{name}-cache")
            self.assertEqual(run([exe]).stdout, "[]\n")
            return dictionary_ids(exe)

        full, _ = self.build(self.project("dict-full", toml()), cache=self.tmp / "dict-full")
        other = self.project("dict-other-full", toml())
        write_tree(other, {"src/helpers.py": "def helper():\n    return 'another app'\n"})
        other_full, _ = self.build(other, cache=self.tmp / "dict-other-full-cache")
        ids = dictionary_ids(full)
        self.assertEqual(sorted(ids), ["bytecode", "source"])
        self.assertEqual(dictionary_ids(other_full), ids)
        self.assertEqual(reachable_app("dict-reachable", "def helper():\n    return 42\n"),
                         reachable_app("dict-reachable-2", "def helper():\n    return [42] * 2\n"))


STDLIB_TEST = pathlib.Path("/usr/lib/python3.11/test")


def wheel_with_modes(path, members):
    """Writes a py3-none-any wheel of distribution "tools" 1.0: members {name: (bytes, unix mode)}."""
    import base64
    import zipfile
    dist_info = "tools-1.0.dist-info"
    members = dict(members, **{f"{dist_info}/WHEEL": (b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n", 0o644),
                               f"{dist_info}/METADATA": (b"Metadata-Version: 2.1\nName: tools\nVersion: 1.0\n", 0o644)})
    record = [f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},{len(data)}"
              for name, (data, _) in members.items()] + [f"{dist_info}/RECORD,,"]
    members[f"{dist_info}/RECORD"] = ("\n".join(record).encode() + b"\n", 0o644)
    with zipfile.ZipFile(path, "w") as archive:
        for name, (data, mode) in members.items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3  # Unix: the mode is in the high half of external_attr
            info.external_attr = (0o100000 | mode) << 16
            archive.writestr(info, data)
    return path


class FilesystemRoutingTest(TempDirTestCase):
    """Files routed beside the executable: stdlib files that do not compile, permissions, the
    executable's own directory (prefix "."), and what a rebuild leaves behind."""

    def build(self, root, config, files=None, *args, check=True):
        write_tree(root, dict(files or {}, **{"app.toml": config}))
        result = freeze("build", root / "app.toml", *args, env=dict(os.environ, FREEZE_CACHE_DIR=str(self.tmp / "cache")),
                        check=check)
        return result

    @unittest.skipUnless((STDLIB_TEST / "bad_coding2.py").exists() and not DISTRIBUTION,
                         "needs Debian's libpython3.11-testsuite (a distribution has no test package)")
    def test_stdlib_files_that_do_not_compile(self):
        bad = ["test.bad_coding2", "test.badsyntax_3131"]
        probe = ("import sys\n"
                 "for name in sys.argv[1:]:\n"
                 "    try:\n"
                 "        __import__(name)\n"
                 "    except BaseException as error:\n"
                 "        print(name, type(error).__name__, error)\n")
        config = (f'[app]\nname = "app"\ncode = """{probe}"""\n'
                  f'[stdlib]\ninclude = "reachable"\nexclude = []\nadd = {json.dumps(bad)}\n')
        expected = run([PYTHON, "-c", probe, *bad]).stdout
        self.assertIn("test.bad_coding2 SyntaxError encoding problem: utf8 with BOM", expected)

        # Routed to the filesystem they are just files: copied as they are, with no .pyc, so
        # that importing them fails as under python. Only --verbose mentions them.
        root = self.tmp / "bad-on-disk"
        rule = '[[routing.rule]]\nname = "test"\nlocation = "filesystem-relative"\n'
        result = self.build(root, config + rule, None, "-v")
        self.assertNotIn("freeze: warning", result.stderr)
        for name in bad:
            relative = name.replace(".", "/") + ".py"
            real = (root / "dist/app").resolve().parent
            self.assertEqual((real / "lib/python3.11" / relative).read_bytes(), (STDLIB_TEST.parent / relative).read_bytes())
            self.assertRegex(result.stderr,
                             f"module {name} does not compile \\(SyntaxError: .*\\): copied as is to lib/python3.11/{relative}")
        self.assertEqual(list(((root / "dist/app").resolve().parent / "lib/python3.11/test/__pycache__").glob("bad*")), [])
        self.assertEqual(run([root / "dist/app", *bad]).stdout, expected)

        # In memory they are stored as source only: no warning, and importing one compiles it
        # and raises python's SyntaxError (--verbose mentions them).
        root = self.tmp / "bad-in-memory"
        result = self.build(root, config, None, "-v")
        self.assertNotIn("freeze: warning", result.stderr)
        for name in bad:
            self.assertRegex(result.stderr, f"module {name} does not compile \\(SyntaxError: .*\\): stored as source only")
        self.assertEqual(run([root / "dist/app", *bad]).stdout, expected)

    def test_filesystem_copies_keep_execute_bits(self):
        root = self.tmp / "modes"
        files = {"src/pkg/__init__.py": "", "src/pkg/tool.sh": "#!/bin/sh\necho tool ran\n",
                 "src/pkg/private.txt": "x\n", "src/pkg/owner_only.sh": "#!/bin/sh\n", "src/pkg/risky.sh": "#!/bin/sh\n"}
        write_tree(root, files)
        os.chmod(root / "src/pkg/tool.sh", 0o755)
        os.chmod(root / "src/pkg/private.txt", 0o600)
        os.chmod(root / "src/pkg/owner_only.sh", 0o700)
        os.chmod(root / "src/pkg/risky.sh", 0o6777)  # setuid, setgid, world-writable
        wheel = wheel_with_modes(root / "tools-1.0-py3-none-any.whl",
                                 {"tools/__init__.py": (b"", 0o644), "tools/run.sh": (b"#!/bin/sh\necho wheel tool ran\n", 0o755)})
        code = ("import os, subprocess, pkg, tools\n"
                "for package, script in ((pkg, 'tool.sh'), (tools, 'run.sh')):\n"
                "    subprocess.run([os.path.join(os.path.dirname(package.__file__), script)], check=True)\n")
        config = (f'[app]\nname = "app"\ncode = """{code}"""\n[stdlib]\ninclude = "reachable"\nadd = ["subprocess"]\n'
                  f'[packages]\npaths = ["src"]\nwheels = ["{wheel}"]\n'
                  '[[routing.rule]]\nname = ["pkg", "tools"]\nlocation = "filesystem-relative"\n')
        self.build(root, config)
        real = (root / "dist/app").resolve().parent  # dist/app is a symlink to the executable there
        app, third_party = real / "lib/app", real / f"local/lib/{PYTHON_NAME}/dist-packages"
        modes = {name: oct(((third_party if name.startswith("tools/") else app) / name).stat().st_mode & 0o7777) for name in
                 ("pkg/tool.sh", "pkg/private.txt", "pkg/owner_only.sh", "pkg/risky.sh", "pkg/__init__.py", "tools/run.sh")}
        self.assertEqual(modes, {"pkg/tool.sh": "0o755", "pkg/private.txt": "0o644", "pkg/owner_only.sh": "0o744",
                                 "pkg/risky.sh": "0o755", "pkg/__init__.py": "0o644", "tools/run.sh": "0o755"})
        result = run([root / "dist/app"])
        self.assertEqual(result.stdout, "tool ran\nwheel tool ran\n", result.stderr)

    def test_app_code_on_the_filesystem_is_in_lib_app(self):
        root = self.tmp / "dot"
        files = {"src/mypkg/__init__.py": "", "src/mypkg/data.txt": "data beside the executable\n",
                 "src/helper.py": "import os\nHERE = os.path.dirname(__file__)\n"}
        code = ("import os, sys, helper, mypkg\n"
                "print(helper.__file__, mypkg.__file__, mypkg.__path__[0] == os.path.join(helper.HERE, 'mypkg'))\n"
                "print(open(os.path.join(os.path.dirname(mypkg.__file__), 'data.txt')).read(), end='')\n")
        config = (f'[app]\nname = "app"\ncode = """{code}"""\n[stdlib]\ninclude = "reachable"\n[packages]\npaths = ["src"]\n'
                  '[[routing.rule]]\nname = ["mypkg", "helper"]\nlocation = "filesystem-relative"\n')
        self.build(root, config, files)
        dist = root / "dist"
        real = (dist / "app").resolve().parent  # dist/app is a symlink to the executable there
        self.assertEqual(real.parent, dist)
        self.assertEqual(sorted(p.name for p in real.iterdir()), ["app", "lib"])
        self.assertEqual(sorted(p.name for p in (real / "lib/app").iterdir()), ["__pycache__", "helper.py", "mypkg"])
        self.assertTrue((real / f"lib/app/__pycache__/helper.{CPYTHON_TAG}.pyc").is_file())
        result = run([dist / "app"])
        self.assertEqual(result.stdout,
                         f"{real}/lib/app/helper.py {real}/lib/app/mypkg/__init__.py True\ndata beside the executable\n",
                         result.stderr)
        # A rebuild switches to a new directory, the executable included.
        (root / "src/mypkg/data.txt").write_text("second build\n")
        self.build(root, config)
        self.assertEqual(run([dist / "app"]).stdout.splitlines()[1], "second build")

    def test_rebuild_removes_what_the_previous_build_wrote_and_nothing_else(self):
        root = self.tmp / "stale"
        files = {"src/mypkg/__init__.py": "", "src/mypkg/data.txt": "data\n", "src/helper.py": ""}
        base = '[app]\nname = "app"\ncode = "import helper, mypkg"\n[stdlib]\ninclude = "reachable"\n[packages]\npaths = ["src"]\n'

        def build_routed(location):
            rule = f'[[routing.rule]]\nname = ["mypkg", "helper"]\nlocation = "{location}"\n'
            self.build(root, base + (rule if location else ""), files)
            result = run([root / "dist/app"])
            self.assertEqual((result.returncode, result.stderr), (0, ""))
            # dist/ itself, with the build directory (if any) as "BUILD", and that directory.
            real = (root / "dist/app").resolve().parent
            names = sorted("BUILD" if p == real else p.name for p in (root / "dist").iterdir())
            return names, (sorted(p.name for p in real.iterdir()) if real != root / "dist" else None)

        self.assertEqual(build_routed("filesystem-relative"), (["BUILD", "app"], ["app", "lib"]))
        # The user's own files beside the executable are never touched.
        write_tree(root / "dist", {"notes.txt": "mine\n", "mine/keep.py": "mine\n", "lib/mine.txt": "mine\n"})
        self.assertEqual(build_routed("filesystem-relative"), (["BUILD", "app", "lib", "mine", "notes.txt"], ["app", "lib"]))
        self.assertEqual(build_routed("prefer-in-memory-fallback-filesystem-relative"), (["app", "lib", "mine", "notes.txt"], None))
        self.assertEqual(build_routed(None), (["app", "lib", "mine", "notes.txt"], None))
        self.assertEqual((root / "dist/lib/mine.txt").read_text(), "mine\n")
        shutil.rmtree(root / "dist/lib")
        # An executable of an earlier freeze version wrote its files straight beside itself (its
        # index records them): they go with it.
        build_routed("filesystem-relative")
        real = (root / "dist/app").resolve()
        (root / "dist/app").unlink()
        shutil.copy2(real, root / "dist/app")
        shutil.copytree(real.parent / "lib", root / "dist/lib")
        shutil.rmtree(real.parent)
        self.assertEqual(build_routed(None), (["app", "mine", "notes.txt"], None))
        self.assertEqual((root / "dist/notes.txt").read_text(), "mine\n")
        self.assertEqual((root / "dist/mine/keep.py").read_text(), "mine\n")
        # What was there before is not a freeze executable: nothing is known, nothing removed.
        (root / "dist/app").write_text("not an executable of ours\n")
        (root / "dist/lib").mkdir()
        self.assertEqual(build_routed(None), (["app", "lib", "mine", "notes.txt"], None))

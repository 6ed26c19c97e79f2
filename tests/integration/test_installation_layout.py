"""The frozen program is one coherent Python installation (README "What a frozen program sees"):
the stdlib under <prefix>/lib/python3.11, third-party packages in
<prefix>/local/lib/python3.11/dist-packages (sysconfig's paths), the app's code in
<prefix>/lib/app, each module's __file__ the same in memory and on the filesystem; sys.path lists
those directories and the embedded importer answers for them as a path-entry finder, while a
file dropped there is never imported. Also python's precedence among files of one name, and
.pyc files on the filesystem validated against their source."""
import json
import shutil
import unittest

from freezetest import (DIST_PACKAGES, EXT_SUFFIX, FIXTURES, PYTHON, TempDirTestCase, build_app, can_hide_pythons, clean_env, freeze,
                        run, run_hidden, write_tree, uses_c_fixtures, uses_debian_python3_11)


TOML = """
[app]
name = "layout"
entry = "layapp.main:main"
[packages]
paths = ["src"]
site_packages = [{{ dir = "/usr/lib/python3/dist-packages", include = ["yaml", "_yaml"] }}]
{routing}
"""

APP = {
    "src/layapp/__init__.py": "",
    "src/layapp/data.txt": "data\n",
    "src/layapp/version.py": "VERSION = 'v1'\n",
    "src/nsportion/part.py": "",
    "src/layapp/main.py": """\
        import importlib.machinery, importlib.metadata, json, os, pkgutil, sys, sysconfig

        def main():
            import _json, email.mime, layapp, nsportion, yaml
            from layapp import version
            prefix = sys.prefix
            rel = lambda path: os.path.relpath(path, prefix)
            paths = sysconfig.get_paths()
            top = {m.name: m.ispkg for m in pkgutil.iter_modules()}
            spec = importlib.machinery.PathFinder.find_spec("yaml")
            print(json.dumps({
                "prefix": [sys.prefix == sys.exec_prefix == os.path.dirname(sys.executable)],
                "path": [rel(p) for p in sys.path],
                "stdlib_dir": rel(sys._stdlib_dir),
                "sysconfig": {key: rel(paths[key]) for key in ("stdlib", "platstdlib", "purelib", "platlib")},
                "files": {name: rel(sys.modules[name].__file__)
                          for name in ("os", "json", "email.mime", "_json", "yaml", "layapp", "layapp.version")},
                "paths": {name: [rel(p) for p in sys.modules[name].__path__] for name in ("layapp", "nsportion")},
                "top_level": [top.get(name) for name in ("os", "json", "_json", "yaml", "layapp", "nsportion", "evil")],
                "walk": sorted(m.name for m in pkgutil.walk_packages(layapp.__path__, "layapp.")),
                "path_finder": rel(spec.origin) if spec else None,
                "not_found": importlib.machinery.PathFinder.find_spec("evil") is None,
                "locate": rel(importlib.metadata.distribution("PyYAML").locate_file("yaml/__init__.py")),
                "version": version.VERSION,
            }))
            if sys.argv[1:] == ["evil"]:
                import evil
        """,
}

EXPECTED = {
    "prefix": [True],
    "path": ["lib/app", "lib/python3.11", "lib/python3.11/lib-dynload", "local/lib/python3.11/dist-packages"],
    "stdlib_dir": "lib/python3.11",
    "sysconfig": {"stdlib": "lib/python3.11", "platstdlib": "lib/python3.11",
                  "purelib": "local/lib/python3.11/dist-packages", "platlib": "local/lib/python3.11/dist-packages"},
    "files": {"os": "lib/python3.11/os.py", "json": "lib/python3.11/json/__init__.py",
              "email.mime": "lib/python3.11/email/mime/__init__.py",
              "_json": "lib/python3.11/lib-dynload/_json.cpython-311-x86_64-linux-gnu.so",
              "yaml": "local/lib/python3.11/dist-packages/yaml/__init__.py",
              "layapp": "lib/app/layapp/__init__.py", "layapp.version": "lib/app/layapp/version.py"},
    "paths": {"layapp": ["lib/app/layapp"], "nsportion": ["lib/app/nsportion"]},
    # pkgutil lists no namespace package (nsportion), as over a directory.
    "top_level": [False, True, False, True, True, None, None],
    "walk": ["layapp.main", "layapp.version"],
    "path_finder": "local/lib/python3.11/dist-packages/yaml/__init__.py",
    "not_found": True,
    "locate": "local/lib/python3.11/dist-packages/yaml/__init__.py",
    "version": "v1",
}

ROUTED = '[[routing.rule]]\nstdlib = false\nlocation = "filesystem-relative"\n'


@uses_debian_python3_11
class InstallationLayoutTest(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        if not (DIST_PACKAGES / "yaml").is_dir():
            raise unittest.SkipTest("python3-yaml is not installed")
        if not can_hide_pythons():
            raise unittest.SkipTest("unshare -m is not permitted here")
        super().setUpClass()
        cls.exe = build_app(cls.tmp / "memory", TOML.format(routing=""), APP)
        cls.routed = build_app(cls.tmp / "routed", TOML.format(routing=ROUTED), APP)

    def routed_copy(self, name):
        """A copy of the output directory of the build with everything but the stdlib routed to
        the filesystem, for a test to change."""
        return shutil.copytree(self.routed.parent, self.tmp / name, symlinks=True) / self.routed.name

    def facts(self, exe, *args):
        result = run_hidden([exe, *args])
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout)

    def test_in_memory(self):
        self.assertEqual(self.facts(self.exe), EXPECTED)
        self.assertEqual(sorted(p.name for p in self.exe.parent.iterdir()), ["layout"])

    def test_filesystem_routing_keeps_every_path(self):
        exe = self.routed_copy("routed-copy")
        self.assertEqual(self.facts(exe), EXPECTED)
        for path in ("lib/app/layapp/version.py", "lib/app/layapp/data.txt",
                     "local/lib/python3.11/dist-packages/yaml/__init__.py",
                     "local/lib/python3.11/dist-packages/PyYAML-6.0.dist-info/METADATA"):
            self.assertTrue((exe.resolve().parent / path).is_file(), path)

    def test_old_prefix_is_ignored_with_a_warning(self):
        root = self.tmp / "old"
        write_tree(root, dict(APP, **{"app.toml": TOML.format(routing=ROUTED.replace('"filesystem-relative"',
                                                                                      '"filesystem-relative:lib"'))}))
        result = freeze("build", root / "app.toml")
        self.assertIn("warning: routing.rule.location: the PREFIX of ':lib' is no longer used", result.stderr)
        self.assertEqual(self.facts(root / "dist" / "layout"), EXPECTED)

    def test_files_dropped_beside_the_executable_are_never_imported(self):
        exe = self.routed_copy("isolated")
        for directory in EXPECTED["path"] + ["."]:
            write_tree(exe.resolve().parent / directory, {"evil.py": "raise SystemExit('evil imported')\n"})
        facts = self.facts(exe)
        # pkgutil lists a directory of sys.path through the file system, as it lists python's
        # (its path-entry finders are FileFinders to it): a real file there is listed; it is
        # never found by the import system.
        self.assertEqual((facts["top_level"][:-1], facts["not_found"]), (EXPECTED["top_level"][:-1], True))
        result = run_hidden([exe, "evil"])
        self.assertEqual(result.returncode, 1)
        self.assertIn("ModuleNotFoundError: No module named 'evil'", result.stderr)

    def test_edited_module_on_the_filesystem_is_recompiled(self):
        exe = self.routed_copy("edited")
        pyc = exe.resolve().parent / "lib/app/layapp/__pycache__/version.cpython-311.pyc"
        self.assertEqual(pyc.read_bytes()[4:8], b"\x03\0\0\0")  # checked hash-based (PEP 552)
        source = exe.resolve().parent / "lib/app/layapp/version.py"
        # The hash python's SourceFileLoader checks: the .pyc is current for the source as written.
        check = "import importlib.util, sys; print(importlib.util.source_hash(open(sys.argv[1], 'rb').read()).hex())"
        self.assertEqual(run([PYTHON, "-I", "-c", check, source]).stdout.strip(), pyc.read_bytes()[8:16].hex())
        self.assertEqual(self.facts(exe)["version"], "v1")
        source.write_text("VERSION = 'v2, edited'\n")
        self.assertEqual(self.facts(exe)["version"], "v2, edited")


@uses_c_fixtures
class ImportPrecedenceTest(TempDirTestCase):
    """One name, several files in one directory: python's FileFinder order decides."""

    def test_package_then_extension_then_source(self):
        extension = FIXTURES / "site" / f"fixture_cext{EXT_SUFFIX}"
        site = self.tmp / "site"
        site.mkdir()
        shutil.copy(extension, site / extension.name)
        write_tree(site, {"fixture_cext.py": "raise SystemExit('the source, not the extension')\n",
                          "both.py": "WHO = 'module'\n", "both/__init__.py": "WHO = 'package'\n"})
        code = ("import both, fixture_cext, os\n"
                "print(both.WHO, os.path.basename(both.__file__), os.path.basename(fixture_cext.__file__), "
                "fixture_cext.add(2, 3))\n")
        toml = (f'[app]\nname = "prec"\ncode = """{code}"""\n'
                f'[packages]\nsite_packages = [{{ dir = "{site}", include = ["both", "fixture_cext"] }}]\n')
        write_tree(self.tmp / "prec", {"app.toml": toml})
        result = freeze("build", self.tmp / "prec" / "app.toml")
        self.assertIn("module both (" + str(site / "both.py") + ") is hidden by the package", result.stderr)
        frozen = run([self.tmp / "prec" / "dist" / "prec"], env=clean_env())
        python = run([PYTHON, "-I", "-c", f"import sys; sys.path.insert(0, {str(site)!r})\n{code}"])
        self.assertEqual((frozen.returncode, frozen.stdout), (0, python.stdout), frozen.stderr)
        self.assertIn(f"package __init__.py fixture_cext{EXT_SUFFIX}", frozen.stdout)


    def test_a_package_directory_put_first_on_sys_path_wins(self):
        # poetry.core puts its _vendor directory first on sys.path: `import jsonschema` is then
        # its vendored copy, not the one installed beside it. In memory and on disk alike.
        site = write_tree(self.tmp / "vendoring-site", {
            "outer/__init__.py": ("import os, sys\nVENDOR = os.path.join(os.path.dirname(__file__), '_vendor')\n"
                                  "if VENDOR not in sys.path:\n    sys.path.insert(0, VENDOR)\n"),
            "outer/_vendor/dep/__init__.py": "WHO = 'vendored'\n",
            "outer/_vendor/single.py": "WHO = 'vendored single'\n",
            "dep/__init__.py": "WHO = 'installed'\n",
            "single.py": "WHO = 'installed single'\n",
            "other.py": "WHO = 'installed other'\n",
        })
        code = ("import outer, dep, single, other, os\n"
                "print(dep.WHO, '|', single.WHO, '|', other.WHO, '|', os.path.relpath(dep.__file__, os.path.dirname(outer.__file__)))\n")
        python = run([PYTHON, "-I", "-c", f"import sys; sys.path.insert(0, {str(site)!r})\n{code}"])
        self.assertEqual(python.stdout, "vendored | vendored single | installed other | _vendor/dep/__init__.py\n",
                         python.stderr)
        for location in ("in-memory", "filesystem-relative"):
            with self.subTest(location=location):
                root = write_tree(self.tmp / f"vendoring-{location}", {"app.toml": (
                    f'[app]\nname = "vendoring"\ncode = """{code}"""\n'
                    f'[packages]\nsite_packages = [{{ dir = "{site}", include = ["outer", "dep", "single", "other"] }}]\n'
                    f'[routing]\ndefault = "{location}"\n')})
                freeze("build", root / "app.toml", "-q")
                frozen = run([root / "dist" / "vendoring"], env=clean_env())
                self.assertEqual((frozen.returncode, frozen.stdout), (0, python.stdout), frozen.stderr)


@uses_debian_python3_11
class PkgResourcesTest(TempDirTestCase):
    """pkg_resources finds distributions by the type of each sys.path entry's path-entry finder:
    the installation's directories are FileFinders to it, as python's are."""

    def test_pkg_resources_sees_the_embedded_distributions(self):
        if not (DIST_PACKAGES / "pkg_resources").is_dir() or not (DIST_PACKAGES / "yaml").is_dir():
            self.skipTest("needs Debian's python3-pkg-resources and python3-yaml")
        if not can_hide_pythons():
            self.skipTest("unshare -m is not permitted here")
        code = ("import importlib.machinery, os, sys, pkg_resources\n"
                "dist = pkg_resources.get_distribution('PyYAML')\n"
                "print(dist.project_name, dist.version, os.path.isdir(dist.location))\n"
                "print(sorted(d.project_name for d in pkg_resources.working_set if d.project_name == 'PyYAML'))\n"
                "print(pkg_resources.resource_string('yaml', '__init__.py') == open(__import__('yaml').__file__, 'rb').read())\n"
                "print(isinstance(sys.path_importer_cache.get(os.path.dirname(dist.location + '/x')), importlib.machinery.FileFinder))\n")
        root = self.tmp / "pkgres"
        write_tree(root, {"app.toml": '[app]\nname = "pkgres"\ncode = """' + code + '"""\n'
                          '[packages]\nsite_packages = [{ dir = "/usr/lib/python3/dist-packages", '
                          'include = ["pkg_resources", "yaml", "_yaml"] }]\n'})
        freeze("build", root / "app.toml", "-q")
        frozen = run_hidden([root / "dist" / "pkgres"])
        python = run([PYTHON, "-S", "-c", code], env=clean_env(PYTHONPATH=str(DIST_PACKAGES)))
        self.assertEqual((frozen.returncode, frozen.stdout), (0, python.stdout), frozen.stderr)
        self.assertIn("PyYAML", frozen.stdout)

if __name__ == "__main__":
    unittest.main()

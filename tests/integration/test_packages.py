"""Real packages: a C extension from a site-packages directory, an auditwheel-style wheel whose
extension needs a bundled shared library, a pure wheel with package data, plugins, entry
points and metadata, and a namespace package split across both. Each app is frozen with
everything in memory and with the Mercurial-style routing (stdlib in memory, the rest beside
the executable), and must give the same results as under python (the target version's)."""
import json
import os
import re
import unittest
import zipfile

from freezetest import (CPYTHON_TAG, DISTRIBUTION, EXT_SUFFIX, FIXTURES, LAUNCHER, PYTHON, PYTHON_NAME, TempDirTestCase,
                        build_app, can_hide_pythons, clean_env, freeze, run, run_hidden, write_tree, uses_c_fixtures)

SITE = FIXTURES / "site"
WHEELS = sorted((FIXTURES / "wheels").glob("*.whl"))

PROBE = """
import importlib, importlib.metadata as md, importlib.resources, json, os, pkgutil, sys

def open_beside_file(read):
    # open(os.path.dirname(__file__) + ...): served from memory, or from the file on disk under
    # the filesystem-relative routing.
    try:
        return read() == bytes(range(256))
    except FileNotFoundError:
        return "FileNotFoundError"

def failed_init():
    # An extension whose initialisation imports a missing module: python raises that error as
    # it is, the second time too (the library stays loaded; its init runs again).
    seen = []
    for _ in range(2):
        try:
            import fixture_initfails
        except ImportError as error:
            seen.append([type(error).__name__, error.name, str(error)])
    return seen

def main():
    import fixture_cext, fixture_pure, bundled, purewheel, purewheel.cli
    import nsfixture.partone, nsfixture.parttwo
    results = {
        "selftest": repr(fixture_cext.selftest()),
        "add": fixture_cext.add(2, 3),
        "counter": fixture_cext.Counter(3).increment(n=10),
        "pure": fixture_pure.double(21),
        "mul": bundled.mul(6, 7),
        "lib_id": bundled.lib_id(),
        "table": bundled.table(),
        "greeting": purewheel.greeting(),
        "info": purewheel.info(),
        "blob": open_beside_file(purewheel.blob),
        "blob_resources": purewheel.blob_via_resources() == bytes(range(256)),
        "plugins": purewheel.plugin_names(),
        "run_plugins": purewheel.run_plugins(),
        "entry_point_plugins": purewheel.entry_point_plugins(),
        "versions": [md.version(n) for n in ("purewheel", "bundled", "fixture-cext")],
        "requires": md.requires("purewheel"),
        "console_scripts": sorted(ep.value for ep in md.entry_points(group="console_scripts")
                                  if ep.name == "purewheel-cli"),
        "files": sorted(str(f) for f in md.files("purewheel") if f.suffix == ".txt"),
        "metadata_name": md.metadata("fixture-cext")["Name"],
        "namespace": [nsfixture.partone.where(), nsfixture.parttwo.where()],
        "failed_init": failed_init(),
        "iterdir": sorted(p.name for p in importlib.resources.files("purewheel.data").iterdir()),
        "is_dir": importlib.resources.files("purewheel").joinpath("data").is_dir(),
        "get_data": pkgutil.get_data("bundled", "data/table.csv").decode().splitlines()[0],
        "walk": sorted(m.name for m in pkgutil.walk_packages(purewheel.__path__, "purewheel.")),
    }
    with importlib.resources.as_file(importlib.resources.files("purewheel") / "data/greeting.txt") as path:
        results["as_file"] = path.read_text()
    print(json.dumps(results, sort_keys=True))
"""

ROUTING_HG = """
[routing]
default = "in-memory"
[[routing.rule]]
stdlib = false
kind = ["module", "resource", "metadata", "extension", "shared-library"]
location = "filesystem-relative"
"""


def app_toml(name, routing=""):
    wheels = ", ".join(f'"{w}"' for w in WHEELS)
    return f"""
[app]
name = "{name}"
entry = "probe:main"

[packages]
paths = ["src"]
site_packages = [{{ dir = "{SITE}", include = ["fixture_cext", "fixture_pure", "nsfixture", "fixture_initfails"] }}]
wheels = [{wheels}]
{routing}
"""


@uses_c_fixtures
class PackagesTest(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not WHEELS:
            raise unittest.SkipTest("fixtures are not built")
        # The reference: the same probe under python, with the wheels installed by unzipping.
        installed = cls.tmp / "installed"
        for wheel in WHEELS:
            zipfile.ZipFile(wheel).extractall(installed)
        (cls.tmp / "ref").mkdir()
        (cls.tmp / "ref" / "probe.py").write_text(PROBE)
        env = clean_env(PYTHONPATH=f"{cls.tmp / 'ref'}:{SITE}:{installed}")
        result = run([PYTHON, "-c", "import probe; probe.main()"], env=env)
        assert result.returncode == 0, result.stderr
        cls.expected = json.loads(result.stdout)

    def build_and_probe(self, name, routing=""):
        exe = build_app(self.tmp / name, app_toml(name, routing), {"src/probe.py": PROBE})
        result = run([exe], env=clean_env())
        self.assertEqual(result.returncode, 0, result.stderr)
        return exe, json.loads(result.stdout)

    def test_everything_in_memory(self):
        exe, results = self.build_and_probe("inmemory")
        self.assertEqual(results, self.expected)
        self.assertIs(results["blob"], True)  # data opened by a path next to __file__, from memory
        self.assertEqual(sorted(p.name for p in exe.parent.iterdir()), ["inmemory"])  # a single file
        # ... which also runs copied alone elsewhere, the bundled library loaded from memory.
        alone = self.tmp / "alone"
        alone.mkdir()
        (alone / "app").write_bytes(exe.read_bytes())
        os.chmod(alone / "app", 0o755)
        result = run([alone / "app"], env=clean_env())
        self.assertEqual(json.loads(result.stdout), self.expected)

    def test_an_app_module_named_like_the_runtime_changes_nothing(self):
        # freeze's importlib.resources adapter is the launcher's (_freeze_importer.resources), not
        # a module of the blob: an app module of the name it once had, _freeze_resources, is the
        # app's own, as under python, and breaks nothing of it (nor of importlib.metadata).
        own = 'WHOSE = "app"\n\ndef resource_reader(package):\n    raise RuntimeError("the app\'s")\n' \
              'def find_distributions(context=None):\n    raise RuntimeError("the app\'s")\n'
        wrapper = ("import contextlib, io, json, _freeze_resources, probe\n"
                   "def main():\n"
                   "    out = io.StringIO()\n"
                   "    with contextlib.redirect_stdout(out):\n"
                   "        probe.main()\n"
                   "    results = json.loads(out.getvalue())\n"
                   "    results['whose'] = _freeze_resources.WHOSE\n"
                   "    print(json.dumps(results, sort_keys=True))\n")
        toml = app_toml("own").replace('entry = "probe:main"', 'entry = "ownprobe:main"')
        exe = build_app(self.tmp / "own", toml, {"src/probe.py": PROBE, "src/ownprobe.py": wrapper,
                                                 "src/_freeze_resources.py": own})
        result = run([exe], env=clean_env())
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout), dict(self.expected, whose="app"))
        listing = json.loads(freeze("inspect", "--json", exe).stdout)
        modules = {r["name"]: r.get("path") for r in listing["resources"] if r["kind"] == "module"}
        self.assertEqual(modules["_freeze_resources"], "lib/app/_freeze_resources.py")
        self.assertFalse([name for name in modules if name.startswith("_freeze_importer")])

    def test_bundled_library_loads_from_memory(self):
        exe = build_app(self.tmp / "libpath", app_toml("libpath").replace('entry = "probe:main"',
                        'code = "import bundled; print(bundled.lib_path())"'), {"src/probe.py": PROBE})
        result = run([exe])
        self.assertTrue(result.stdout.startswith("/proc/self/fd/") or "memfd:" in result.stdout, result.stdout + result.stderr)

    def test_mercurial_style_routing(self):
        exe, results = self.build_and_probe("hg", ROUTING_HG)
        self.assertEqual(results, self.expected)
        lib = exe.resolve().parent / f"local/lib/{PYTHON_NAME}/dist-packages"  # third-party packages, where sysconfig says
        self.assertTrue((lib / "bundled" / f"_core{EXT_SUFFIX}").is_file())
        self.assertTrue((lib / "bundled.libs" / "libfixturemath-1a2b3c4d.so.1").is_file())
        self.assertTrue((lib / "purewheel" / "data" / "greeting.txt").is_file())
        self.assertTrue((lib / "purewheel" / "__pycache__" / f"__init__.{CPYTHON_TAG}.pyc").is_file())
        self.assertTrue((lib / "purewheel-2.0.dist-info" / "METADATA").is_file())
        self.assertFalse((exe.parent / "lib" / PYTHON_NAME).exists())  # the stdlib stays in memory
        listing = json.loads(freeze("inspect", "--json", exe).stdout)
        where = {r["name"]: (r["location"], r.get("path")) for r in listing["resources"]}
        self.assertEqual(where["purewheel"], ("filesystem-relative", f"local/lib/{PYTHON_NAME}/dist-packages/purewheel/__init__.py"))
        self.assertEqual(where["json"][0], "in-memory")

    def test_memfd_unavailable(self):
        no_memfd = FIXTURES / "libno_memfd.so"
        code = 'code = "import bundled; print(bundled.mul(6, 7), bundled.lib_path())"'
        # All in memory: a clear error that says what to do.
        exe = build_app(self.tmp / "nomemfd", app_toml("nomemfd").replace('entry = "probe:main"', code),
                        {"src/probe.py": PROBE})
        result = run([exe], env=clean_env(LD_PRELOAD=str(no_memfd)))
        self.assertEqual(result.returncode, 1)
        self.assertIn("memfd_create", result.stderr)
        self.assertIn("prefer-in-memory-fallback-filesystem-relative", result.stderr)
        # With the fallback policy: from memory where possible, else from the copy beside it.
        routing = '[routing]\ndefault = "prefer-in-memory-fallback-filesystem-relative"\n'
        exe = build_app(self.tmp / "fallback", app_toml("fallback", routing).replace('entry = "probe:main"', code),
                        {"src/probe.py": PROBE})
        lib = exe.resolve().parent / f"local/lib/{PYTHON_NAME}/dist-packages/bundled.libs/libfixturemath-1a2b3c4d.so.1"
        self.assertTrue(lib.is_file())
        result = run([exe], env=clean_env())
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(result.stdout.startswith("42 /proc/self/fd/"), result.stdout)
        result = run([exe], env=clean_env(LD_PRELOAD=str(no_memfd)))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, f"42 {lib}\n")

    def test_extension_module_wins_over_a_directory_of_stubs(self):
        # As cryptography's bindings/_rust.abi3.so beside bindings/_rust/*.pyi: python imports
        # the extension; the directory (no __init__.py) would only be a namespace package.
        extension = next(SITE.glob("fixture_cext.cpython-*.so"))
        files = {"src/main.py": "from outer import fixture_cext\nprint(fixture_cext.add(2, 3), hasattr(fixture_cext, '__path__'))\n",
                 "src/outer/__init__.py": "",
                 "src/outer/fixture_cext/__init__.pyi": "def add(a: int, b: int) -> int: ...\n"}
        for routing in ("", '[[routing.rule]]\nname = ["outer"]\nlocation = "filesystem-relative"\n'):
            with self.subTest(routing=routing):
                project = self.tmp / ("stubs" + str(len(routing)))
                exe = build_app(project, '[app]\nname = "stubs"\nentry = "main"\n[packages]\npaths = ["src"]\n' + routing,
                                dict(files, **{f"src/outer/{extension.name}": extension.read_bytes()}))
                python = run([PYTHON, "-E", "-s", project / "src" / "main.py"])
                self.assertEqual(python.stdout, "5 False\n", python.stderr)
                result = run([exe])
                self.assertEqual((result.stdout, result.returncode), (python.stdout, 0), result.stderr)

    def test_a_namespace_package_of_a_nspkg_pth_is_one_frozen(self):
        # Debian's zope.interface: zope/__init__.py calls pkg_resources.declare_namespace, but
        # site runs zope.interface-*-nspkg.pth first, which makes zope a namespace package, and
        # python never runs that __init__.py nor imports pkg_resources. Neither does the frozen
        # app, which reads no .pth file: the packager reads it.
        site = write_tree(self.tmp / "nspth-site", {
            "nsdemo/__init__.py": "__import__('pkg_resources').declare_namespace(__name__)\n",
            "nsdemo/part/__init__.py": "VALUE = 42\n",
            "nsdemo.part-1.0-nspkg.pth":
                "import sys, types, os;has_mfs = sys.version_info > (3, 5);p = os.path.join(sys._getframe(1).f_locals['sitedir'], "
                "*('nsdemo',));importlib = has_mfs and __import__('importlib.util');has_mfs and __import__('importlib.machinery');"
                "m = has_mfs and sys.modules.setdefault('nsdemo', importlib.util.module_from_spec(importlib.machinery.PathFinder."
                "find_spec('nsdemo', [os.path.dirname(p)])));m = m or sys.modules.setdefault('nsdemo', types.ModuleType('nsdemo'));"
                "mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)\n",
        })
        main = "import sys\nimport nsdemo.part\nprint(nsdemo.part.VALUE, 'pkg_resources' in sys.modules)\n"
        python = run([PYTHON, "-I", "-S", "-c", f"import site; site.addsitedir({str(site)!r})\n" + main])
        self.assertEqual(python.stdout, "42 False\n", python.stderr)
        exe = build_app(self.tmp / "nspth", '[app]\nname = "nspth"\nentry = "main"\n[packages]\npaths = ["src"]\n'
                        f'site_packages = [{{ dir = "{site}", include = ["nsdemo"] }}]\n', {"src/main.py": main})
        result = run_hidden([exe]) if can_hide_pythons() else run([exe])
        self.assertEqual((result.stdout, result.returncode), (python.stdout, 0), result.stderr)

    def test_console_script_entry(self):
        toml = app_toml("pwcli").replace('entry = "probe:main"', 'entry = "console_script:purewheel-cli"')
        exe = build_app(self.tmp / "pwcli", toml, {"src/probe.py": PROBE})
        result = run([exe, "x"])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "purewheel-cli 2.0: Hello from purewheel!\nplugins: alpha, beta\nargs: x\n")

    def test_an_undeclared_console_script_names_those_declared(self):
        # Debian renames some scripts (pyflakes' "pyflakes" is /usr/bin/pyflakes3).
        toml = app_toml("pwcli3").replace('entry = "probe:main"', 'entry = "console_script:purewheel-cli3"')
        (self.tmp / "pwcli3" / "src").mkdir(parents=True)
        (self.tmp / "pwcli3" / "app.toml").write_text(toml)
        result = freeze("build", self.tmp / "pwcli3" / "app.toml", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertRegex(result.stderr, r"app\.entry: no included distribution declares the console script "
                                        r"'purewheel-cli3' \(in entry_points.txt \[console_scripts\]\); they declare: "
                                        r"[^\n]*purewheel-cli\b")

    def test_missing_site_packages_names_all(self):
        toml = app_toml("missing").replace('"fixture_pure", "nsfixture"', '"nope_one", "nsfixture", "nope_two"')
        (self.tmp / "missing").mkdir()
        (self.tmp / "missing" / "app.toml").write_text(toml)
        (self.tmp / "missing" / "src").mkdir()
        result = freeze("build", self.tmp / "missing" / "app.toml", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("'nope_one', 'nope_two' not found in", result.stderr)

    def test_missing_requirement_is_a_warning(self):
        toml = app_toml("warn").replace('"fixture_cext", "fixture_pure", "nsfixture"', '"nsfixture"')
        (self.tmp / "warn" / "src").mkdir(parents=True)
        (self.tmp / "warn" / "app.toml").write_text(toml.replace('entry = "probe:main"', 'code = "pass"'))
        result = freeze("build", self.tmp / "warn" / "app.toml")
        # The requirement is a distribution name; the include it goes into takes import names.
        self.assertIn('purewheel requires fixture-cext, which is not included: add it to packages.wheels, or its '
                      'import names to a packages.site_packages include (installed as "fixture_cext", "fixture_pure")',
                      result.stderr)

    def test_incompatible_wheel_is_refused(self):
        bad = self.tmp / "badwheel"
        bad.mkdir()
        source = next(w for w in WHEELS if w.name.startswith("purewheel"))
        target = bad / source.name.replace("py3-none-any", "cp312-cp312-musllinux_1_1_aarch64")
        target.write_bytes(source.read_bytes())
        (bad / "app.toml").write_text(f'[app]\nname = "bad"\ncode = "pass"\n[packages]\nwheels = ["{target}"]\n')
        result = freeze("build", bad / "app.toml", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn(target.name, result.stderr)
        self.assertIn("cp312-cp312-musllinux_1_1_aarch64", result.stderr)


def newest_glibc(path):
    """The newest GLIBC_x.y[.z] version in path's version-needed table (readelf)."""
    versions = re.findall(r"Name: GLIBC_([0-9.]+)", run(["readelf", "-V", path]).stdout)
    return "GLIBC_" + max(versions, key=glibc_tuple, default="0")


def glibc_tuple(version):
    return tuple(map(int, version.removeprefix("GLIBC_").split(".")))


def glibc_lines(stderr):
    return [line for line in stderr.splitlines() if "newer than the launcher" in line or "newer glibc" in line]


@uses_c_fixtures
class GlibcRequirementTest(TempDirTestCase):
    """`freeze build` names the extension modules and bundled libraries that need a newer glibc than
    the launcher (they would fail to load where the executable still starts), at most three lines
    and one for the rest; a normal build says nothing of glibc."""

    TOO_NEW = "GLIBC_9.9.9"  # written over GLIBC_2.2.5 (same length): the parser ignores the hash

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not WHEELS:
            raise unittest.SkipTest("fixtures are not built")
        cls.launcher = newest_glibc(LAUNCHER)
        # The fixtures built on this machine may need a newer glibc than the launcher (a
        # distribution's is built against Debian 11's 2.31): those are named too, rightly.
        built = {"fixture_cext": SITE / f"fixture_cext{EXT_SUFFIX}",
                 "bundled._core": FIXTURES / "bundled-build" / "bundled" / f"_core{EXT_SUFFIX}",
                 "libfixturemath-1a2b3c4d.so.1": FIXTURES / "bundled-build" / "bundled.libs" / "libfixturemath-1a2b3c4d.so.1"}
        cls.fixtures_too_new = [name for name, path in built.items()
                                if glibc_tuple(newest_glibc(path)) > glibc_tuple(cls.launcher)]

    def build(self, name, site, include, *args, stdlib="all"):
        project = self.tmp / name
        write_tree(project, {"app.toml": f"""
            [app]
            name = "{name}"
            code = "print('started')"
            [stdlib]
            include = "{stdlib}"
            [packages]
            site_packages = [{{ dir = "{site}", include = {json.dumps(include)} }}]
            wheels = [{", ".join(f'"{w}"' for w in WHEELS)}]
            """})
        result = freeze("build", project / "app.toml", *args)
        started = run([project / "dist" / name], env=clean_env())
        self.assertEqual((started.returncode, started.stdout), (0, "started\n"), started.stderr)
        return result.stderr

    def test_newer_glibc_is_named(self):
        site = self.tmp / "site-too-new"
        site.mkdir()
        cext = (SITE / f"fixture_cext{EXT_SUFFIX}").read_bytes()
        self.assertIn(b"GLIBC_2.2.5\0", cext)
        names = [f"too_new_{letter}" for letter in "abcde"]
        for name in names:
            (site / f"{name}{EXT_SUFFIX}").write_bytes(
                cext.replace(b"GLIBC_2.2.5\0", self.TOO_NEW.encode() + b"\0"))

        stderr = self.build("toonew", site, names, stdlib="reachable")
        lines = glibc_lines(stderr)
        wheel_too_new = [name for name in self.fixtures_too_new if name != "fixture_cext"]
        self.assertEqual(len(lines), 4, stderr)
        for name, line in zip(names[:3], lines[:3]):
            self.assertEqual(line, f"freeze: warning: extension '{name}' ({site}/{name}{EXT_SUFFIX}) "
                                   f"needs {self.TOO_NEW}, newer than the launcher's {self.launcher}: it fails to load "
                                   "on machines with an older glibc")
        self.assertEqual(lines[3], f"freeze: warning: and {2 + len(wheel_too_new)} more extension modules or shared "
                                   "libraries need a newer glibc than the launcher (-v lists them)")

        verbose = glibc_lines(self.build("toonew", site, names, "-v", stdlib="reachable"))
        self.assertEqual(sorted(line.split("'")[1] for line in verbose), sorted(names + wheel_too_new))  # no summary
        self.assertEqual(glibc_lines(self.build("toonew", site, names, "-q", stdlib="reachable")), [])

    def test_normal_build_says_nothing_of_glibc(self):
        # The fixtures' extension modules, an auditwheel-style bundled library, the stdlib's
        # extension modules and the system libraries they need, bundled.
        stderr = self.build("normal", SITE, ["fixture_cext", "fixture_pure", "nsfixture"], "-v")
        if not DISTRIBUTION:  # a distribution's stdlib extension modules are builtins, linked statically
            self.assertIn("system-libs/libssl.so.3", stderr)
        self.assertIn("bundled.libs/libfixturemath-1a2b3c4d.so.1", stderr)
        self.assertEqual(sorted(line.split("'")[1] for line in glibc_lines(stderr)), sorted(self.fixtures_too_new))


if __name__ == "__main__":
    unittest.main()

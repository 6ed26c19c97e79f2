"""A submodule is found where its parent's __path__ says, as under python, whether the package
is in memory or beside the executable: an alias put in sys.modules (setuptools' _distutils_hack
does it for distutils) imports the real package's submodules under the alias's name; a package
that points its __path__ elsewhere, extends it with a directory on disk or empties it is
searched there; `pkg.__init__` is the package's __init__.py run again as a module of its own
(astroid imports it so); a namespace package split between the app's code and a site-packages
directory finds both portions; and setuptools itself imports its vendored distutils."""
import json
import unittest

from freezetest import DIST_PACKAGES, PYTHON, TempDirTestCase, build_app, can_hide_pythons, clean_env, run, run_hidden


FILES = {
    "src/realpkg/__init__.py": "",
    "src/realpkg/sub.py": "WHO = 'realpkg/sub.py'\n",
    "src/realpkg/only_in_real.py": "WHO = 'realpkg/only_in_real.py'\n",
    "src/realpkg/inner/__init__.py": "",
    "src/realpkg/inner/leaf.py": "WHO = 'realpkg/inner/leaf.py'\n",
    # A package of the alias's name, whose submodule of the same name must not be the one used.
    "src/alias/__init__.py": "",
    "src/alias/sub.py": "WHO = 'alias/sub.py (the wrong one)'\n",
    # __path__ replaced by another package's directory, as compatibility shims do.
    "src/redirect/__init__.py": """
        import os
        __path__ = [os.path.normpath(os.path.join(os.path.dirname(__file__), os.pardir, "realpkg"))]
        """,
    "src/redirect/sub.py": "WHO = 'redirect/sub.py (the wrong one)'\n",
    # __path__ emptied: nothing below it is importable under python.
    "src/sealed/__init__.py": "__path__ = []\n",
    "src/sealed/hidden.py": "WHO = 'sealed/hidden.py'\n",
    # __path__ extended with a plugin directory on disk (its place is given at run time).
    "src/plugged/__init__.py": """
        import os
        __path__.append(os.environ["PLUGIN_DIR"])
        """,
    "src/plugged/builtin.py": "WHO = 'plugged/builtin.py'\n",
    "plugins/external.py": "WHO = 'plugins/external.py'\n",
    "src/initpkg/__init__.py": "RUNS = globals().get('RUNS', 0) + 1\n",
    "src/nsdemo/app_part.py": "WHO = 'app portion'\n",
    "site/nsdemo/site_part.py": "WHO = 'site portion'\n",
    "src/probe.py": """
        import importlib, json, os, sys

        def who(name):
            try:
                module = importlib.import_module(name)
            except ImportError as error:
                return [type(error).__name__, str(error)]
            return [module.__name__, module.WHO, os.path.relpath(module.__file__, os.path.dirname(os.path.dirname(module.__file__)))]

        def main():
            out = {}
            import realpkg
            sys.modules["alias"] = realpkg
            out["alias"] = [who("alias.sub"), who("alias.only_in_real"), who("alias.inner.leaf"),
                            sys.modules["alias.sub"] is not sys.modules.get("realpkg.sub")]
            out["redirect"] = who("redirect.sub")
            out["sealed"] = who("sealed.hidden")
            out["plugged"] = [who("plugged.builtin"), who("plugged.external")]
            import initpkg
            init = importlib.import_module("initpkg.__init__")
            out["init"] = [init.__name__, init is initpkg, init.RUNS, initpkg.RUNS, hasattr(init, "__path__"),
                           os.path.basename(init.__file__), init.__spec__.submodule_search_locations,
                           init.__loader__.is_package("initpkg.__init__")]
            out["namespace"] = [who("nsdemo.app_part"), who("nsdemo.site_part")]
            print(json.dumps(out))
        """,
}

TOML = """
[app]
name = "paths"
entry = "probe:main"

[packages]
paths = ["src"]
site_packages = [{{ dir = "site", include = ["nsdemo"] }}]
{routing}
"""

FILESYSTEM_ROUTING = """
[[routing.rule]]
name = ["realpkg", "redirect", "initpkg"]
location = "filesystem-relative"
"""

SETUPTOOLS_TOML = f"""
[app]
name = "setuptools-app"
code = "import setuptools, distutils.core; print(setuptools.__version__, distutils.core.__name__, distutils.core.__file__.split('/')[-3:])"

[packages]
site_packages = [{{ dir = "{DIST_PACKAGES}", include = ["setuptools", "_distutils_hack", "pkg_resources"] }}]
"""


@unittest.skipUnless(can_hide_pythons(), "needs root and unshare -m")
class ImportPathsTest(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        project = cls.tmp / "reference"
        build_app(project, TOML.format(routing=""), FILES)
        env = clean_env(PLUGIN_DIR=str(project / "plugins"), PYTHONPATH=f"{project / 'src'}:{project / 'site'}")
        result = run([PYTHON, "-B", "-c", "import probe; probe.main()"], env=env)
        assert result.returncode == 0, result.stderr
        cls.expected = json.loads(result.stdout)
        cls.plugins = project / "plugins"

    def probe(self, name, routing):
        exe = build_app(self.tmp / name, TOML.format(routing=routing), FILES)
        result = run_hidden([exe], env=clean_env(PLUGIN_DIR=str(self.plugins)))
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout)

    def check_facts(self, out):
        # The facts themselves, so that a python change cannot make both wrong alike.
        self.assertEqual(out["alias"], [["alias.sub", "realpkg/sub.py", "realpkg/sub.py"],
                                        ["alias.only_in_real", "realpkg/only_in_real.py", "realpkg/only_in_real.py"],
                                        ["alias.inner.leaf", "realpkg/inner/leaf.py", "inner/leaf.py"], True])
        self.assertEqual(out["redirect"], ["redirect.sub", "realpkg/sub.py", "realpkg/sub.py"])
        self.assertEqual(out["sealed"][0], "ModuleNotFoundError")
        self.assertEqual(out["plugged"][1][:2], ["plugged.external", "plugins/external.py"])
        self.assertEqual(out["init"], ["initpkg.__init__", False, 1, 1, False, "__init__.py", None, False])
        self.assertEqual([w[1] for w in out["namespace"]], ["app portion", "site portion"])

    def test_in_memory_like_python(self):
        out = self.probe("memory", "")
        self.assertEqual(out, self.expected)
        self.check_facts(out)

    def test_beside_the_executable_like_python(self):
        out = self.probe("filesystem", FILESYSTEM_ROUTING)
        self.assertEqual(out, self.expected)
        self.check_facts(out)

    @unittest.skipUnless((DIST_PACKAGES / "_distutils_hack").is_dir(), "python3-setuptools is not installed")
    def test_setuptools_imports_its_own_distutils(self):
        exe = build_app(self.tmp / "setuptools", SETUPTOOLS_TOML)
        result = run_hidden([exe])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("distutils.core ['setuptools', '_distutils', 'core.py']", result.stdout)


if __name__ == "__main__":
    unittest.main()

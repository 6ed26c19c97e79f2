"""`freeze init` writes a commented app.toml that builds: from a pyproject.toml ([project] name,
[project.scripts], dependencies found on this machine) or from the single package or module it
finds; it never overwrites a file. And `freeze build` reads a pyproject.toml's [tool.freeze]."""
import tomllib
import unittest

from freezetest import DIST_PACKAGES, TempDirTestCase, freeze, run, write_tree, uses_debian_python3_11



class InitTest(TempDirTestCase):
    def init(self, name, files, *args):
        root = write_tree(self.tmp / name, files)
        result = freeze("init", root, *args)
        config = tomllib.loads((root / "app.toml").read_text())
        return root, config, result

    def test_package_with_main_in_src(self):
        root, config, result = self.init("srclayout", {
            "src/tool/__init__.py": "",
            "src/tool/__main__.py": "print('tool ran')\n",
            "tests/test_tool.py": "import pytest\n",
            "README.md": "# tool\n",
        })
        self.assertEqual(config["app"], {"name": "tool", "entry": "tool"})
        self.assertEqual(config["packages"]["paths"], ["src"])
        self.assertIn("wrote ", result.stderr)
        self.assertIn("freeze check", result.stderr)  # says what to do next
        freeze("build", root / "app.toml", "-q")
        self.assertEqual(run([root / "dist" / "tool"]).stdout, "tool ran\n")

    def test_single_module(self):
        root, config, _ = self.init("module", {"greet.py": "def main():\n    print('hi')\n"})
        self.assertEqual(config["app"], {"name": "greet", "entry": "greet:main"})
        self.assertEqual(config["packages"]["paths"], ["."])
        text = (root / "app.toml").read_text()
        self.assertIn("# ", text)  # commented
        self.assertIn("[[routing.rule]]", text)  # the routing example, commented out

    @uses_debian_python3_11
    def test_pyproject_scripts_name_and_dependencies(self):
        if not (DIST_PACKAGES / "yaml").is_dir():
            self.skipTest("python3-yaml is not installed")
        root, config, result = self.init("pyproject", {
            "pyproject.toml": """
                [project]
                name = "inv-tool"
                version = "1.0"
                dependencies = ["PyYAML>=5", "pywin32; sys_platform == 'win32'", "surely-not-installed-xyz>=1"]
                [project.scripts]
                inv-admin = "inv.admin:run"
                inv-tool = "inv.cli:main"
                """,
            "src/inv/__init__.py": "",
            "src/inv/cli.py": "import yaml\ndef main():\n    print(yaml.safe_load('a: 1'))\n",
            "src/inv/admin.py": "def run():\n    print('admin')\n",
        })
        self.assertEqual(config["app"], {"name": "inv-tool", "entry": "inv.cli:main"})  # named like the project
        self.assertEqual(config["packages"]["paths"], ["src"])
        sites = {site["dir"]: site["include"] for site in config["packages"]["site_packages"]}
        self.assertIn("yaml", sites[str(DIST_PACKAGES)])
        text = (root / "app.toml").read_text()
        self.assertIn('# commands = { inv-admin = "inv.admin:run" }', text)  # the other script, as a comment
        self.assertIn("surely-not-installed-xyz", text)  # listed as not found
        self.assertNotIn("pywin32", text)  # not for this platform
        self.assertIn("surely-not-installed-xyz", result.stderr)
        freeze("build", root / "app.toml", "-q")
        self.assertEqual(run([root / "dist" / "inv-tool"]).stdout, "{'a': 1}\n")
        # Uncommented, the other script is a command of the same executable.
        (root / "app.toml").write_text(text.replace("# commands = {", "commands = {"))
        freeze("build", root / "app.toml", "-q")
        self.assertEqual(run([root / "dist" / "inv-admin"]).stdout, "admin\n")
        self.assertEqual(run([root / "dist" / "inv-tool"]).stdout, "{'a': 1}\n")

    def test_project_venv_of_another_version_chooses_it(self):
        # A project whose .venv was made by python3.13: frozen for 3.13, its dependencies from that
        # venv (not Debian's 3.11 dist-packages), markers evaluated for 3.13.
        site = ".venv/lib/python3.13/site-packages"
        root, config, result = self.init("venv313", {
            "pyproject.toml": '[project]\nname = "vtool"\ndependencies = ["fakedep", "tomli; python_version < \'3.11\'", '
                              '"newdep; python_version >= \'3.13\'"]\n[project.scripts]\nvtool = "vtool.cli:main"\n',
            "src/vtool/__init__.py": "",
            "src/vtool/cli.py": "import fakedep\ndef main():\n    print(fakedep.NAME)\n",
            f"{site}/fakedep/__init__.py": "NAME = 'fakedep'\n",
            f"{site}/fakedep-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: fakedep\nVersion: 1.0\n",
            f"{site}/fakedep-1.0.dist-info/top_level.txt": "fakedep\n",
        })
        self.assertEqual(config["python"], {"version": "3.13"})
        self.assertEqual(config["packages"]["site_packages"], [{"dir": site, "include": ["fakedep"]}])
        text = (root / "app.toml").read_text()
        self.assertIn("#   newdep; python_version >= '3.13'", text)  # applies to 3.13, not installed
        self.assertNotIn("tomli", text.split("NOT FOUND")[1])
        self.assertIn("wheels for CPython 3.13 into wheels/", text)
        self.assertIn("python 3.13  (the project's virtual environment is python3.13)", result.stderr)
        # A venv of the embedded 3.11 changes nothing of [python].
        root, config, _ = self.init("venv311", {"tool311.py": "def main():\n    pass\n",
                                                 ".venv/lib/python3.11/site-packages/.keep": ""})
        self.assertEqual(config["python"], {})

    def test_overrides(self):
        _, config, _ = self.init("override", {"a.py": "", "b.py": ""}, "--entry", "b", "--name", "bee")
        self.assertEqual(config["app"], {"name": "bee", "entry": "b"})

    def test_never_overwrites(self):
        root = write_tree(self.tmp / "exists", {"app.toml": "# mine\n", "x.py": "def main(): pass\n"})
        result = freeze("init", root, check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("app.toml: already exists", result.stderr)
        self.assertEqual((root / "app.toml").read_text(), "# mine\n")

    def test_refuses_to_guess(self):
        root = write_tree(self.tmp / "ambiguous", {"one/__init__.py": "", "two/__init__.py": ""})
        result = freeze("init", root, check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("cannot tell how to start the app", result.stderr)
        self.assertIn("--entry", result.stderr)
        self.assertFalse((root / "app.toml").exists())
        empty = write_tree(self.tmp / "nothing", {"README.md": "hi\n"})
        result = freeze("init", empty, check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("found no Python package or module", result.stderr)

    def test_pyproject_with_tool_freeze_is_left_alone(self):
        root = write_tree(self.tmp / "configured", {"pyproject.toml": "[tool.freeze.app]\nname = 'x'\n"})
        result = freeze("init", root, check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("[tool.freeze]", result.stderr)
        self.assertFalse((root / "app.toml").exists())


class PyprojectBuildTest(TempDirTestCase):
    FILES = {
        "src/pp/__init__.py": "",
        "src/pp/cli.py": "import sys\ndef main():\n    print('pp', sys.argv[1:])\n    return 3\n",
    }

    def project(self, name, pyproject):
        return write_tree(self.tmp / name, dict(self.FILES, **{"pyproject.toml": pyproject}))

    def test_name_and_entry_from_project(self):
        root = self.project("ok", """
            [project]
            name = "pp-tool"
            [project.scripts]
            pp-tool = "pp.cli:main"
            [tool.freeze.packages]
            paths = ["src"]
            """)
        freeze("build", "-q", cwd=root)  # found in the current directory
        result = run([root / "dist" / "pp-tool", "x"])
        self.assertEqual((result.returncode, result.stdout), (3, "pp ['x']\n"))

    def test_errors_name_the_tool_freeze_key(self):
        root = self.project("unknown", "[project]\nname = 'p'\n[tool.freeze.app]\nentry = 'pp.cli:main'\nnmae = 'x'\n")
        result = freeze("build", root / "pyproject.toml", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("pyproject.toml:5: tool.freeze.app.nmae: unknown key", result.stderr)
        root = self.project("several", """
            [project]
            name = "p"
            [project.scripts]
            a = "pp.cli:main"
            b = "pp.cli:main"
            [tool.freeze.packages]
            paths = ["src"]
            """)
        result = freeze("build", root / "pyproject.toml", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("tool.freeze.app.entry", result.stderr)
        self.assertIn("several scripts (a, b)", result.stderr)
        root = self.project("none", "[project]\nname = 'p'\n")
        result = freeze("build", root / "pyproject.toml", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("no [tool.freeze] table", result.stderr)


if __name__ == "__main__":
    unittest.main()

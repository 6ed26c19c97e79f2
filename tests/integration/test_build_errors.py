"""Bad input to `freeze build` gets a clear one-line error naming the culprit, a non-zero exit,
and leaves no output behind."""
import os
import unittest

from freezetest import TempDirTestCase, freeze, write_tree

GOOD_TOML = '[app]\nname = "good"\nentry = "good:main"\n[packages]\npaths = ["src"]\n'
GOOD_FILES = {"src/good.py": "def main():\n    print('good')\n"}


class BuildErrorTest(TempDirTestCase):
    def project(self, name, toml, files=GOOD_FILES):
        root = self.tmp / name
        write_tree(root, dict(files, **{"app.toml": toml}))
        return root

    def assert_fails(self, name, toml, *needles, files=GOOD_FILES, lines=1):
        root = self.project(name, toml, files)
        result = freeze("build", root / "app.toml", check=False)
        self.assertEqual(result.returncode, 1, result.stderr)
        error_lines = [line for line in result.stderr.splitlines() if line]
        self.assertTrue(error_lines[0].startswith("freeze: error: "), result.stderr)
        if lines is not None:
            self.assertEqual(len(error_lines), lines, result.stderr)
        for needle in needles:
            self.assertIn(needle, result.stderr)
        self.assertNotIn("terminate called", result.stderr)
        dist = root / "dist"
        leftovers = list(dist.iterdir()) if dist.exists() else []
        self.assertEqual(leftovers, [], "a failed build left output behind")
        return result.stderr

    def test_invalid_toml(self):
        self.assert_fails("syntax", '[app\nname = "x"\n', "app.toml:1", "invalid TOML")

    def test_unknown_key(self):
        self.assert_fails("unknown", GOOD_TOML.replace('name = "good"', 'name = "good"\nentyr = "x"'),
                          "app.toml:3", "app.entyr", "unknown key")

    def test_unknown_table(self):
        self.assert_fails("table", GOOD_TOML + "[pakages]\npaths = []\n", "pakages", "unknown key")

    def test_wrong_type(self):
        self.assert_fails("type", GOOD_TOML.replace('name = "good"', "name = 5"), "app.name", "must be a string")
        self.assert_fails("type2", GOOD_TOML + "[python]\noptimize = \"2\"\n", "python.optimize")
        self.assert_fails("type3", GOOD_TOML.replace('paths = ["src"]', 'paths = "src"'), "packages.paths")

    def test_missing_path(self):
        self.assert_fails("path", GOOD_TOML.replace('"src"', '"nope"'), "packages.paths", "'nope' is not a directory")

    def test_bad_commands(self):
        toml = GOOD_TOML.replace('entry = "good:main"', 'entry = "good:main"\ncommands = { %s }')
        for commands, needles in (
                ('".hidden" = "good:main"', ["app.commands..hidden", "is not a valid command name"]),
                ('"a/b" = "good:main"', ["app.commands.a/b", "is not a valid command name"]),
                ('good = "good:main"', ["app.commands.good", "is app.name"]),
                ('lib = "good:main"', ["app.commands.lib", "the directory files routed beside the executable go to"]),
                ('other = 3', ["app.commands.other", "must be a string"]),
                ('other.x = "good:main"', ["app.commands.other", "quote a command name with a dot"]),
                ('other = "good:"', ["app.commands.other", "is not \"module\" or \"module:function\""]),
                ('other = "missing:main"', ["app.commands.other: module 'missing' is not among the included modules"]),
                ('other = "console_script:nope"', ["app.commands.other: no included distribution declares the console "
                                                   "script 'nope'"])):
            self.assert_fails("commands", toml % commands, *needles)
        self.assert_fails("commands2", GOOD_TOML.replace('entry = "good:main"', 'entry = "good:main"\ncommands = ["x"]'),
                          "app.commands", "must be a table of command names and entries")

    def test_data_files_that_name_nothing_or_leave_the_tree(self):
        toml = GOOD_TOML + 'data_files = [%s]\n'
        files = dict(GOOD_FILES, **{"src/data/words.txt": "w\n"})
        self.assert_fails("datatypo", toml % '"data", "dta"', "packages.data_files: 'dta' matches no file in packages.paths",
                          files=files)
        for glob in ('"../etc"', '"/etc/passwd"', '"data/../.."', '""'):
            self.assert_fails("dataout", toml % glob, "app.toml:6", "packages.data_files",
                              "is not a path or glob below a packages.paths directory", files=files)
        self.assert_fails("datanopaths", '[app]\nname = "good"\ncode = "pass"\n[packages]\ndata_files = ["data"]\n',
                          "packages.data_files", "needs packages.paths", files=files)

    def test_a_distribution_name_in_site_packages_include_names_what_it_provides(self):
        # include takes import names; a distribution's name ("rdiff-backup" for rdiff_backup,
        # "codespell" for codespell_lib) is the usual slip: the error says what to include.
        site = {
            "site/spell_lib/__init__.py": "",
            "site/spell-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: spell\nVersion: 1.0\n",
            # As Debian's top_level.txt can: a build directory too; only what is installed is offered.
            "site/spell-1.0.dist-info/top_level.txt": "spell_lib\ndebian\n",
            "site/rdiff_tool/__init__.py": "",
            "site/rdiff_tool-2.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: rdiff-tool\nVersion: 2.0\n",
            "site/rdiff_tool-2.0.dist-info/top_level.txt": "rdiff_tool\n",
        }
        toml = GOOD_TOML + 'site_packages = [{dir = "site", include = [%s]}]\n'
        self.assert_fails("distname", toml % '"rdiff-tool"', "app.toml:6", "packages.site_packages.include",
                          "'rdiff-tool' is not a top-level module name: the distribution rdiff-tool provides rdiff_tool",
                          files=dict(GOOD_FILES, **site))
        stderr = self.assert_fails("distname2", toml % '"spell"', "'spell' not found in",
                                   "; the distribution spell provides spell_lib)", files=dict(GOOD_FILES, **site))
        self.assertNotIn("debian", stderr)
        stderr = self.assert_fails("notdist", toml % '"nothing"', "'nothing' not found in", files=dict(GOOD_FILES, **site))
        self.assertNotIn("the distribution", stderr)
        # A single-file module named by its file ("pycodestyle.py"): the error gives its name.
        self.assert_fails("filename", toml % '"spell_lib", "style.py"', "app.toml:6",
                          "'style.py' is not a top-level module name: include names modules as import does, "
                          'not by their file: "style"', files=dict(GOOD_FILES, **site))

    def test_a_console_script_no_distribution_declares_names_the_script_on_path(self):
        # Debian writes some scripts itself (/usr/bin/trash-list): no entry_points.txt has them,
        # and the error says what the script calls, or to make the script the entry module.
        bin_dir = self.tmp / "bin"
        write_tree(bin_dir, {
            "good-tool": "#!/usr/bin/python3\nimport sys\nfrom good import main as run\nsys.exit(run())\n",
            "good-big": "#!/usr/bin/python3\nimport sys\ndef main():\n    pass\nmain()\n",
        })
        for script in bin_dir.iterdir():
            script.chmod(0o755)
        env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}")
        for script, needle in (("good-tool", f'{bin_dir}/good-tool is a Python script that calls good:main: entry = "good:main"'),
                               ("good-big", f"{bin_dir}/good-big is a Python script of its own: copy it into "
                                            "packages.paths as a module and name that module in app.entry")):
            root = self.project(script, GOOD_TOML.replace("good:main", f"console_script:{script}"))
            result = freeze("build", root / "app.toml", check=False, env=env)
            self.assertEqual(result.returncode, 1, result.stderr)
            self.assertIn(f"no included distribution declares the console script '{script}'", result.stderr)
            self.assertIn(needle, result.stderr)

    def test_entry_not_included(self):
        self.assert_fails("entry", GOOD_TOML.replace("good:main", "missing.mod:main"),
                          "app.entry", "'missing.mod' is not among the included modules")

    def test_entry_and_code(self):
        self.assert_fails("both", GOOD_TOML.replace('entry = "good:main"', 'entry = "good:main"\ncode = "pass"'),
                          "app.entry", "exactly one")

    def test_missing_config(self):
        result = freeze("build", self.tmp / "nowhere" / "app.toml", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("nowhere/app.toml: no such file", result.stderr)

    def test_syntax_errors_reported_together(self):
        files = dict(GOOD_FILES, **{"src/bad1.py": "def f(:\n", "src/pkg/__init__.py": "",
                                    "src/pkg/bad2.py": "x = = 1\n"})
        self.assert_fails("compile", GOOD_TOML, "2 module(s) do not compile", "bad1.py", "bad2.py",
                                   "SyntaxError", files=files, lines=3)

    def test_files_routed_onto_the_executable(self):
        # The app's code routed to the filesystem goes to lib/app/: an executable named "lib"
        # would have that path.
        files = {"src/good/__init__.py": "", "src/good/data.txt": "x\n", "src/main.py": ""}
        toml = (GOOD_TOML.replace("good:main", "main").replace('name = "good"', 'name = "lib"') +
                '[[routing.rule]]\nname = "good"\nlocation = "filesystem-relative"\n')
        self.assert_fails("onto-exe", toml, "module 'good' and 1 more resource(s) would be written at 'lib', "
                          "the executable's own path", files=files, lines=2)

    def test_failed_rebuild_keeps_previous_good_executable(self):
        root = self.project("rebuild", GOOD_TOML)
        freeze("build", root / "app.toml", "-q")
        exe = root / "dist" / "good"
        before = exe.read_bytes()
        (root / "src" / "good.py").write_text("def main(:\n")
        result = freeze("build", root / "app.toml", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(exe.read_bytes(), before)
        self.assertEqual(sorted(p.name for p in (root / "dist").iterdir()), ["good"])

    def test_output_option_and_default_config(self):
        root = self.project("output", GOOD_TOML)
        out = self.tmp / "elsewhere" / "bin"
        result = freeze("build", "-o", out, cwd=root)  # CONFIG defaults to ./app.toml
        self.assertTrue((out / "good").is_file(), result.stderr)
        self.assertTrue(os.access(out / "good", os.X_OK))
        self.assertEqual(oct((out / "good").stat().st_mode & 0o777), "0o755")
        self.assertFalse((root / "dist").exists())

    def test_version_and_help(self):
        version = freeze("--version")
        self.assertIn("freeze 0.", version.stdout)
        self.assertIn("CPython 3.11", version.stdout)
        self.assertIn("build", freeze("--help").stdout)
        self.assertIn("--output", freeze("build", "--help").stdout)
        self.assertEqual(freeze("frobnicate", check=False).returncode != 0, True)


if __name__ == "__main__":
    unittest.main()

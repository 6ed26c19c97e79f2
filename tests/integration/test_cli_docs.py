"""The README cannot drift from the code: its app.toml reference lists exactly the keys the config
loader accepts (probed through the loader's own "unknown key (expected one of: ...)" errors),
its command table names every option of every command's --help, its TOML examples build, every
example directory is described, and the docs it links to exist."""
import re
import tomllib
import unittest

from freezetest import SOURCE_DIR, TempDirTestCase, freeze, write_tree

README = (SOURCE_DIR / "README.md").read_text()
COMMANDS = ["init", "build", "check", "inspect", "cache", "distribution build", "distribution list"]
MINIMAL = '[app]\nname = "probe"\nentry = "probe"\n'


def section(title):
    start = README.index(f"\n## {title}")
    end = README.find("\n## ", start + 1)
    return README[start:end if end >= 0 else len(README)]


def documented_keys():
    """{table: {key, ...}} from the reference rows: `[app] name`, `[[routing.rule]] kind`."""
    keys = {}
    for match in re.finditer(r"^\| `\[(\[?)([a-z_.]+)\]\]? (\w+)` \|", section("`app.toml` reference"), re.M):
        table = match.group(2)
        keys.setdefault(table, set()).add(match.group(3))
    return keys


def array_tables():
    return set(re.findall(r"^\| `\[\[([a-z_.]+)\]\] \w+` \|", section("`app.toml` reference"), re.M))


class ReferenceTest(TempDirTestCase):
    def accepted(self, name, text):
        """The keys the loader accepts where `bogus` is written in `text`."""
        root = write_tree(self.tmp / name, {"app.toml": text})
        result = freeze("build", root / "app.toml", check=False)
        self.assertEqual(result.returncode, 1, result.stderr)
        match = re.search(r"bogus: unknown key \(expected one of: ([^)]*)\)", result.stderr)
        self.assertIsNotNone(match, result.stderr)
        return set(match.group(1).split(", "))

    def test_reference_matches_the_loader(self):
        documented = documented_keys()
        self.assertIn("app", documented, "the reference table was not found")
        tables = self.accepted("root", "bogus = 1\n" + MINIMAL)
        self.assertEqual(tables, {t for t in documented if "." not in t},
                         "top-level tables: loader vs README")
        for table in sorted(documented):
            with self.subTest(table=table):
                if table in array_tables():
                    text = MINIMAL + f"[[{table}]]\nbogus = 1\n"
                elif table == "app":
                    text = MINIMAL + "bogus = 1\n"
                else:
                    text = MINIMAL + f"[{table}]\nbogus = 1\n"
                self.assertEqual(self.accepted(table.replace(".", "_"), text), documented[table],
                                 f"keys of [{table}]: loader vs README")
        # Every array of tables documented row by row is itself a documented key of its parent.
        for table in array_tables():
            parent, key = table.rsplit(".", 1)
            self.assertIn(key, documented.get(parent, set()), table)

    def test_stdlib_exclude_default_is_the_documented_one(self):
        row = re.search(r"^\| `\[stdlib\] exclude` \| array of names, `(\[[^`]*\])` \|", section("`app.toml` reference"), re.M)
        self.assertIsNotNone(row, "the [stdlib] exclude row or its default was not found")
        # -v explains the config before building (which then fails: MINIMAL includes no module).
        root = write_tree(self.tmp / "exclude-default", {"app.toml": MINIMAL})
        result = freeze("build", root / "app.toml", "-v", "-o", self.tmp / "exclude-default-out", check=False)
        used = re.search(r"stdlib: every module, data file and extension module, except (.*) \(stdlib\.exclude\)",
                         result.stderr)
        self.assertIsNotNone(used, result.stderr)
        self.assertEqual(used.group(1).split(", "), tomllib.loads(f"x = {row.group(1)}")["x"])

    def test_pyproject_takes_the_same_keys(self):
        root = write_tree(self.tmp / "pyproject", {"pyproject.toml": "[tool.freeze.python]\nbogus = 1\n"
                                                                    "[tool.freeze.app]\nname = 'x'\nentry = 'x'\n"})
        result = freeze("build", root / "pyproject.toml", check=False)
        self.assertIn("tool.freeze.python.bogus: unknown key", result.stderr)
        self.assertIn("expected one of: " + ", ".join(sorted(documented_keys()["python"])), result.stderr)

    def test_toml_examples_build(self):
        blocks = re.findall(r"```toml\n(.*?)```", README, re.S)
        self.assertGreaterEqual(len(blocks), 5)
        for number, block in enumerate(blocks):
            with self.subTest(block=block):
                tomllib.loads(block)
                if "[project]" in block:  # the pyproject.toml example
                    root = write_tree(self.tmp / f"example{number}", {
                        "pyproject.toml": block, "src/quotes/__init__.py": "", "src/quotes/cli.py": "def main(): pass\n"})
                    freeze("build", root, "-q", "--compression-level", "1")
                    self.assertTrue((root / "dist" / "quotes").is_file())
                    continue
                text = block if "[app]" in block else '[app]\nname = "example"\ncode = "pass"\n' + block
                root = write_tree(self.tmp / f"example{number}", {"app.toml": text})
                freeze("build", root, "-q", "--compression-level", "1")


class CommandsDocumentedTest(unittest.TestCase):
    def test_every_option_is_in_the_readme(self):
        commands = section("Commands")
        for command in COMMANDS:
            help_text = freeze(*command.split(), "--help").stdout
            row = next((line for line in commands.splitlines() if line.startswith("| ") and f"`freeze {command}" in line),
                       None)
            self.assertIsNotNone(row, f"no row for freeze {command}")
            for name in re.findall(r"^\s{2}(--[\w-]+)", help_text, re.M):
                if name in ("--help", "--verbose", "--quiet"):
                    continue
                self.assertIn(name, row, f"freeze {command} {name} is not in the README's Commands table")
        for option in ("--verbose", "--quiet", "NO_COLOR", "freeze: error:"):
            self.assertIn(option, commands)

    def test_examples_and_docs(self):
        examples = section("Examples")
        for directory in sorted((SOURCE_DIR / "examples").iterdir()):
            if directory.is_dir():
                self.assertIn(f"`examples/{directory.name}`", examples)
        for link in re.findall(r"\]\(((?:docs|examples)/[^)#]+)\)", README):
            self.assertTrue((SOURCE_DIR / link).exists(), link)

    def test_quick_start_is_unchanged(self):
        self.assertIn("scripts/install-deps.sh && cmake -S . -B build && cmake --build build -j2 && build/freeze build "
                      "examples/hello/app.toml && examples/hello/dist/hello", README)
        self.assertIn("cmake --build build -j2 && ctest --test-dir build --output-on-failure -j2", README)
        for title in ("Quick start", "Commands", "`app.toml` reference", "Routing", "When something goes wrong",
                      "How it works", "Compared with PyInstaller", "Known limitations"):
            self.assertIn(f"\n## {title}", README)


if __name__ == "__main__":
    unittest.main()

"""The CLI itself: complete --help for every command and a man page generated from it, usage
errors, colours (only on a terminal, never with NO_COLOR), --quiet and --verbose, finding the
config, and errors that name the culprit instead of leaking C++ exceptions."""
import os
import pathlib
import pty
import re
import select
import shutil
import subprocess
import unittest

from freezetest import FREEZE, SOURCE_DIR, TempDirTestCase, freeze, run, write_tree

COMMANDS = ["init", "build", "check", "inspect", "cache"]
README = SOURCE_DIR / "README.md"
APP_TOML = '[app]\nname = "tiny"\nentry = "tiny:main"\n[packages]\npaths = ["."]\n'
APP_FILES = {"tiny.py": "def main():\n    print('tiny')\n"}
RAW_LEAKS = ["terminate called", "what():", "filesystem error:", "std::", "basic_string", "Traceback"]


def option_names(help_text):
    """The long and short option names a CLI11 help text lists."""
    names = set()
    for line in help_text.splitlines():
        match = re.match(r"^\s{2}(-[\w-]+(?:,--[\w-]+)?)", line)
        if match:
            names.update(match.group(1).split(","))
    return names


def run_in_terminal(args, env=None, cwd=None):
    """Runs freeze with stdout and stderr on a pseudo-terminal; returns (status, output)."""
    primary, secondary = pty.openpty()
    process = subprocess.Popen([FREEZE, *map(str, args)], stdin=subprocess.DEVNULL, stdout=secondary,
                               stderr=secondary, env=env, cwd=cwd)
    os.close(secondary)
    output = b""
    while True:
        ready, _, _ = select.select([primary], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # EIO: the other side closed
            break
        if not chunk:
            break
        output += chunk
    os.close(primary)
    return process.wait(timeout=60), output.decode(errors="replace")


class HelpTest(unittest.TestCase):
    def test_main_help_lists_every_command(self):
        text = freeze("--help").stdout
        for command in COMMANDS:
            self.assertRegex(text, rf"\n\s+{command}\s+\S")
        for needle in ("Exit status", "NO_COLOR", "pyproject.toml", "freeze init", "freeze check"):
            self.assertIn(needle, text)

    def test_every_command_help_is_complete(self):
        for command in COMMANDS:
            with self.subTest(command=command):
                text = freeze(command, "--help").stdout
                self.assertIn(f"Usage: freeze {command}", text)
                # Every option has a description, and the footer explains and gives an example.
                for line in text.splitlines():
                    if re.match(r"^\s{2}-", line):
                        self.assertRegex(line, r"^\s{2}\S+( \S+)?( \.\.\.)?\s{2,}\S", f"undocumented: {line!r}")
                self.assertIn(f"  freeze {command}", text)
                self.assertGreater(len(text), 600, "the help says too little")
                self.assertTrue({"-v", "--verbose", "-q", "--quiet", "-h", "--help"} <= option_names(text))

    def test_help_command_and_version(self):
        self.assertEqual(freeze("help", "check").stdout, freeze("check", "--help").stdout)
        self.assertRegex(freeze("--version").stdout, r"^freeze \d+\.\d+\.\d+ \(CPython 3\.11\)")
        result = freeze("help", "nope", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("no command 'nope'", result.stderr)

    def test_man_page_is_generated_from_the_help(self):
        page = pathlib.Path(FREEZE).parent / "freeze.1"
        self.assertTrue(page.is_file(), "the build generates build/freeze.1")
        text = page.read_text()
        self.assertTrue(text.startswith(".\\\"") and "\n.TH FREEZE 1 " in text)
        for command in COMMANDS:
            self.assertIn(f'.SS "freeze {command}"', text)
            for name in option_names(freeze(command, "--help").stdout):
                self.assertIn(name.replace("-", "\\-"), text, f"{command} {name} is not in the man page")
        for section in (".SH EXIT STATUS", ".SH ENVIRONMENT", ".SH FILES", ".SH SYNOPSIS", ".SH DESCRIPTION",
                        ".SH CONFIGURATION"):
            self.assertIn(section, text)
        # The README's app.toml reference, every key of it.
        for key in re.findall(r"^\| `(\[\[?[a-z_.]+\]\]? \w+)` \|", README.read_text(), re.M):
            self.assertIn(key.replace("-", "\\-"), text)
        if shutil.which("man"):
            rendered = run(["man", "-l", page], env=dict(os.environ, MANWIDTH="100", MAN_KEEP_FORMATTING="0",
                                                          MANPAGER="cat", PAGER="cat"))
            self.assertEqual(rendered.returncode, 0, rendered.stderr)
            self.assertEqual(rendered.stderr.strip(), "")
            self.assertIn("freeze check", rendered.stdout)
            self.assertIn("--stdlib", rendered.stdout.replace("\u2010", "-"))


class UsageErrorTest(unittest.TestCase):
    def assert_usage_error(self, args, *needles):
        result = freeze(*args, check=False)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertTrue(result.stderr.startswith("freeze: error: "), result.stderr)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        for needle in needles:
            self.assertIn(needle, result.stderr)

    def test_usage_errors(self):
        self.assert_usage_error(["bogus"], "bogus", "freeze --help")
        self.assert_usage_error(["build", "--bogus"], "--bogus", "freeze build --help")
        self.assert_usage_error(["inspect"], "executable", "freeze inspect --help")
        self.assert_usage_error(["build", "--compression-level", "99"], "--compression-level", "99")
        self.assert_usage_error(["check", "--timeout", "soon"], "--timeout")

    def test_no_command_prints_the_help(self):
        result = freeze(check=False)
        self.assertEqual(result.returncode, 2)
        self.assertIn("Usage: freeze", result.stderr)


class OutputTest(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.project = write_tree(cls.tmp / "tiny", dict(APP_FILES, **{"app.toml": APP_TOML}))
        cls.bad = write_tree(cls.tmp / "bad", {"app.toml": "[app]\nname = 5\n"})

    def test_quiet_prints_nothing_on_success(self):
        result = freeze("build", self.project / "app.toml", "-q")
        self.assertEqual((result.stdout, result.stderr), ("", ""))
        self.assertEqual(run([self.project / "dist" / "tiny"]).stdout, "tiny\n")

    def test_normal_output_is_a_short_summary(self):
        result = freeze("build", self.project / "app.toml")
        self.assertRegex(result.stderr, r"^wrote .*/dist/tiny \(.*MiB.*\) in [\d.]+ s\n")
        self.assertLess(len(result.stderr.splitlines()), 5)
        self.assertEqual(result.stdout, "")

    def test_verbose_explains_inclusion_and_routing(self):
        result = freeze("build", self.project / "app.toml", "--verbose")
        for needle in ("entry: imports tiny and calls main()", "stdlib.exclude", "packages.paths",
                       "module tiny -> in-memory (routing.default)", "routing: by default in memory"):
            self.assertIn(needle, result.stderr)

    def test_quiet_still_prints_errors(self):
        result = freeze("build", self.bad / "app.toml", "-q", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("freeze: error: ", result.stderr)
        self.assertIn("app.name: must be a string", result.stderr)

    def test_no_colours_when_piped(self):
        result = freeze("build", self.bad / "app.toml", check=False)
        self.assertNotIn("\x1b[", result.stderr + result.stdout)

    def test_colours_on_a_terminal_unless_no_color(self):
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
        env["TERM"] = "xterm"
        status, output = run_in_terminal(["build", self.bad / "app.toml"], env=env)
        self.assertEqual(status, 1)
        self.assertIn("\x1b[", output)
        self.assertIn("freeze: error: ", re.sub(r"\x1b\[[0-9;]*m", "", output))
        status, output = run_in_terminal(["build", self.bad / "app.toml"], env=dict(env, NO_COLOR="1"))
        self.assertEqual(status, 1)
        self.assertNotIn("\x1b[", output)
        self.assertIn("freeze: error: ", output)

    def test_finds_the_config(self):
        # In the current directory, or in a directory given instead of a file.
        result = freeze("build", "-q", cwd=self.project)
        self.assertEqual(result.returncode, 0)
        freeze("build", self.project, "-q")
        empty = self.tmp / "empty"
        empty.mkdir(exist_ok=True)
        result = freeze("build", cwd=empty, check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("no app.toml in the current directory", result.stderr)
        self.assertIn("freeze init", result.stderr)

    def test_file_errors_name_the_file(self):
        blocker = self.tmp / "a-file"
        blocker.write_text("")
        for args, needles in [
            (["build", self.project / "app.toml", "-o", blocker], [str(blocker), "Not a directory"]),
            (["inspect", self.tmp], [str(self.tmp), "is a directory"]),
            (["inspect", self.tmp / "missing"], ["missing: no such file"]),
            (["inspect", self.project / "app.toml"], ["not a freeze executable"]),
            (["inspect", self.project / "dist" / "tiny", "--html", self.tmp / "no" / "dir" / "x.html"], ["x.html"]),
            (["check", self.tmp / "nowhere.toml"], ["nowhere.toml: no such file"]),
        ]:
            with self.subTest(args=args[:2]):
                if args[0] == "inspect" and "--html" in args:
                    freeze("build", self.project / "app.toml", "-q")
                result = freeze(*args, check=False)
                self.assertEqual(result.returncode, 1, result.stderr)
                self.assertTrue(result.stderr.startswith("freeze: error: "), result.stderr)
                for needle in needles:
                    self.assertIn(needle, result.stderr)
                for leak in RAW_LEAKS:
                    self.assertNotIn(leak, result.stderr)


if __name__ == "__main__":
    unittest.main()

"""The examples build with their own app.toml and behave exactly like the same code under
`/usr/bin/python3.11` (the cli example: like `python3.11 -m taskcli`); nothing is read from
the stdlib on disk (checked with the stdlib directories hidden by a bind mount)."""
import json
import os
import pathlib
import subprocess
import unittest

from freezetest import (PYTHON, PYTHON_INSTALLATIONS, PYTHON_STDLIB, TempDirTestCase, clean_env, copy_example, freeze, run,
                        uses_debian_python3_11)

TASKS = json.dumps([{"title": "write docs", "priority": 2}, {"title": "ship", "priority": 1},
                    {"title": "test", "priority": 2}])
BAD_TASKS = json.dumps([{"title": "x", "priority": 9}])
HIDDEN = PYTHON_INSTALLATIONS


class ExamplesTest(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hello_dir = copy_example("hello", cls.tmp / "hello")
        cls.cli_dir = copy_example("cli", cls.tmp / "cli")
        freeze("build", cls.hello_dir / "app.toml", "-q")
        freeze("build", cls.cli_dir / "app.toml", "-q")
        cls.hello = cls.hello_dir / "dist" / "hello"
        cls.cli = cls.cli_dir / "dist" / "cli"

    def test_hello(self):
        result = run([self.hello, "freeze"])
        self.assertEqual((result.returncode, result.stdout), (0, "Hello, freeze! (frozen: True)\n"))

    def compare_with_python(self, args, stdin=""):
        frozen = run([self.cli, *args], input=stdin, env=clean_env())
        python = run([PYTHON, "-m", "taskcli", *args], input=stdin, cwd=self.cli_dir / "src", env=clean_env())
        self.assertEqual(frozen.returncode, python.returncode, f"{args}: {frozen.stderr} / {python.stderr}")
        self.assertEqual(frozen.stdout, python.stdout, args)
        return frozen, python

    def test_cli_behaves_like_python_m(self):
        for args, stdin in [(["--version"], ""), (["--help"], ""), (["summary"], TASKS), (["summary", "--top", "1"], TASKS),
                            (["summary"], "[]"), (["add", "new", "--priority", "4"], TASKS), (["-v", "add", "x"], "[]"),
                            (["check"], TASKS), ([], ""), (["nope"], "")]:
            frozen, python = self.compare_with_python(args, stdin)
            self.assertEqual(frozen.stderr, python.stderr, args)

    def test_cli_env_differs_only_in_frozen(self):
        frozen = json.loads(run([self.cli, "env", "a", "b c"]).stdout)
        python = json.loads(run([PYTHON, "-m", "taskcli", "env", "a", "b c"], cwd=self.cli_dir / "src").stdout)
        self.assertEqual((frozen.pop("frozen"), python.pop("frozen")), (True, False))
        self.assertEqual(frozen, python)

    def test_cli_traceback_matches_python(self):
        frozen, python = self.compare_with_python(["check"], BAD_TASKS)
        self.assertEqual(frozen.returncode, 1)
        # Same frames and source lines; only the directory of the files differs.
        normalise = lambda text, prefix: text.replace(str(prefix) + "/", "")
        # python -m shows runpy's two frames; the launcher runs the module as __main__ itself.
        python_frames = "".join(line for line in python.stderr.splitlines(keepends=True)
                                if not line.startswith('  File "<frozen runpy>"'))
        self.assertEqual(normalise(frozen.stderr, self.cli.parent / "lib" / "app"), normalise(python_frames, self.cli_dir / "src"))
        self.assertIn("    raise ValueError(f\"task {task.title!r} has priority", frozen.stderr)

    def test_runs_with_stdlib_hidden(self):
        mounts = " && ".join(f"mount --bind {self.tmp}/empty {path}" for path in HIDDEN if os.path.isdir(path))
        (self.tmp / "empty").mkdir(exist_ok=True)
        probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
        if probe.returncode != 0:
            self.skipTest("unshare -m is not permitted here")
        script = f'{mounts} && ls {PYTHON_STDLIB} | wc -l && "{self.cli}" summary && "{self.hello}"'
        result = run(["unshare", "-m", "sh", "-c", script], input=TASKS, env=clean_env())
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.splitlines()[0], "0")  # the stdlib really was hidden
        self.assertIn("3 tasks", result.stdout)
        self.assertIn("Hello, world!", result.stdout)
        # ... and python itself cannot start there.
        broken = run(["unshare", "-m", "sh", "-c", f"{mounts} && {PYTHON} -c pass"])
        self.assertNotEqual(broken.returncode, 0)

    @uses_debian_python3_11
    def test_report_example_matches_python(self):
        if not pathlib.Path("/usr/lib/python3/dist-packages/yaml").is_dir():
            self.skipTest("python3-yaml and python3-jinja2 are not installed")
        report_dir = copy_example("report", self.tmp / "report")
        freeze("build", report_dir / "app.toml", "-q")
        report = report_dir / "dist" / "report"
        for args in (["inventory.yaml"], ["--format", "html", "inventory.yaml"], ["--versions"]):
            frozen = run([report, *args], cwd=report_dir, env=clean_env())
            python = run([PYTHON, "-c", "import sys; from report.main import main; sys.exit(main())", *args],
                         cwd=report_dir, env=clean_env(PYTHONPATH="src"))
            self.assertEqual((frozen.returncode, frozen.stdout), (python.returncode, python.stdout), frozen.stderr)
        self.assertIn("&lt;&amp;&gt;", run([report, "--format", "html", "inventory.yaml"], cwd=report_dir).stdout)
        self.assertIn("libyaml: True", run([report, "--versions"]).stdout)
        self.assertEqual(sorted(p.name for p in (report_dir / "dist").iterdir()), ["report"])

    def test_inspect_lists_resources(self):
        listing = freeze("inspect", "--list", self.cli).stdout
        self.assertIn("taskcli.commands.add", listing)
        summary = freeze("inspect", self.cli).stdout  # the default: a summary
        self.assertIn("taskcli", summary)
        self.assertNotIn("taskcli.commands.add", summary)
        data = json.loads(freeze("inspect", "--json", self.cli).stdout)
        names = {r["name"]: r for r in data["resources"]}
        self.assertTrue(names["taskcli"]["package"])
        self.assertFalse(names["taskcli"]["stdlib"])
        self.assertTrue(names["json"]["stdlib"])
        self.assertIn("encodings.utf_8", names)
        self.assertNotIn("test.support", names)  # excluded by default
        self.assertEqual(data["settings"]["entry.module"], "taskcli")
        for resource in data["resources"]:
            self.assertGreater(resource["stored_size"], 0)
            self.assertLessEqual(resource["stored_size"], resource["raw_size"] + 64)


if __name__ == "__main__":
    unittest.main()

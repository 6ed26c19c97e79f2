"""The examples added for the guide: quotes (a CLI with subcommands and package data, frozen from
its pyproject.toml) and primes (multiprocessing with fork, spawn and forkserver) behave like the
same code under python3.11; and `freeze check` passes on every example."""
import pathlib
import unittest

from freezetest import PYTHON, PYTHON_VERSION, SOURCE_DIR, TempDirTestCase, clean_env, copy_example, freeze, run

EXAMPLES = sorted(p.name for p in (SOURCE_DIR / "examples").iterdir() if p.is_dir())


class QuotesTest(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.root = copy_example("quotes", cls.tmp / "quotes")
        freeze("build", cls.root, "-q")  # the directory: freeze finds pyproject.toml's [tool.freeze]
        cls.exe = cls.root / "dist" / "quotes"  # the name from [project] name

    def test_behaves_like_python(self):
        for args in (["stats"], ["stats", "--top", "1"], ["list", "--author", "tim"], ["search", "python"],
                     ["search", "nothing-at-all"], ["random", "--seed", "4"], ["--version"], ["--help"], [],
                     ["search", "accents"]):
            with self.subTest(args=args):
                frozen = run([self.exe, *args], env=clean_env())
                python = run([PYTHON, "-c", "import sys; from quotes.cli import main; sys.exit(main())", *args],
                             env=clean_env(PYTHONPATH=str(self.root / "src")))
                self.assertEqual((frozen.returncode, frozen.stdout), (python.returncode, python.stdout), frozen.stderr)
                self.assertEqual(frozen.stderr.replace(str(self.exe), "quotes"),
                                 python.stderr.replace("-c", "quotes"))

    def test_data_is_in_memory(self):
        self.assertEqual(sorted(p.name for p in (self.root / "dist").iterdir()), ["quotes"])
        listing = freeze("inspect", "--list", self.exe).stdout
        self.assertIn("quotes/data/quotes.json", listing)


class PrimesTest(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.root = copy_example("primes", cls.tmp / "primes")
        freeze("build", cls.root / "app.toml", "-q")
        cls.exe = cls.root / "dist" / "primes"

    def check_method(self, method, *extra):
        frozen = run([self.exe, "20000", "--start-method", method, *extra], env=clean_env(), timeout=120)
        python = run([PYTHON, "-m", "primes.cli", "20000", "--start-method", method, *extra],
                     cwd=self.root / "src", env=clean_env(), timeout=120)
        self.assertEqual(python.returncode, 0, python.stderr)
        self.assertEqual((frozen.returncode, frozen.stdout), (0, python.stdout), frozen.stderr)
        self.assertIn("in worker processes", frozen.stdout)

    def test_fork(self):
        self.check_method("fork")

    def test_spawn(self):
        # The workers are new processes of the executable itself, started the way multiprocessing
        # starts frozen programs' children; the launcher recognises them.
        self.check_method("spawn")
        self.check_method("spawn", "--executor")

    def test_forkserver(self):
        self.check_method("forkserver")


class ExamplesCheckTest(TempDirTestCase):
    def test_check_passes_on_every_example(self):
        self.assertTrue({"hello", "cli", "report", "quotes", "primes"} <= set(EXAMPLES), EXAMPLES)
        for name in EXAMPLES:
            with self.subTest(example=name):
                # report freezes Debian's yaml and jinja2, built for its python3.11.
                if name == "report" and (PYTHON_VERSION != "3.11" or
                                         not pathlib.Path("/usr/lib/python3/dist-packages/yaml").is_dir()):
                    continue
                root = copy_example(name, self.tmp / name)
                result = freeze("check", root, check=False)
                self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
                self.assertRegex(result.stdout, r"all \d+ checks passed")


if __name__ == "__main__":
    unittest.main()

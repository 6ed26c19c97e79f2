"""valgrind memcheck of frozen executables (issue #6, part 6): no memory errors and no definitely
or indirectly lost blocks, on the paths freeze's own code takes (start-up, the importer, modules
and package data from memory, extension modules through memory files, tracebacks with source
lines, threads, an uncaught exception, a damaged executable) and in `freeze inspect`.

CPython's object allocator (pymalloc) takes its arenas with mmap, so what memcheck tracks is what
C and C++ code allocates with malloc/new: freeze's reader, importer and launcher among them.
Skipped when valgrind is not installed (scripts/install-deps.sh installs it)."""
import os
import re
import shutil
import unittest

from freezetest import FREEZE, TempDirTestCase, build_app, clean_env, run

VALGRIND = shutil.which("valgrind")
# A sanitizer build (-DFREEZE_SANITIZE=ON) cannot run under valgrind; it checks the same itself.
SANITIZED = os.environ.get("FREEZE_SANITIZED") == "1"
SUPPRESSIONS = "/usr/lib/valgrind/python3.supp"  # Debian's, for CPython's deliberate tricks

FILES = {
    "src/mc/__init__.py": "",
    "src/mc/data/info.txt": "data\n",
    "src/mc/main.py": """
        import sys, json, decimal, importlib.resources, threading, traceback

        def work(results, i):
            import fractions
            results[i] = str(fractions.Fraction(i, 3))

        def main():
            command = sys.argv[1] if len(sys.argv) > 1 else "all"
            if command == "raise":
                raise RuntimeError("uncaught, on purpose")
            results = {}
            threads = [threading.Thread(target=work, args=(results, i)) for i in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            try:
                raise ValueError("caught")
            except ValueError:
                formatted = traceback.format_exc()
            print(json.dumps({"d": str(decimal.Decimal(1) / 8),
                              "data": importlib.resources.files("mc").joinpath("data/info.txt").read_text(),
                              "threads": [results[i] for i in range(4)],
                              "source_line": 'raise ValueError("caught")' in formatted}))
        """,
}
TOML = '[app]\nname = "mc"\nentry = "mc.main:main"\n[packages]\npaths = ["src"]\n'
TINY = '[app]\nname = "tiny"\ncode = "import sys; print(sys.argv[1:])"\n[stdlib]\ninclude = "none"\n'


@unittest.skipUnless(VALGRIND, "valgrind is not installed")
@unittest.skipIf(SANITIZED, "a sanitizer build: AddressSanitizer/LeakSanitizer check instead of valgrind")
class MemcheckTest(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exe = build_app(cls.tmp / "project", TOML, FILES)
        cls.tiny = build_app(cls.tmp / "tiny", TINY)

    def memcheck(self, argv, expected_status=0):
        log = self.tmp / f"memcheck-{len(list(self.tmp.glob('memcheck-*')))}.log"
        options = ["--leak-check=full", "--show-leak-kinds=definite,indirect", "--errors-for-leak-kinds=definite,indirect",
                   "--error-exitcode=99", "--track-fds=no", f"--log-file={log}"]
        if os.path.exists(SUPPRESSIONS):
            options.append(f"--suppressions={SUPPRESSIONS}")
        result = run([VALGRIND, *options, *argv], env=clean_env(), timeout=300)
        report = log.read_text()
        self.assertNotEqual(result.returncode, 99, f"memcheck found errors or leaks in {argv}:\n{report}")
        self.assertEqual(result.returncode, expected_status, f"{argv}: {result.stderr}\n{report}")
        self.assertRegex(report, r"ERROR SUMMARY: 0 errors", report)
        for kind in ("definitely", "indirectly"):
            match = re.search(rf"{kind} lost: ([\d,]+) bytes", report)
            self.assertTrue(match is None or match.group(1) == "0", f"{kind} lost blocks in {argv}:\n{report}")
        return result

    def test_minimal_app(self):
        self.assertEqual(self.memcheck([self.tiny, "a"]).stdout, "['a']\n")

    def test_modules_extensions_resources_threads_tracebacks(self):
        result = self.memcheck([self.exe])
        self.assertIn('"d": "0.125"', result.stdout)
        self.assertIn('"source_line": true', result.stdout)

    def test_uncaught_exception(self):
        result = self.memcheck([self.exe, "raise"], expected_status=1)
        self.assertIn("RuntimeError: uncaught, on purpose", result.stderr)

    def test_damaged_executable(self):
        data = bytearray(self.tiny.read_bytes())
        data[-100] ^= 0xFF  # in the index
        damaged = self.tmp / "damaged"
        damaged.write_bytes(bytes(data))
        os.chmod(damaged, 0o755)
        result = self.memcheck([damaged], expected_status=1)
        self.assertIn("embedded resources are damaged", result.stderr)

    def test_freeze_inspect(self):
        result = self.memcheck([FREEZE, "inspect", "--json", self.tiny])
        self.assertIn('"resources"', result.stdout)


if __name__ == "__main__":
    unittest.main()

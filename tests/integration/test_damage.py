"""A damaged frozen executable (bytes flipped in its blob, or truncated) fails with the one-line
"embedded resources are damaged" error and a non-zero status: never a signal, a hang, or a wrong
module silently executed."""
import json
import os
import random
import subprocess
import unittest

from freezetest import TempDirTestCase, build_app, freeze, run

FILES = {"src/victim.py": """
    import sys
    def main():
        import json, textwrap, string
        print("intact", json.dumps([1, 2]), textwrap.shorten("a b c", 10), string.ascii_lowercase[:3])
    """}
TOML = '[app]\nname = "victim"\nentry = "victim:main"\n[packages]\npaths = ["src"]\n'
EXPECTED = "intact [1, 2] a b c abc\n"


class DamageTest(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exe = build_app(cls.tmp / "project", TOML, FILES)
        cls.original = cls.exe.read_bytes()
        layout = json.loads(freeze("inspect", "--json", cls.exe).stdout)
        cls.blob_start = layout["launcher_size"]
        cls.resources = {r["name"]: r for r in layout["resources"]}

    def run_copy(self, data, name="copy"):
        path = self.tmp / name
        path.write_bytes(data)
        os.chmod(path, 0o755)
        return run([path], timeout=30)

    def assert_damaged_or_correct(self, result, what):
        self.assertGreaterEqual(result.returncode, 0, f"{what}: killed by signal {-result.returncode}: {result.stderr}")
        if result.returncode == 0:
            self.assertEqual(result.stdout, EXPECTED, what)
        else:
            lines = result.stderr.splitlines()
            self.assertEqual(len(lines), 1, f"{what}: {result.stderr}")
            self.assertIn(": embedded resources are damaged: ", lines[0], what)

    def test_intact(self):
        self.assertEqual(self.run_copy(self.original).stdout, EXPECTED)

    def test_truncated(self):
        size = len(self.original)
        cuts = {size - 1, size - 10, size - 64, size - 65, size - 1000, self.blob_start + 10, self.blob_start + 1}
        cuts |= set(random.Random(1).sample(range(self.blob_start + 1, size), 20))
        for cut in sorted(cuts):
            result = self.run_copy(self.original[:cut])
            self.assertEqual(result.returncode, 1, f"cut at {cut}: {result.stderr}")
            self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)
            self.assertIn("embedded resources are damaged", result.stderr)

    def test_flipped_bytes_in_trailer_and_index(self):
        size = len(self.original)
        # The trailer (last 64 bytes) and the tail of the index are always needed at start-up.
        for position in list(range(size - 64, size, 3)) + list(range(size - 2000, size - 64, 97)):
            data = bytearray(self.original)
            data[position] ^= 0x41
            result = self.run_copy(bytes(data))
            self.assertEqual(result.returncode, 1, f"byte {position}: {result.stdout} {result.stderr}")
            self.assertIn("embedded resources are damaged", result.stderr)

    def test_flipped_bytes_in_needed_payload(self):
        # Damage the bytecode of modules the program imports: every run must fail cleanly.
        for name in ("victim", "json", "json.encoder", "textwrap"):
            resource = self.resources[name]
            start, length = resource["data_offset"], resource["data_stored_size"]
            for position in sorted({start, start + 1, start + 5, start + length // 2, start + length - 1,
                                    start + length - 4}):
                data = bytearray(self.original)
                data[position] ^= 0x10
                result = self.run_copy(bytes(data))
                self.assertEqual(result.returncode, 1, f"{name} byte {position}: {result.stdout} {result.stderr}")
                self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)
                self.assertIn(f"embedded resources are damaged: module '{name}'", result.stderr)

    def test_flipped_bytes_anywhere_in_payload(self):
        # Flip bytes all over the payload: every run is either correct or the one-line error.
        rng = random.Random(2)
        size = len(self.original)
        for position in rng.sample(range(self.blob_start, size - 64), 60):
            data = bytearray(self.original)
            data[position] ^= 0xFF
            self.assert_damaged_or_correct(self.run_copy(bytes(data)), f"byte {position}")

    def test_stub_without_blob_says_so(self):
        launcher = self.original[: self.blob_start]
        result = self.run_copy(launcher, "stub")
        self.assertEqual(result.returncode, 1)
        self.assertIn("no embedded application", result.stderr)

    def test_inspect_reports_damage(self):
        data = bytearray(self.original)
        data[-30] ^= 1
        path = self.tmp / "damaged"
        path.write_bytes(bytes(data))
        result = freeze("inspect", path, check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("embedded resources are damaged", result.stderr)
        self.assertEqual(len(result.stderr.splitlines()), 1)


if __name__ == "__main__":
    unittest.main()

"""A damaged frozen executable (bytes flipped in its blob, or truncated) fails with the one-line
"embedded resources are damaged" error and a non-zero status: never a signal, a hang, or a wrong
module silently executed."""
import concurrent.futures
import errno
import json
import os
import pathlib
import random
import struct
import tempfile
import unittest
import zlib

from freezetest import LAUNCHER, TempDirTestCase, build_app, freeze, run

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
        # The launcher alone (an executable holds it, padded to a page, then the blob).
        launcher = LAUNCHER.read_bytes()
        self.assertEqual(self.original[: len(launcher)], launcher)
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


# A small app (no stdlib beyond what the interpreter needs to start) whose modules each
# contribute to the output: a module served from the wrong bytes shows in the result.
SWEEP_FILES = {
    "src/sweep/__init__.py": "from .alpha import ALPHA\n",
    "src/sweep/alpha.py": "ALPHA = 'alpha:' + str(sum(range(10)))\n",
    "src/sweep/beta.py": "BETA = 'beta:' + ','.join(str(i * i) for i in range(5))\n",
    "src/sweep/sub/__init__.py": "",
    "src/sweep/sub/gamma.py": "".join(f"G{i} = {i} * 3\n" for i in range(300)) + "GAMMA = 'gamma:' + str(G299)\n",
    "src/sweep/main.py": """
        import sys
        from . import ALPHA
        from .beta import BETA
        from .sub import gamma

        def main():
            print(ALPHA, BETA, gamma.GAMMA, sys.argv[1:])
        """,
}
SWEEP_TOML = ('[app]\nname = "sweep"\nentry = "sweep.main:main"\n[stdlib]\ninclude = "none"\n'
              '[packages]\npaths = ["src"]\n')
SWEEP_EXPECTED = "alpha:45 beta:0,1,4,9,16 gamma:897 []\n"
SWEEP_MODULES = ("sweep", "sweep.alpha", "sweep.beta", "sweep.sub", "sweep.sub.gamma", "sweep.main")


class DamageSweepTest(TempDirTestCase):
    """Hundreds of single-byte flips across the whole blob (trailer, index, payload) and many
    truncation lengths, each run in a real process: every run ends with the one-line damage
    error or the exact correct output; never a signal, a hang or a wrong module executed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exe = build_app(cls.tmp / "project", SWEEP_TOML, SWEEP_FILES)
        cls.original = cls.exe.read_bytes()
        size = len(cls.original)
        trailer = cls.original[-64:]
        (_, entry_count, blob_size, payload_offset, payload_size, index_offset,
         index_size) = struct.unpack_from("<IIQQQQQ", trailer)
        cls.entry_count = entry_count
        cls.blob_start = size - blob_size
        cls.payload = (cls.blob_start + payload_offset, cls.blob_start + payload_offset + payload_size)
        cls.index = (cls.blob_start + index_offset, cls.blob_start + index_offset + index_size)
        layout = json.loads(freeze("inspect", "--json", cls.exe).stdout)
        assert layout["launcher_size"] == cls.blob_start, layout["launcher_size"]
        cls.resources = {r["name"]: r for r in layout["resources"] if r["kind"] == "module"}
        # One copy of the executable per worker, patched in place and restored after each run;
        # on tmpfs when there is one (a run writes no more than a few bytes).
        shm = pathlib.Path("/dev/shm")
        cls.scratch = pathlib.Path(tempfile.mkdtemp(prefix="freeze-sweep-", dir=shm if os.access(shm, os.W_OK) else None))
        cls.workers = max(2, os.cpu_count() or 2)
        for i in range(cls.workers):
            (cls.scratch / f"copy{i}").write_bytes(cls.original)
            os.chmod(cls.scratch / f"copy{i}", 0o755)

    @classmethod
    def tearDownClass(cls):
        import shutil
        shutil.rmtree(cls.scratch, ignore_errors=True)
        super().tearDownClass()

    def run_case(self, worker, case):
        """case: ("patch", [(position, new byte)], label) or ("cut", length, label)."""
        path = self.scratch / f"copy{worker}"
        if case[0] == "patch":
            with open(path, "r+b") as f:
                for position, value in case[1]:
                    f.seek(position)
                    f.write(bytes([value]))
        else:
            os.truncate(path, case[1])
        try:
            for attempt in range(20):
                try:
                    return case, run([path], timeout=30)
                except OSError as error:  # another worker's fork briefly held this file open for writing
                    if error.errno != errno.ETXTBSY or attempt == 19:
                        raise
        finally:
            with open(path, "r+b") as f:
                if case[0] == "patch":
                    for position, _ in case[1]:
                        f.seek(position)
                        f.write(self.original[position:position + 1])
                else:
                    f.seek(case[1])
                    f.write(self.original[case[1]:])

    def flip(self, position, mask):
        return ("patch", [(position, self.original[position] ^ mask)], position)

    def run_all(self, cases):
        results = []
        with concurrent.futures.ThreadPoolExecutor(self.workers) as pool:
            chunks = [cases[i::self.workers] for i in range(self.workers)]
            futures = [pool.submit(lambda w, c: [self.run_case(w, x) for x in c], i, chunk)
                       for i, chunk in enumerate(chunks)]
            for future in futures:
                results.extend(future.result())
        return results

    def check(self, case, result, must_fail):
        what = f"{case[0]} at {case[2]}"
        self.assertGreaterEqual(result.returncode, 0, f"{what}: killed by signal {-result.returncode}: {result.stderr}")
        if result.returncode == 0 and not must_fail:
            self.assertEqual(result.stdout, SWEEP_EXPECTED, f"{what}: wrong output")
            self.assertEqual(result.stderr, "", what)
            return
        self.assertEqual(result.returncode, 1, f"{what}: {result.stdout} {result.stderr}")
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, f"{what}: {result.stderr}")
        self.assertIn(": embedded resources are damaged: ", lines[0], what)
        self.assertNotIn("alpha:", result.stdout, f"{what}: ran with damage")

    def test_sweep_trailer_index_payload(self):
        rng = random.Random(6)
        size = len(self.original)
        must_fail = set(range(size - 64, size))  # the whole trailer
        index_start, index_end = self.index
        # The first entries byte by byte, then evenly across the index and its string table.
        must_fail |= set(range(index_start, min(index_end, index_start + 2 * 56)))
        must_fail |= set(range(index_start, index_end, max(1, (index_end - index_start) // 120)))
        # The bytecode frames of every module the app imports: magic, middle, checksum. (Their
        # header bytes are flipped too, as "anywhere": one bit of a zstd frame header is unused,
        # so a flip there may rightly change nothing.)
        header_bytes = set()
        for name in SWEEP_MODULES:
            start, length = self.resources[name]["data_offset"], self.resources[name]["data_stored_size"]
            must_fail |= {start, start + 3, start + length // 2, start + length - 1, start + length - 4}
            header_bytes |= set(range(start + 4, start + 8))
        payload_start, payload_end = self.payload
        anywhere = (set(rng.sample(range(payload_start, payload_end), 200)) | header_bytes) - must_fail
        cases = [self.flip(p, rng.choice([0x01, 0x10, 0x80, 0xFF])) for p in sorted(must_fail | anywhere)]
        self.assertGreaterEqual(len(cases), 400)
        for case, result in self.run_all(cases):
            self.check(case, result, must_fail=case[2] in must_fail)

    def test_sweep_truncation(self):
        size = len(self.original)
        blob = size - self.blob_start
        # From one byte of blob to all but one (no blob at all is the bare launcher stub).
        cuts = {self.blob_start + 1 + blob * i // 100 for i in range(100)} | set(range(size - 70, size))
        cases = [("cut", cut, cut) for cut in sorted(cuts)]
        self.assertGreaterEqual(len(cases), 150)
        for case, result in self.run_all(cases):
            self.check(case, result, must_fail=True)

    def test_sweep_hostile_index_with_valid_checksums(self):
        # Not damage but a crafted file: bytes changed in the index with both CRCs recomputed.
        # Any outcome is acceptable but a signal or a hang: the reader bounds-checks everything.
        rng = random.Random(7)
        index_start, index_end = self.index
        size = len(self.original)
        cases = []
        for _ in range(120):
            data = bytearray(self.original)
            for position in rng.sample(range(index_start, index_start + 56 * self.entry_count), 2):
                data[position] ^= rng.choice([0x01, 0x02, 0x80, 0xFF])
            crc = zlib.crc32(bytes(data[index_start:index_end]))
            trailer = bytearray(data[-64:])
            struct.pack_into("<I", trailer, 48, crc)
            struct.pack_into("<I", trailer, 52, zlib.crc32(bytes(trailer[:52]) + bytes(trailer[56:])))
            data[-64:] = trailer
            changed = [(i, data[i]) for i in range(index_start, size) if data[i] != self.original[i]]
            cases.append(("patch", changed, [i for i, _ in changed if i < index_end]))
        for case, result in self.run_all(cases):
            self.assertGreaterEqual(result.returncode, 0,
                                    f"index bytes {case[2]}: killed by signal {-result.returncode}: {result.stderr}")


if __name__ == "__main__":
    unittest.main()

"""Load and concurrency (issue #6, part 5): 64 copies of a frozen app started at once all
succeed; 16 threads importing different in-memory modules (Python and extension modules) and
reading package data at the same time, then re-importing them with importlib.reload, get
correct results; an app that imports and reads resources in a loop keeps a flat RSS and a
constant number of open files (no leak in the importer).

The loop runs for FREEZE_SOAK_SECONDS (default 6 s). The minutes-long version is the `soak`
test, registered with -DFREEZE_LONG_TESTS=ON (see tests/CMakeLists.txt)."""
import json
import os
import shutil
import subprocess
import unittest

from freezetest import TempDirTestCase, build_app, clean_env, run

SOAK_SECONDS = float(os.environ.get("FREEZE_SOAK_SECONDS", "6"))
# In a sanitizer build ASan's quarantine holds freed memory: RSS grows by design; only the
# open files are compared there.
SANITIZED = os.environ.get("FREEZE_SANITIZED") == "1"
THREADS = 16
# Stdlib modules the threads import besides their own: several are extension modules that
# Debian builds as lib-dynload/*.so, loaded from memory.
STDLIB = ["json", "decimal", "fractions", "statistics", "textwrap", "csv", "difflib", "heapq", "bisect",
          "base64", "hashlib", "struct", "array", "unicodedata", "zlib", "bz2"]

FILES = {"src/conc/__init__.py": "", "src/conc/mods/__init__.py": "", "src/conc/data/__init__.py": ""}
for i in range(THREADS):
    FILES[f"src/conc/mods/m{i:02}.py"] = (
        f"import {STDLIB[i]}\n"
        f"from . import helper{i:02} as helper\n"
        f"LOADS = globals().get('LOADS', 0) + 1\n"
        f"VALUE = sum(range({i * 1000})) + helper.OFFSET\n"
        + "".join(f"def f{k}(x):\n    return x + {k}\n" for k in range(40)))
    FILES[f"src/conc/mods/helper{i:02}.py"] = f"OFFSET = {i}\n"
    FILES[f"src/conc/data/file{i:02}.txt"] = f"data file {i}\n" * (i + 1)

FILES["src/conc/main.py"] = r'''
import gc, importlib, importlib.resources, inspect, json, os, pkgutil, sys, threading, time

N = 16

def expected(i):
    return sum(range(i * 1000)) + i

def rss_kib():
    with open("/proc/self/status") as f:
        return int(next(line for line in f if line.startswith("VmRSS")).split()[1])

def open_files():
    return len(os.listdir("/proc/self/fd"))

def threads(rounds):
    barrier = threading.Barrier(N)
    errors = []
    seen = {}

    def work(i):
        try:
            name = f"conc.mods.m{i:02}"
            barrier.wait()
            module = importlib.import_module(name)
            for r in range(rounds):
                assert module.VALUE == expected(i), (name, module.VALUE)
                text = importlib.resources.files("conc.data").joinpath(f"file{i:02}.txt").read_text()
                assert text == f"data file {i}\n" * (i + 1), name
                assert inspect.getsource(module.f7).strip().endswith("return x + 7"), name
                barrier.wait()
                module = importlib.reload(module)
            seen[i] = (module.VALUE, module.LOADS, module.__spec__.loader.__class__.__name__)
        except BaseException as error:  # reported, not lost in the thread
            errors.append(f"thread {i}: {error!r}")
            barrier.abort()

    workers = [threading.Thread(target=work, args=(i,)) for i in range(N)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return {"errors": errors, "values": [seen.get(i, [None])[0] for i in range(N)],
            "expected": [expected(i) for i in range(N)], "loads": [seen.get(i, [0, 0])[1] for i in range(N)],
            "loaders": sorted({seen[i][2] for i in seen})}

def soak(seconds, extensions):
    """Imports, re-imports and reads resources in a loop; RSS and open files after a warm-up
    and at the end."""
    names = [f"conc.mods.m{i:02}" for i in range(N)] + [f"conc.mods.helper{i:02}" for i in range(N)]
    native = ["_json", "_decimal", "_bz2", "_lzma", "_sqlite3", "_ctypes", "_ssl", "_hashlib"]
    native = [n for n in native if importlib.util.find_spec(n)] if extensions else []
    iterations = 0
    start = time.monotonic()
    samples = []
    while time.monotonic() - start < seconds:
        for name in names:
            sys.modules.pop(name, None)
        for i in range(N):
            module = importlib.import_module(f"conc.mods.m{i:02}")
            assert module.VALUE == expected(i)
            assert len(importlib.resources.files("conc.data").joinpath(f"file{i:02}.txt").read_bytes()) > 0
        assert inspect.getsource(module).startswith("import ")
        assert len(list(pkgutil.iter_modules(sys.modules["conc.mods"].__path__))) == 2 * N
        for name in native:
            sys.modules.pop(name, None)
            importlib.import_module(name)
        importlib.reload(sys.modules["conc.mods.m00"])
        gc.collect()
        iterations += 1
        samples.append((time.monotonic() - start, rss_kib(), open_files()))
    warm = [s for s in samples if s[0] >= seconds * 0.25] or samples[-1:]
    return {"iterations": iterations, "native": native, "rss_warm": warm[0][1], "rss_end": samples[-1][1],
            "rss_max": max(s[1] for s in warm), "files_warm": warm[0][2], "files_end": samples[-1][2]}

def main():
    command = sys.argv[1]
    if command == "hello":
        import decimal
        print(json.dumps({"pid": os.getpid(), "d": str(decimal.Decimal(1) / 4)}))
    elif command == "threads":
        print(json.dumps(threads(int(sys.argv[2]))))
    elif command == "soak":
        print(json.dumps(soak(float(sys.argv[2]), sys.argv[3] == "extensions")))
'''

TOML = '[app]\nname = "conc"\nentry = "conc.main:main"\n[packages]\npaths = ["src"]\n'


class ConcurrencyTest(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exe = build_app(cls.tmp / "project", TOML, FILES)

    def test_64_copies_started_at_once(self):
        copies = []
        for i in range(16):  # 16 files, each started 4 times
            copy = self.tmp / "copies" / f"conc{i}"
            copy.parent.mkdir(exist_ok=True)
            shutil.copy2(self.exe, copy)
            copies.extend([copy] * 4)
        procs = [subprocess.Popen([str(c), "hello"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env=clean_env()) for c in copies]
        outputs = [p.communicate(timeout=120) for p in procs]
        self.assertEqual(len(procs), 64)
        for proc, (out, err) in zip(procs, outputs):
            self.assertEqual(proc.returncode, 0, err)
            self.assertEqual(json.loads(out)["d"], "0.25")
        self.assertEqual(len({json.loads(out)["pid"] for out, _ in outputs}), 64)

    def test_16_threads_import_and_reload_concurrently(self):
        for attempt in range(3):  # different interleavings
            result = run([self.exe, "threads", "5"], env=clean_env(), timeout=120)
            self.assertEqual(result.returncode, 0, result.stderr)
            facts = json.loads(result.stdout)
            self.assertEqual(facts["errors"], [])
            self.assertEqual(facts["values"], facts["expected"])
            self.assertEqual(facts["loads"], [6] * THREADS)  # 1 import + 5 reloads, each executed once
            self.assertEqual(facts["loaders"], ["FreezeImporter"])

    def soak(self, extensions):
        result = run([self.exe, "soak", str(SOAK_SECONDS), "extensions" if extensions else "python"],
                     env=clean_env(), timeout=SOAK_SECONDS * 4 + 120)
        self.assertEqual(result.returncode, 0, result.stderr)
        facts = json.loads(result.stdout)
        self.assertGreater(facts["iterations"], 5, facts)
        return facts

    def test_import_loop_keeps_rss_flat(self):
        facts = self.soak(extensions=False)
        # After the warm-up, memory may move by allocator noise, not by what each iteration does.
        growth = facts["rss_end"] - facts["rss_warm"]
        if not SANITIZED:
            self.assertLess(growth, 2048 + facts["rss_warm"] // 20, facts)
        self.assertEqual(facts["files_end"], facts["files_warm"], facts)

    def test_extension_reimport_loop_keeps_rss_and_files_flat(self):
        # Re-importing an extension module after removing it from sys.modules must reuse what
        # was loaded (as python's dlopen of the same path does): no new memory file, no new copy.
        facts = self.soak(extensions=True)
        self.assertTrue(facts["native"], facts)
        self.assertEqual(facts["files_end"], facts["files_warm"], facts)
        growth = facts["rss_end"] - facts["rss_warm"]
        if not SANITIZED:
            self.assertLess(growth, 2048 + facts["rss_warm"] // 20, facts)


if __name__ == "__main__":
    unittest.main()

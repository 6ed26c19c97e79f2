"""The build cache is bounded and accounted for (issue 13): `freeze cache` shows, clears and
bounds it like ccache's -s, -C and -M; the least recently used entries go when a build takes it
over its limit; temporary files of builds killed while storing an entry are collected; nothing
but freeze's own entries is ever removed. Each test has its own FREEZE_CACHE_DIR."""
import os
import re
import shutil
import subprocess
import time
import unittest

from freezetest import FREEZE, TempDirTestCase, write_tree

ENTRY = re.compile(r"^[0-9a-f]{30}$")
TEMPORARY = re.compile(r"^[0-9a-f]{30}\.tmp-[A-Za-z0-9]{6}$")


def app_toml(name, modules):
    return (f'[app]\nname = "{name}"\ncode = "import {", ".join(modules)}"\n[stdlib]\ninclude = "none"\n'
            '[packages]\npaths = ["src"]\n')


class CacheTest(TempDirTestCase):
    def setUp(self):
        self.case = self.tmp / self.id().rsplit(".", 1)[1]
        self.cache = self.case / "cache"
        self.env = dict(os.environ, FREEZE_CACHE_DIR=str(self.cache))

    def freeze(self, *args, check=True):
        result = subprocess.run([FREEZE, *map(str, args)], env=self.env, capture_output=True, text=True, timeout=300)
        if check:
            self.assertEqual(result.returncode, 0, result.stderr)
        return result

    def project(self, name, count=20):
        """An app of `count` modules of its own (about 30 KiB of bytecode each), named after it."""
        modules = [f"{name}_m{i}" for i in range(count)]
        files = {f"src/{m}.py": "".join(f"def f{k}(x):\n    return x * {k} + {i}\n" for k in range(300)) for i, m in enumerate(modules)}
        return write_tree(self.case / name, dict(files, **{"app.toml": app_toml(name, modules)}))

    def build(self, project):
        result = self.freeze("build", project / "app.toml")
        hits, misses = map(int, re.search(r"cache: (\d+) hits, (\d+) misses", result.stderr).groups())
        return hits, misses

    def files(self, pattern):
        return sorted(p for p in self.cache.glob("[0-9a-f][0-9a-f]/*") if pattern.match(p.name))

    def show(self):
        text = self.freeze("cache", "--show").stdout
        fields = dict(re.findall(r"^([a-z ]+):\s+(.*)$", text, re.M))
        return fields

    def test_show_counts_entries_and_hits(self):
        project = self.project("show")
        hits, misses = self.build(project)
        # An empty cache: the only hits are what the build stored itself (the stdlib modules it
        # compiled, compiled again to train the interpreter's zstd dictionaries on the stdlib).
        self.assertLess(hits, misses)
        self.assertGreater(misses, 20)
        rebuild_hits, rebuild_misses = self.build(project)
        self.assertEqual(rebuild_misses, 0)  # a rebuild hits everything
        self.assertGreater(rebuild_hits, 20)
        fields = self.show()
        self.assertEqual(fields["cache directory"], str(self.cache))
        entries = self.files(ENTRY)
        size = sum(p.stat().st_size for p in entries)
        self.assertRegex(fields["size"], rf" in {len(entries)} entries$")
        self.assertEqual(fields["size limit"], "1.0 GiB (the default; freeze cache --max-size SIZE sets it)")
        lookups = hits + misses + rebuild_hits
        self.assertRegex(fields["hits"], rf"^{hits + rebuild_hits} of {lookups} lookups \({100 * (hits + rebuild_hits) / lookups:.1f}%\)")
        self.assertEqual(self.freeze("cache").stdout, self.freeze("cache", "-s").stdout)  # --show is the default
        self.assertGreater(size, 50_000)

    def test_size_limit_evicts_least_recently_used(self):
        old, new = self.project("old"), self.project("new")
        self.build(old)
        # The old app's entries were last used two days ago.
        two_days_ago = time.time() - 2 * 86400
        for path in self.files(ENTRY):
            os.utime(path, (two_days_ago, two_days_ago))
        new_hits, new_misses = self.build(new)  # hits: what both apps share (the stdlib it needs)
        new_size = sum(p.stat().st_size for p in self.files(ENTRY) if p.stat().st_mtime > two_days_ago + 3600)
        # A limit whose 90% (where eviction stops) just holds the new app's entries, not the old.
        limit = int(new_size / 0.9) + 2000
        self.assertGreater(sum(p.stat().st_size for p in self.files(ENTRY)), limit)
        result = self.freeze("cache", "-M", f"{limit // 1000}k")
        self.assertRegex(result.stdout, r"^cache size limit: \d+\.\d [KM]iB\n$")
        self.assertEqual((self.cache / "freeze.conf").read_text().splitlines()[-1], f"max_size = {limit // 1000 * 1000}")
        total = sum(p.stat().st_size for p in self.files(ENTRY))
        self.assertLessEqual(total, 0.9 * limit)
        self.assertEqual(self.build(new), (new_hits + new_misses, 0))  # the recently used entries stayed
        hits, misses = self.build(old)
        self.assertGreater(misses, 20)  # the old app's own entries went
        # That build took the cache over the limit again: it was trimmed at its end.
        self.assertLessEqual(sum(p.stat().st_size for p in self.files(ENTRY)), 0.9 * limit)
        self.assertRegex(self.show()["size limit"], r"^\d+\.\d [KM]iB$")
        self.freeze("cache", "--max-size", "0")
        self.assertEqual(self.show()["size limit"], "none")

    def test_orphaned_temporaries_are_collected(self):
        if not shutil.which("strace"):
            self.skipTest("needs strace")
        project = self.project("orphans")
        # Killed at its first rename: storing its first cache entry.
        result = subprocess.run(["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=rename",
                                 "-e", "inject=rename:signal=KILL:when=1", FREEZE, "build", project / "app.toml", "-q"],
                                env=self.env, capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, -9, result.stderr)
        orphans = self.files(TEMPORARY)
        self.assertGreaterEqual(len(orphans), 1)
        # One from a build still running (written just now) must stay; those over an hour old go.
        fresh = self.cache / "ab" / ("ab" * 15 + ".tmp-Fresh1")
        fresh.parent.mkdir(exist_ok=True)
        fresh.write_bytes(b"being written")
        stats_orphan = self.cache / ".stats.tmp-Abc123"
        stats_orphan.write_text("hits 1\n")
        hour_ago = time.time() - 3700
        for path in orphans + [stats_orphan]:
            os.utime(path, (hour_ago, hour_ago))
        self.build(project)
        self.assertEqual(self.files(TEMPORARY), [fresh])
        self.assertFalse(stats_orphan.exists())

    def test_clear_removes_only_freezes_entries(self):
        project = self.project("clear")
        self.build(project)
        self.freeze("cache", "-M", "2GiB")
        write_tree(self.cache, {"notes.txt": "mine\n", "ab/mine.txt": "mine\n", "mine/ab" + "0" * 28: "mine\n"})
        count = len(self.files(ENTRY))
        result = self.freeze("cache", "--clear")
        self.assertRegex(result.stdout, rf"^cleared {re.escape(str(self.cache))}: {count} entries, ")
        self.assertEqual(self.files(ENTRY), [])
        self.assertEqual(sorted(str(p.relative_to(self.cache)) for p in self.cache.rglob("*") if p.is_file()),
                         sorted(["freeze.conf", "notes.txt", "ab/mine.txt", "mine/ab" + "0" * 28]))
        self.assertEqual(self.show()["size limit"], "2.0 GiB")  # the limit stays
        self.assertTrue(self.show()["hits"].startswith("0,"))

    def test_bad_sizes_are_one_clear_line(self):
        for bad in ["", "5X", "1.2.3G", "-1G", "G"]:
            with self.subTest(size=bad):
                result = self.freeze("cache", "-M", bad, check=False)
                self.assertEqual(result.returncode, 1)
                self.assertEqual(result.stderr.count("\n"), 1, result.stderr)
                self.assertIn(f"--max-size: '{bad}' is not a size", result.stderr)
        self.freeze("cache", "-M", "1.5GiB")
        self.assertEqual(self.show()["size limit"], "1.5 GiB")
        (self.cache / "freeze.conf").write_text("max_size = lots\n")
        result = self.freeze("cache", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("freeze.conf: cannot read 'max_size = lots'", result.stderr)


if __name__ == "__main__":
    unittest.main()

"""A build killed at any moment while it writes its output leaves the previous output or the new
one, whole, and the next build leaves no strays (issue 13, "Builds and the output directory").

Every rename, symlink, unlink and rmdir of `freeze build` is made to kill it in turn (strace's
syscall injection, `when=N` for N = 1, 2, ... until the build gets through); after each kill the
executable in dist/ must run and report one version everywhere: the module in memory, the
package routed to the filesystem and the data file beside it. The builds hit the cache (two
versions are built alternately), so each takes well under a second."""
import fcntl
import os
import pathlib
import re
import shutil
import subprocess
import time
import unittest

from freezetest import FREEZE, TempDirTestCase, run, untraced_leak_checks, write_tree

STRACE = shutil.which("strace")
SYSCALLS = ["rename", "renameat", "renameat2", "symlink", "symlinkat", "unlink", "unlinkat", "rmdir"]
OWN_NAMES = re.compile(r"^\.app\.(tmp|freeze)-[A-Za-z0-9]{6}$")

# With mypkg routed to the filesystem, its data file is read from beside the executable's real
# path; in memory (one file, atomic by itself) the package's own version stands in for it.
CODE = ("import memmod, mypkg, os\n"
        "path = os.path.join(os.path.dirname(mypkg.__file__), 'data.txt')\n"
        "data = open(path).read() if os.path.isfile(path) else str(mypkg.V)\n"
        "print(f'mem={memmod.V} fs={mypkg.V} data={data.strip()}')\n")


def config(routed):
    toml = (f'[app]\nname = "app"\ncode = """{CODE}"""\n[stdlib]\ninclude = "none"\n'
            '[packages]\npaths = ["src"]\n')
    if routed:
        toml += '[[routing.rule]]\nname = "mypkg"\nlocation = "filesystem-relative"\n'
    return toml


@unittest.skipUnless(STRACE, "needs strace")
class KilledBuilds(TempDirTestCase):
    def setUp(self):
        self.root = self.tmp / self.id().rsplit(".", 1)[1]
        self.env = untraced_leak_checks(dict(os.environ, FREEZE_CACHE_DIR=str(self.tmp / "cache")))  # builds run under strace

    def write_version(self, version, routed):
        write_tree(self.root, {"app.toml": config(routed), "src/memmod.py": f"V = {version}\n",
                               "src/mypkg/__init__.py": f"V = {version}\n", "src/mypkg/data.txt": f"{version}\n"})

    def build(self, syscall=None, injection=None, quiet=True):
        argv = [FREEZE, "build", str(self.root / "app.toml")] + (["-q"] if quiet else [])
        if syscall:  # (--seccomp-bpf would be faster, but strace 6.1 then injects nothing)
            argv = [STRACE, "-f", "-qq", "-o", "/dev/null", "-e", f"trace={syscall}",
                    "-e", f"inject={syscall}:{injection}", *argv]
        return subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=120)

    def running_version(self):
        result = run([self.root / "dist/app"])
        match = re.fullmatch(r"mem=(\d+) fs=(\d+) data=(\d+)\n", result.stdout)
        self.assertTrue(match and result.returncode == 0, f"the output does not run whole: {result}")
        versions = set(match.groups())
        self.assertEqual(len(versions), 1, f"a mix of two builds: {result.stdout}")
        return int(versions.pop())

    def assert_no_strays(self, routed):
        dist = self.root / "dist"
        names = sorted(p.name for p in dist.iterdir())
        if not routed:
            self.assertEqual(names, ["app"])
            self.assertFalse((dist / "app").is_symlink())
            return
        self.assertEqual(len(names), 2, names)
        self.assertEqual(names[1], "app")
        self.assertRegex(names[0], r"^\.app\.freeze-[A-Za-z0-9]{6}$")
        self.assertEqual(os.readlink(dist / "app"), f"{names[0]}/app")

    def kill_at_every_step(self, routed_of, least_kills):
        """routed_of(version): whether that version routes mypkg to the filesystem."""
        for version in (1, 2, 1):  # both versions in the cache: the builds below compress nothing
            self.write_version(version, routed_of(version))
            self.assertEqual(self.build().returncode, 0)
        current = 1
        kills = 0
        for syscall in SYSCALLS:
            for n in range(1, 200):
                target = 2 if current == 1 else 1
                self.write_version(target, routed_of(target))
                result = self.build(syscall, f"signal=KILL:when={n}")
                if result.returncode == 0:
                    self.assertEqual(self.running_version(), target)
                    current = target
                    break
                self.assertEqual(result.returncode, -9, result.stderr)  # strace dies of the tracee's signal
                kills += 1
                observed = self.running_version()
                self.assertIn(observed, (current, target), f"killed at {syscall} #{n}")
                current = observed
        self.assertGreaterEqual(kills, least_kills)
        # A following build removes what the killed ones left.
        target = 2 if current == 1 else 1
        self.write_version(target, routed_of(target))
        self.assertEqual(self.build().returncode, 0)
        self.assertEqual(self.running_version(), target)
        self.assert_no_strays(routed_of(target))

    def test_files_beside_the_executable(self):
        self.kill_at_every_step(lambda version: True, 10)

    def test_single_file(self):
        self.kill_at_every_step(lambda version: False, 1)

    def test_switching_between_the_layouts(self):
        self.kill_at_every_step(lambda version: version == 2, 5)

    def test_strays_of_killed_builds_are_removed_and_nothing_else(self):
        self.write_version(1, True)
        self.assertEqual(self.build().returncode, 0)
        dist = self.root / "dist"
        strays = [".app.tmp-Ab12Cd", ".app.freeze-Zz99yY", ".freeze-staging-q1w2e3", ".freeze-previous-r4t5y6"]
        for name in strays:
            (dist / name).mkdir()
            (dist / name / "big").write_bytes(b"\0" * 1000)
        write_tree(dist, {".app.tmp-x": "mine\n", ".app.freeze-toolong1": "mine\n", "notes.txt": "mine\n",
                          ".other.tmp-Ab12Cd": "another app's\n", "lib/mine.txt": "mine\n"})
        self.write_version(2, True)
        self.assertEqual(self.build().returncode, 0)
        self.assertEqual(self.running_version(), 2)
        left = sorted(p.name for p in dist.iterdir() if not OWN_NAMES.match(p.name))
        self.assertEqual(left, [".app.freeze-toolong1", ".app.tmp-x", ".other.tmp-Ab12Cd", "app", "lib", "notes.txt"])
        self.assertEqual(len([p for p in dist.iterdir() if OWN_NAMES.match(p.name)]), 1)
        self.assertEqual((dist / "lib/mine.txt").read_text(), "mine\n")

    def test_a_build_waits_for_one_writing_the_same_directory(self):
        # The first build is held at its switch (strace delays its symlink call), its new build
        # directory written. The second must wait for it instead of taking that directory for a
        # stray; then the first is killed there, and the second carries on alone.
        self.write_version(1, True)
        self.assertEqual(self.build().returncode, 0)
        live = os.readlink(self.root / "dist/app").split("/")[0]
        self.write_version(2, True)
        argv = [STRACE, "-f", "-qq", "-o", "/dev/null", "-e", "trace=symlink",
                "-e", "inject=symlink:delay_enter=60s", FREEZE, "build", str(self.root / "app.toml"), "-q"]
        first = subprocess.Popen(argv, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while not [p for p in (self.root / "dist").iterdir() if OWN_NAMES.match(p.name) and p.name != live]:
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.02)
            [pending] = [p for p in (self.root / "dist").iterdir() if OWN_NAMES.match(p.name) and p.name != live]
            self.write_version(3, True)
            second = subprocess.Popen([FREEZE, "build", str(self.root / "app.toml")], env=self.env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            self.assertEqual(second.stderr.readline(), f"waiting for another freeze build writing to {self.root / 'dist'}\n")
            time.sleep(0.5)
            self.assertTrue(pending.is_dir(), "the second build removed the first one's directory")
            self.assertEqual(self.running_version(), 1)
        finally:
            tracee = pathlib.Path(f"/proc/{first.pid}/task/{first.pid}/children").read_text().split()
            for pid in tracee:
                os.kill(int(pid), 9)
            first.kill()  # strace itself would sit out its delay
            first.wait(timeout=60)
        second_stderr = second.communicate(timeout=120)[1]
        self.assertEqual(second.returncode, 0, second_stderr)
        self.assertEqual(self.running_version(), 3)
        self.assertFalse(pending.exists())
        self.assert_no_strays(True)

    def test_lock_is_on_the_output_directory(self):
        # Another holder of the lock (here: this test) keeps a build from touching the output.
        self.write_version(1, False)
        (self.root / "dist").mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / "dist", os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            process = subprocess.Popen([FREEZE, "build", str(self.root / "app.toml")], env=self.env,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(1.5)
            self.assertIsNone(process.poll())
            self.assertFalse((self.root / "dist/app").exists())
        finally:
            os.close(fd)
        self.assertEqual(process.wait(timeout=60), 0)
        process.communicate()
        self.assertEqual(self.running_version(), 1)



class KilledChecks(TempDirTestCase):
    """freeze check builds its verification copy in $TMPDIR/freeze-check-XXXXXX (20 MB and more
    with the stdlib): a later check removes those of killed checks, never one still in use."""

    def test_directories_of_killed_checks_are_removed(self):
        tmpdir = self.tmp / "tmpdir"
        tmpdir.mkdir()
        project = write_tree(self.tmp / "project", {
            "app.toml": '[app]\nname = "app"\nentry = "mod:main"\n[stdlib]\ninclude = "reachable"\n[packages]\npaths = ["src"]\n',
            "src/mod.py": "def main():\n    pass\n"})
        env = dict(os.environ, TMPDIR=str(tmpdir))
        check = subprocess.Popen([FREEZE, "check", str(project / "app.toml")], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not list(tmpdir.glob("freeze-check-*/exe/app")):
            self.assertLess(time.monotonic(), deadline)
            self.assertIsNone(check.poll())
            time.sleep(0.01)
        check.kill()
        check.wait()
        [killed] = tmpdir.glob("freeze-check-*")
        # One held by a running check (here: this test holds its lock), one of another kind.
        held, other = tmpdir / "freeze-check-Held01", tmpdir / "freeze-check-notours"
        held.mkdir()
        other.mkdir()
        fd = os.open(held, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            minutes_ago = time.time() - 120  # only directories over a minute old are considered
            for path in (killed, held, other):
                os.utime(path, (minutes_ago, minutes_ago))
            result = subprocess.run([FREEZE, "check", str(project / "app.toml")], env=env, capture_output=True,
                                    text=True, timeout=120)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(sorted(p.name for p in tmpdir.iterdir()), sorted([held.name, other.name]))
        finally:
            os.close(fd)


if __name__ == "__main__":
    unittest.main()

"""Hostile input to `freeze build` (issue #6, part 3): wheels with members that escape the tree,
symlinks, duplicates, contents that differ from RECORD, zip bombs (high ratio, and overlapping
members), names that are not UTF-8; app.toml with routing prefixes or names that escape the
output directory and module names that are not identifiers. Each is refused with one clear
`freeze: error:` line, and nothing is ever written outside the output directory (canary files
and a snapshot of the whole test tree). The output directory is replaced as a whole: a build
that fails, even half-way through swapping directories in, leaves the previous tree as it was.
"""
import base64
import hashlib
import json
import os
import pathlib
import shutil
import struct
import unittest
import zlib

from freezetest import FREEZE, PYTHON_NAME, PYTHON_VERSION, TempDirTestCase, freeze, run, write_tree

DIST_INFO = "demo-1.0.dist-info"
WHEEL_NAME = "demo-1.0-py3-none-any.whl"
REGULAR = 0o100644
SYMLINK = 0o120777


def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def raw_zip(members, aliases=()):
    """A zip written by hand, so that it can hold what zipfile and libzip refuse to write.

    members: [(name: bytes, data: bytes, unix_mode)], each deflated, in order.
    aliases: [(name: bytes, member_index)]: extra central-directory entries that point at the
    local data of an earlier member (overlapping members, as in non-recursive zip bombs)."""
    out = bytearray()
    central = []

    def flags(name):
        # Bit 11 says "the name is UTF-8"; libzip refuses a name that then is not (or holds
        # control characters), so hostile names go out unflagged, as CP437, which it reads.
        return 0x800 if all(32 <= b < 127 for b in name) else 0

    for name, data, mode in members:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = compressor.compress(data) + compressor.flush()
        crc = zlib.crc32(data)
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags(name), 8, 0, 0x21, crc, len(packed), len(data),
                           len(name), 0) + name + packed
        central.append([name, crc, len(packed), len(data), offset, mode])
    for name, index in aliases:
        central.append([name] + central[index][1:])
    start = len(out)
    for name, crc, packed_size, size, offset, mode in central:
        out += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x031E, 20, flags(name), 8, 0, 0x21, crc, packed_size, size,
                           len(name), 0, 0, 0, 0, mode << 16, offset) + name
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(out) - start, start, 0)
    return bytes(out)


def wheel_bytes(members, *, record=None, aliases=(), extra_record=()):
    """A wheel of distribution demo 1.0: members [(name str|bytes, data bytes[, unix mode])] plus
    WHEEL, METADATA and a RECORD that matches them (unless `record` gives its lines)."""
    entries = []
    for member in members:
        name, data, mode = (tuple(member) + (REGULAR,))[:3]
        entries.append((name.encode() if isinstance(name, str) else name, data, mode))
    entries.append((f"{DIST_INFO}/WHEEL".encode(),
                    b"Wheel-Version: 1.0\nGenerator: freeze-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n", REGULAR))
    entries.append((f"{DIST_INFO}/METADATA".encode(), b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n", REGULAR))
    if record is None:
        lines = [f"{name.decode('utf-8', 'surrogateescape')},{record_hash(data)},{len(data)}"
                 for name, data, _ in entries]
        lines += [f"{name.decode()},{record_hash(entries[index][1])},{len(entries[index][1])}"
                  for name, index in aliases]
        record = lines + [f"{DIST_INFO}/RECORD,,"] + list(extra_record)
    entries.append((f"{DIST_INFO}/RECORD".encode(), ("\n".join(record) + "\n").encode("utf-8", "surrogateescape"),
                    REGULAR))
    return raw_zip(entries, aliases)


GOOD_MEMBERS = [("demo/__init__.py", b"def main():\n    print('demo from a wheel')\n")]


def hostile_wheels():
    """{case: (wheel bytes, [texts the error must contain])}: every kind of wheel freeze refuses.
    Also the seed corpus of the wheel fuzz target (fuzz/make_corpus.py)."""
    big = b"\0" * (8 << 20)
    overlap_data = b"A" * ((1 << 20) - 64)
    return {
        "parent_directory": (wheel_bytes(GOOD_MEMBERS + [("../canary.txt", b"overwritten\n")]), ["'..' component"]),
        "parent_inside_path": (wheel_bytes(GOOD_MEMBERS + [("demo/../../canary.txt", b"x\n")]), ["'..' component"]),
        "absolute": (wheel_bytes(GOOD_MEMBERS + [("/tmp/freeze-canary-absolute.py", b"x\n")]), ["absolute path"]),
        "drive_letter": (wheel_bytes(GOOD_MEMBERS + [("C:/evil.py", b"x\n")]), ["absolute path"]),
        "backslash": (wheel_bytes(GOOD_MEMBERS + [("demo\\..\\..\\evil.py", b"x\n")]), ["backslash"]),
        "symlink": (wheel_bytes(GOOD_MEMBERS + [("demo/link.py", b"/etc/passwd", SYMLINK)]), ["symbolic link"]),
        "fifo": (wheel_bytes(GOOD_MEMBERS + [("demo/fifo", b"", 0o010644)]), ["not a regular file"]),
        "duplicate": (wheel_bytes(GOOD_MEMBERS + [("demo/__init__.py", b"VALUE = 'second'\n")]), ["appears twice"]),
        "dot_component": (wheel_bytes(GOOD_MEMBERS + [("demo/./__init__.py", b"x\n")]), ["'.' path component"]),
        "empty_component": (wheel_bytes(GOOD_MEMBERS + [("demo//x.py", b"x\n")]), ["empty path component"]),
        # libzip reads a NUL in a name as a space: refused as not matching RECORD, never truncated.
        "nul_in_name": (wheel_bytes(GOOD_MEMBERS + [(b"demo/x.py\0.txt", b"x\n")]), ["demo/x.py"]),
        "not_utf8": (wheel_bytes(GOOD_MEMBERS + [(b"demo/\xff\xfe.py", b"x\n")]), ["not valid UTF-8", "\\xff"]),
        "control_character": (wheel_bytes(GOOD_MEMBERS + [(b"demo/\x1b[31mred.py", b"x\n")]),
                              ["control character", "\\x1b"]),
        "record_hash": (wheel_bytes(GOOD_MEMBERS, record=[
            f"demo/__init__.py,{record_hash(b'something else')},{len(GOOD_MEMBERS[0][1])}",
            f"{DIST_INFO}/WHEEL,,", f"{DIST_INFO}/METADATA,,", f"{DIST_INFO}/RECORD,,"]),
            ["demo/__init__.py", "sha256 differs from RECORD"]),
        "record_size": (wheel_bytes(GOOD_MEMBERS, record=[
            f"demo/__init__.py,,{len(GOOD_MEMBERS[0][1]) + 1}",
            f"{DIST_INFO}/WHEEL,,", f"{DIST_INFO}/METADATA,,", f"{DIST_INFO}/RECORD,,"]),
            ["demo/__init__.py", "differs from RECORD"]),
        "not_in_record": (wheel_bytes(GOOD_MEMBERS, record=[f"{DIST_INFO}/WHEEL,,", f"{DIST_INFO}/METADATA,,",
                                                            f"{DIST_INFO}/RECORD,,"]),
                          ["demo/__init__.py", "not listed in RECORD"]),
        "zip_bomb_ratio": (wheel_bytes(GOOD_MEMBERS + [("demo/zeros.bin", big)]), ["zip bomb"]),
        # 60 directory entries that all point at one ~1 MiB member: ~60 MiB from a 2 KiB file.
        "zip_bomb_overlap": (wheel_bytes(GOOD_MEMBERS + [("demo/a.txt", overlap_data)],
                                         aliases=[(f"demo/b{i:03}.txt".encode(), 1) for i in range(60)]),
                             ["zip bomb"]),
        "other_projects_dist_info": (raw_zip([(b"demo/__init__.py", b"", REGULAR),
                                              (b"pip-23.0.dist-info/WHEEL", b"Wheel-Version: 1.0\n", REGULAR),
                                              (b"pip-23.0.dist-info/METADATA", b"Name: pip\n", REGULAR)]),
                                     ["pip-23.0.dist-info", "'demo'"]),
        "not_a_zip": (b"PK\3\4 this is not really a zip file", ["not a zip file"]),
        "truncated": (wheel_bytes(GOOD_MEMBERS)[:-30], ["zip"]),
    }


def snapshot(root, skip=()):
    """{relative path: (type, size, mtime, link target)} of everything below root, except the
    directories in skip."""
    root = pathlib.Path(root)
    state = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = pathlib.Path(dirpath)
        dirnames[:] = [d for d in dirnames if here / d not in skip]
        for name in dirnames + filenames:
            path = here / name
            info = path.lstat()
            link = os.readlink(path) if path.is_symlink() else None
            if path.is_dir() and not link:  # its entries are compared one by one
                state[str(path.relative_to(root))] = (info.st_mode, None, None, None)
            else:
                state[str(path.relative_to(root))] = (info.st_mode, info.st_size, info.st_mtime_ns, link)
    return state


class SecurityTestCase(TempDirTestCase):
    CANARY = b"canary: must never change\n"

    def setUp(self):
        self.case_dir = self.tmp / self.id().rsplit(".", 1)[-1]
        self.case_dir.mkdir()
        (self.case_dir / "canary.txt").write_bytes(self.CANARY)
        (self.tmp / "canary.txt").write_bytes(self.CANARY)

    def assert_canaries(self):
        self.assertEqual((self.case_dir / "canary.txt").read_bytes(), self.CANARY)
        self.assertEqual((self.tmp / "canary.txt").read_bytes(), self.CANARY)

    def assert_refused(self, result, *needles):
        """One `freeze: error:` line, exit status 1, naming the culprit."""
        self.assertEqual(result.returncode, 1, result.stderr)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertTrue(lines[0].startswith("freeze: error: "), result.stderr)
        self.assertNotIn("\x1b", result.stderr, "a hostile name reached the terminal unescaped")
        for needle in needles:
            self.assertIn(needle, result.stderr)


class HostileWheelTest(SecurityTestCase):
    def build_with_wheel(self, data, name=WHEEL_NAME):
        project = self.case_dir / "project"
        (project / "wheels").mkdir(parents=True)
        (project / "wheels" / name).write_bytes(data)
        (project / "app.toml").write_text('[app]\nname = "app"\nentry = "demo:main"\n[stdlib]\ninclude = "none"\n'
                                          '[packages]\nwheels = ["wheels/*.whl"]\n')
        before = snapshot(self.tmp, skip={project / "dist"})
        result = freeze("build", project / "app.toml", check=False)
        self.assertEqual(snapshot(self.tmp, skip={project / "dist"}), before, "freeze build wrote outside dist/")
        return project, result

    def test_valid_handmade_wheel_builds_and_runs(self):
        # The hand-made zips are valid when nothing hostile is in them.
        project, result = self.build_with_wheel(wheel_bytes(GOOD_MEMBERS + [("demo/data/x.txt", b"data\n")]))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(run([project / "dist" / "app"]).stdout, "demo from a wheel\n")

    def test_hostile_wheels_are_refused(self):
        for case, (data, needles) in hostile_wheels().items():
            with self.subTest(case):
                self.case_dir = self.tmp / f"wheel-{case}"
                self.case_dir.mkdir()
                (self.case_dir / "canary.txt").write_bytes(self.CANARY)
                project, result = self.build_with_wheel(data)
                self.assert_refused(result, WHEEL_NAME, *needles)
                self.assertFalse((project / "dist").exists(), f"{case}: a refused build left output")
                self.assert_canaries()
        self.assertFalse(pathlib.Path("/tmp/freeze-canary-absolute.py").exists())

    def test_wheel_file_names(self):
        data = wheel_bytes(GOOD_MEMBERS)
        abi = "cp" + PYTHON_VERSION.replace(".", "")
        for name, needle in [(f"demo-1.0-{abi}-{abi}-win_amd64.whl", "not Linux"),
                             ("demo-1.0.whl", "'-'-separated parts"),
                             ("demo-1.0-py3-none-any.zip", "matches no file")]:
            with self.subTest(name):
                self.case_dir = self.tmp / f"name-{name}"
                self.case_dir.mkdir()
                _, result = self.build_with_wheel(data, name)
                self.assert_refused(result, needle)


class HostileConfigTest(SecurityTestCase):
    BASE = '[app]\nname = "app"\nentry = "good"\n[stdlib]\ninclude = "none"\n[packages]\npaths = ["src"]\n'

    def build(self, toml, name="project"):
        project = self.case_dir / name
        write_tree(project, {"src/good.py": "print('good')\n", "app.toml": toml})
        before = snapshot(self.tmp, skip={project / "dist"})
        result = freeze("build", project / "app.toml", check=False)
        self.assertEqual(snapshot(self.tmp, skip={project / "dist"}), before, "freeze build wrote outside dist/")
        return project, result

    def assert_config_refused(self, toml, *needles):
        self.case_dir = self.tmp / f"config-{len(list(self.tmp.iterdir()))}"
        self.case_dir.mkdir()
        (self.case_dir / "canary.txt").write_bytes(self.CANARY)
        project, result = self.build(toml)
        self.assert_refused(result, "app.toml", *needles)
        self.assertFalse((project / "dist").exists())
        self.assert_canaries()

    def test_routing_prefixes_outside_the_output_directory(self):
        for prefix in ["..", "../x", "../../canary", "/tmp/x", "/", "a/../../x", "a/..", "./x", "x/./y", "x//y",
                       "..\\\\x", "", "x/\\u0000"]:
            for location in ["filesystem-relative:", "prefer-in-memory-fallback-filesystem-relative:"]:
                with self.subTest(prefix=prefix, location=location):
                    self.assert_config_refused(self.BASE + f'[routing]\ndefault = "{location}{prefix}"\n',
                                               "routing.default")
                    self.assert_config_refused(
                        self.BASE + f'[[routing.rule]]\nkind = ["module"]\nlocation = "{location}{prefix}"\n',
                        "routing.rule.location")

    def test_executable_names_outside_the_output_directory(self):
        for name in ["../app", "../../canary.txt", "/tmp/app", "a/b", "..", ".", "", "app\\u0000x", "app\\nx",
                     "app\\u001b[31m"]:
            with self.subTest(name=name):
                self.assert_config_refused(self.BASE.replace('name = "app"', f'name = "{name}"'), "app.name")

    def test_module_names_that_are_not_identifiers(self):
        for entry in ["../good:main", "good.py", "good:main()", "good; import os", "good:", ":main", "a-b:main",
                      "1good", "good..x", "good:a..b", "/abs/good", "good:main:x", "good\\u0000"]:
            with self.subTest(entry=entry):
                self.assert_config_refused(self.BASE.replace('entry = "good"', f'entry = "{entry}"'), "app.entry")
        for name in ["../x", "a-b", "a/b", ""]:
            with self.subTest(exclude=name):
                self.assert_config_refused(
                    self.BASE.replace('include = "none"\n', f'include = "none"\nexclude = ["{name}"]\n'),
                    "stdlib.exclude")
        site = self.tmp / "site"
        site.mkdir(exist_ok=True)
        for name in ["../x", "a.b", "a/b", "", "*"]:
            with self.subTest(include=name):
                self.assert_config_refused(
                    self.BASE + f'site_packages = [{{ dir = "{site}", include = ["{name}"] }}]\n',
                    "packages.site_packages.include")


class OutputContainmentTest(SecurityTestCase):
    """Where `freeze build` writes: only below the output directory, through no symlink planted
    there, and all or nothing."""

    FILES = {"src/good/__init__.py": "", "src/good/main.py": "def main():\n    from good import data\n    print(data.VALUE)\n",
             "src/good/data.py": "VALUE = 'version 1'\n", "site/other.py": "X = 1\n"}
    # The app's code goes to lib/app/, the third-party module to local/lib/python3.X/dist-packages/:
    # two top-level directories beside the executable.
    TOML = ('[app]\nname = "app"\nentry = "good.main:main"\n[stdlib]\ninclude = "none"\n[packages]\npaths = ["src"]\n'
            'site_packages = [{ dir = "site", include = ["other"] }]\n'
            '[[routing.rule]]\nname = ["good", "other"]\nlocation = "filesystem-relative"\n')

    def project(self):
        project = self.case_dir / "project"
        write_tree(project, dict(self.FILES, **{"app.toml": self.TOML}))
        return project

    def tree(self, dist):
        return {str(p.relative_to(dist)): (p.read_bytes() if p.is_file() else None)
                for p in sorted(dist.rglob("*"))}

    def test_writes_only_below_the_output_directory(self):
        project = self.project()
        before = snapshot(self.tmp, skip={project / "dist"})
        freeze("build", project / "app.toml", "-q")
        self.assertEqual(snapshot(self.tmp, skip={project / "dist"}), before)
        dist = project / "dist"
        real = (dist / "app").resolve().parent  # dist/app is a symlink to the executable there
        self.assertEqual(sorted(p.name for p in dist.iterdir()), sorted(["app", real.name]))
        files = sorted(str(p.relative_to(real)) for p in real.rglob("*") if p.is_file())
        self.assertIn("app", files)
        self.assertIn("lib/app/good/data.py", files)
        self.assertIn(f"local/lib/{PYTHON_NAME}/dist-packages/other.py", files)
        self.assertTrue(all(f == "app" or f.startswith(("lib/", "local/")) for f in files), files)
        self.assertEqual(run([project / "dist" / "app"]).stdout, "version 1\n")

    def test_planted_symlinks_are_replaced_not_followed(self):
        project = self.project()
        outside = self.case_dir / "outside"
        outside.mkdir()
        (outside / "keep.txt").write_bytes(self.CANARY)
        dist = project / "dist"
        dist.mkdir()
        (dist / "app").symlink_to(self.case_dir / "canary.txt")  # the executable's own path
        (dist / "lib").symlink_to(outside)  # a directory of the installation
        (dist / "local").symlink_to("../../outside")
        before = snapshot(self.case_dir, skip={dist})
        freeze("build", project / "app.toml", "-q")
        self.assertEqual(snapshot(self.case_dir, skip={dist}), before)
        self.assert_canaries()
        self.assertEqual(sorted(p.name for p in outside.iterdir()), ["keep.txt"])
        # dist/app is now freeze's own symlink into its build directory; lib and local are not
        # written (the routed files are in that directory), so they stay as they were.
        self.assertRegex(os.readlink(dist / "app"), r"^\.app\.freeze-[A-Za-z0-9]{6}/app$")
        self.assertEqual(os.readlink(dist / "local"), "../../outside")
        self.assertEqual(run([dist / "app"]).stdout, "version 1\n")

    def test_failed_build_keeps_the_whole_previous_tree(self):
        project = self.project()
        freeze("build", project / "app.toml", "-q")
        before = self.tree(project / "dist")
        (project / "src" / "good" / "data.py").write_text("VALUE = 'version 2'\n")
        (project / "site" / "other.py").write_text("def broken(:\n")
        result = freeze("build", project / "app.toml", check=False)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertEqual(self.tree(project / "dist"), before)

    def test_failure_at_the_switch_leaves_the_previous_output(self):
        # The switch to the new output is one symlink renamed over dist/app: make creating that
        # symlink fail (strace's fault injection) once everything else is written.
        if not shutil.which("strace"):
            self.skipTest("needs strace")
        project = self.project()
        freeze("build", project / "app.toml", "-q")
        dist = project / "dist"
        before = self.tree(dist)
        (project / "src" / "good" / "data.py").write_text("VALUE = 'version 2'\n")
        result = run(["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=symlink", "-e", "inject=symlink:error=EIO",
                      FREEZE, "build", project / "app.toml", "-q"])
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("freeze: error: ", result.stderr)
        self.assertIn("Input/output error", result.stderr)
        self.assertEqual(self.tree(dist), before, "a failed build changed the previous output or left files")
        self.assertEqual(run([dist / "app"]).stdout, "version 1\n")

    def test_symlink_loops_in_package_paths_end(self):
        project = self.project()
        os.symlink("..", project / "src" / "good" / "up")
        os.symlink("..", project / "src" / "good" / "up2")
        result = run([FREEZE, "build", project / "app.toml", "-q"], timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        names = json.loads(run([FREEZE, "inspect", "--json", project / "dist" / "app"]).stdout)["resources"]
        self.assertFalse([r["name"] for r in names if ".up." in r["name"]])  # each directory walked once


if __name__ == "__main__":
    unittest.main()

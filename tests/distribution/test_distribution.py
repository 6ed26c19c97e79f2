"""freeze with a CPython distribution it built from source (distribution/): executables that
start in debootstrapped Debian 11, 12 and 13 roots with no Python, with the stdlib's extension
modules builtin and nothing loaded through a memfd.

Slow (the first run builds the build root, the distribution with LTO and three test roots:
tens of minutes on 2 cores; later runs reuse them from ~/.cache/freeze), so registered only
with -DFREEZE_DISTRIBUTION_TESTS=ON: ctest -L distribution, once per version in
FREEZE_DISTRIBUTION_VERSIONS. FREEZE_TEST_PYTHON_VERSION names the version (3.11 by default);
FREEZE_TEST_DISTRIBUTION=DIR uses an existing distribution instead of building or finding one."""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "integration"))
from freezetest import SOURCE_DIR, TempDirTestCase, copy_example, freeze, write_tree  # noqa: E402

sys.path.insert(0, str(SOURCE_DIR / "distribution"))
from built import built_distribution  # noqa: E402
MAKE_ROOT = SOURCE_DIR / "distribution" / "make_root.py"
SUITES = ["bullseye", "bookworm", "trixie"]
VERSION = os.environ.get("FREEZE_TEST_PYTHON_VERSION", "3.11")
GLIBC_LIMIT = (2, 31)

IMPORT_HEAVY = '''
import argparse, asyncio, bz2, csv, ctypes, dataclasses, datetime, decimal, email.message, hashlib
import http.client, json, logging, lzma, pathlib, sqlite3, ssl, subprocess, sys, tempfile, typing
import unittest, urllib.request, uuid, xml.etree.ElementTree, zlib

def main():
    print("version: %d.%d" % sys.version_info[:2], sys.implementation.cache_tag)
    wanted = ["_ssl", "_sqlite3", "_ctypes", "_decimal", "_hashlib", "_lzma", "_bz2", "zlib", "pyexpat", "_uuid", "_gdbm",
              "_dbm"]
    print("missing builtins:", [m for m in wanted if m not in sys.builtin_module_names])
    with open("/proc/self/maps") as f:
        print("memfd mappings:", sum("memfd:" in line for line in f))
    print("sqlite:", sqlite3.connect(":memory:").execute("select 6 * 7").fetchone()[0])
    print("decimal:", decimal.Decimal(1) / decimal.Decimal(7))
    print("sha256:", hashlib.sha256(b"freeze").hexdigest()[:16])
    print("ssl context:", type(ssl.create_default_context()).__name__, ssl.OPENSSL_VERSION.split()[0],
          ssl.OPENSSL_VERSION_INFO[0], ssl.get_default_verify_paths().openssl_capath)
    print("ctypes:", ctypes.CDLL(None).getpid() > 0)
    print("lzma:", lzma.decompress(lzma.compress(b"x" * 100)) == b"x" * 100)
    print("xml:", xml.etree.ElementTree.fromstring("<a><b/></a>")[0].tag)
    # dbm.gnu (_gdbm) and dbm.ndbm (_dbm, the builder's static libgdbm_compat).
    import dbm.gnu, dbm.ndbm
    with tempfile.TemporaryDirectory() as scratch:
        for name, module in (("gnu", dbm.gnu), ("ndbm", dbm.ndbm)):
            with module.open(scratch + "/" + name, "c") as db:
                db[b"key"] = b"value " + name.encode()
            with module.open(scratch + "/" + name, "r") as db:
                print("dbm." + name + ":", db[b"key"].decode())
'''


def newest_glibc(path):
    dump = subprocess.run(["objdump", "-T", str(path)], capture_output=True, text=True, check=True).stdout
    versions = {tuple(map(int, m.groups())) for m in re.finditer(r"\bGLIBC_(\d+)\.(\d+)", dump)}
    return max(versions)


def distribution_dir():
    if os.environ.get("FREEZE_TEST_DISTRIBUTION"):
        return pathlib.Path(os.environ["FREEZE_TEST_DISTRIBUTION"])
    return built_distribution(VERSION, python="/usr/bin/python3.11")


def test_root(suite):
    result = subprocess.run(["/usr/bin/python3.11", MAKE_ROOT, suite], stdout=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise AssertionError(f"making the {suite} root failed (its error and log are above)")
    return pathlib.Path(result.stdout.strip().splitlines()[-1])


def run_in_root(root, executable, *args):
    """Copies executable into root and runs it there (private mount namespace, /proc mounted)."""
    inside = pathlib.Path(tempfile.mkdtemp(prefix="freeze-test-", dir=root / "tmp"))
    try:
        shutil.copy2(executable, inside / executable.name)
        target = "/" + str((inside / executable.name).relative_to(root))
        script = f"mount -t proc proc '{root}/proc' && exec chroot '{root}' env -i PATH=/usr/bin:/bin {target} " + " ".join(args)
        return subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                              capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(inside, ignore_errors=True)


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("debootstrap"), "needs root and debootstrap")
class DistributionTest(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.distribution = distribution_dir()
        cls.roots = {suite: test_root(suite) for suite in SUITES}
        hello_dir = copy_example("hello", cls.tmp / "hello")
        freeze("build", hello_dir / "app.toml", "-q", "--distribution", cls.distribution)
        cls.hello = hello_dir / "dist" / "hello"
        # Chosen by version (found in the cache, where the builder put it) unless given by path;
        # for 3.11 both, as version = "3.11" alone is Debian's CPython, the one freeze embeds.
        by_path = os.environ.get("FREEZE_TEST_DISTRIBUTION") or VERSION == "3.11"
        chooser = f'version = "{VERSION}"' + (f'\ndistribution = "{cls.distribution}"' if by_path else "")
        heavy_dir = write_tree(cls.tmp / "heavy", {
            "heavy.py": IMPORT_HEAVY,
            "app.toml": f'[app]\nname = "heavy"\nentry = "heavy:main"\n[python]\n{chooser}\n'
                        '[packages]\npaths = ["."]\n'})
        freeze("build", heavy_dir / "app.toml", "-q")
        cls.heavy = heavy_dir / "dist" / "heavy"

    def test_launcher_needs_glibc_2_31_at_most(self):
        launcher = self.distribution / "bin" / "freeze-launcher"
        self.assertLessEqual(newest_glibc(launcher), GLIBC_LIMIT, launcher)
        for executable in (self.hello, self.heavy):
            self.assertLessEqual(newest_glibc(executable), GLIBC_LIMIT, executable)

    def test_roots_have_no_python(self):
        for suite, root in self.roots.items():
            self.assertEqual(list((root / "usr/bin").glob("python*")), [], suite)
            self.assertFalse((root / "usr/lib/python3").exists(), suite)

    def test_hello_runs_in_every_root(self):
        for suite, root in self.roots.items():
            with self.subTest(suite=suite):
                result = run_in_root(root, self.hello)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(result.stdout, "Hello, world! (frozen: True)\n")

    def test_import_heavy_app_uses_builtins_and_no_memfd(self):
        for suite, root in self.roots.items():
            with self.subTest(suite=suite):
                result = run_in_root(root, self.heavy)
                self.assertEqual(result.returncode, 0, result.stderr)
                tag = "cpython-" + VERSION.replace(".", "")
                self.assertIn(f"version: {VERSION} {tag}\n", result.stdout)  # its bytecode, its interpreter
                self.assertIn("missing builtins: []\n", result.stdout)
                self.assertIn("memfd mappings: 0\n", result.stdout)
                self.assertIn("sqlite: 42\n", result.stdout)
                self.assertIn("decimal: 0.1428571428571428571428571429\n", result.stdout)
                # OpenSSL 3 built by freeze, reading the certificate store of the system it runs on.
                self.assertIn("ssl context: SSLContext OpenSSL 3 /etc/ssl/certs\n", result.stdout)
                self.assertIn("ctypes: True\n", result.stdout)
                self.assertIn("lzma: True\n", result.stdout)
                self.assertIn("xml: b\n", result.stdout)
                self.assertIn("dbm.gnu: value gnu\n", result.stdout)
                self.assertIn("dbm.ndbm: value ndbm\n", result.stdout)

    def test_no_extension_module_or_system_library_is_embedded(self):
        listing = freeze("inspect", self.heavy, "--list").stdout
        self.assertNotRegex(listing, r"(?m)^(extension|shared-library) ")

    def test_manifest_describes_the_interpreter(self):
        import json
        manifest = json.loads((self.distribution / "manifest.json").read_text())
        self.assertTrue(manifest["version"].startswith(VERSION + "."))
        self.assertEqual(manifest["cache_tag"], "cpython-" + VERSION.replace(".", ""))
        self.assertIn("_ssl", manifest["builtin_module_names"])
        self.assertLessEqual(tuple(map(int, manifest["glibc"].split("."))), GLIBC_LIMIT)
        self.assertIn("--with-lto", manifest["configure_options"])


if __name__ == "__main__":
    unittest.main()

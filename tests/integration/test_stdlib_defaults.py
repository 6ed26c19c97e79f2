"""Defaults that cost size (issue 13): a full-stdlib build leaves out tkinter with its _tkinter
extension (which would bring Tcl/Tk and X11 libraries along when Debian's python3-tk is
installed) and the test packages of stdlib packages; setting [stdlib] exclude brings them back."""
import json
import os
import subprocess
import unittest

from freezetest import DISTRIBUTION, PYTHON, PYTHON_STDLIB, TempDirTestCase, build_app, freeze, run

TK_EXTENSION = "/usr/lib/python3.11/lib-dynload/_tkinter.cpython-311-x86_64-linux-gnu.so"
# (Debian installs idlelib.idle_test without idlelib: a namespace package to python, not in freeze's stdlib.)
TEST_PACKAGES = ["unittest.test", "ctypes.test", "distutils.tests", "lib2to3.tests", "tkinter.test"]
PROBE = '''
import importlib.util
for name in ["_tkinter", "tkinter"] + %r:
    try:
        found = importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        found = False
    print(name, found)
try:
    import _tkinter  # the extension loads, with Tcl/Tk from memory
    print("Tcl", _tkinter.TCL_VERSION)
except ImportError as error:
    print(type(error).__name__)
''' % TEST_PACKAGES
TK_LIBRARIES = ("libtk", "libtcl", "libX11", "libxcb", "libXft", "libfontconfig", "libfreetype")


def toml(name, exclude=None):
    text = f'[app]\nname = "{name}"\ncode = """{PROBE}"""\n'
    if exclude is not None:
        text += f"[stdlib]\nexclude = {json.dumps(exclude)}\n"
    return text


@unittest.skipUnless(os.path.exists(TK_EXTENSION), "needs Debian's python3-tk (scripts/install-deps.sh)")
class StdlibDefaults(TempDirTestCase):
    def resources(self, exe):
        return {r["name"] for r in json.loads(freeze("inspect", "--json", exe).stdout)["resources"]}

    def run_hidden(self, exe):
        """Runs exe with the stdlib directories hidden when unshare -m is permitted: what it finds is embedded."""
        empty = self.tmp / "empty"
        empty.mkdir(exist_ok=True)
        if subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode != 0:
            return run([exe])
        return run(["unshare", "-m", "sh", "-c", f'mount --bind "{empty}" {PYTHON_STDLIB} && exec "$0"', exe])

    def test_default_leaves_out_tk_and_test_packages(self):
        exe = build_app(self.tmp / "default", toml("default"))
        names = self.resources(exe)
        self.assertNotIn("_tkinter", names)
        self.assertEqual([n for n in names if n.startswith(tuple("system-libs/" + lib for lib in TK_LIBRARIES))], [])
        for package in ["tkinter"] + TEST_PACKAGES:
            self.assertEqual([n for n in names if n == package or n.startswith(package + ".")], [], package)
        self.assertIn("unittest", names)  # their parents stay
        self.assertIn("ctypes", names)
        result = self.run_hidden(exe)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "".join(f"{name} False\n" for name in ["_tkinter", "tkinter"] + TEST_PACKAGES)
                         + "ModuleNotFoundError\n")

    @unittest.skipIf(DISTRIBUTION, "a distribution of freeze's own has no Tk and no test packages")
    def test_an_explicit_exclude_brings_them_back(self):
        exe = build_app(self.tmp / "explicit", toml("explicit", ["test", "turtledemo"]))
        names = self.resources(exe)
        self.assertIn("_tkinter", names)
        self.assertTrue(any(n.startswith("system-libs/libtk8.6") for n in names), sorted(names))
        for package in TEST_PACKAGES:
            self.assertIn(package, names)
        result = self.run_hidden(exe)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, run([PYTHON, "-S", "-c", PROBE]).stdout)  # -S: as frozen, no setuptools distutils hack
        self.assertEqual(result.stdout, "".join(f"{name} True\n" for name in ["_tkinter", "tkinter"] + TEST_PACKAGES)
                         + "Tcl 8.6\n")


if __name__ == "__main__":
    unittest.main()

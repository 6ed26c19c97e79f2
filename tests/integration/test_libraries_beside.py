"""Libraries that native code finds beside itself through its run path ($ORIGIN), loaded from
memory: an extension module needing pkg/libdep.so.1 (pyarrow's lib.*.so needs
pyarrow/libarrow.so.1500), a library loaded by its path needing one in ../lib (a Qt plugin needs
Qt/lib/libQt5Gui.so.5). The dynamic loader would look for them in /proc/self/fd, where $ORIGIN
points for a memory file; freeze loads them first, matched by their DT_SONAME."""
import shutil
import subprocess
import unittest

from freezetest import EXT_SUFFIX, PYTHON, TempDirTestCase, can_hide_pythons, freeze, run, run_hidden, write_tree

EXTENSION = """
#include <Python.h>
int base(void);
static PyObject* answer(PyObject* self, PyObject* args) { return PyLong_FromLong(base() + 2); }
static PyMethodDef methods[] = {{"answer", answer, METH_NOARGS, ""}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_ext", NULL, -1, methods};
PyMODINIT_FUNC PyInit__ext(void) { return PyModule_Create(&module); }
"""


def python_include():
    """The C headers of the interpreter the tests freeze for (Debian's 3.11, or a distribution's)."""
    return subprocess.run([PYTHON, "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"],
                          capture_output=True, text=True, check=True).stdout.strip()


def cc(*args):
    subprocess.run(["cc", "-shared", "-fPIC", *map(str, args)], check=True)


@unittest.skipUnless(shutil.which("cc"), "needs a C compiler")
class LibrariesBesideTest(TempDirTestCase):
    def run_app(self, exe):
        return (run_hidden if can_hide_pythons() else run)([exe]).stdout

    def test_an_extension_module_needing_a_library_beside_it_loads_from_memory(self):
        root = write_tree(self.tmp / "ext", {
            "src/extpkg/__init__.py": "from ._ext import answer\n",
            "src/main.py": """
                import importlib.resources, extpkg
                def main():
                    data = importlib.resources.files("extpkg").joinpath("libdep.so.1").read_bytes()
                    print(extpkg.answer(), data[:4] == b"\\x7fELF")
                """,
            "dep.c": "int base(void) { return 40; }\n",
            "ext.c": EXTENSION,
            "app.toml": '[app]\nname = "ext"\nentry = "main:main"\n[packages]\npaths = ["src"]\n',
        })
        package = root / "src/extpkg"
        # Package data by its name (not named like an extension module), with a DT_SONAME.
        cc("-o", package / "libdep.so.1", "-Wl,-soname,libdep.so.1", root / "dep.c")
        (package / "libdep.so").symlink_to("libdep.so.1")
        cc(f"-I{python_include()}", "-o", package / f"_ext{EXT_SUFFIX}", root / "ext.c",
           f"-L{package}", "-ldep", "-Wl,-rpath,$ORIGIN")
        (package / "libdep.so").unlink()
        result = freeze("build", root)
        self.assertNotIn("libdep.so.1", result.stderr)  # no "system library ... not found" warning
        self.assertEqual(self.run_app(root / "dist" / "ext"), "42 True\n")
        self.assertRegex(freeze("check", root).stdout, r"all \d+ checks passed")

    def test_a_library_loaded_by_path_finds_the_one_it_needs_in_its_run_path(self):
        # A plugin loaded by its path (dlopen from C, ctypes here), needing a library in ../lib
        # through DT_RPATH as auditwheel writes it.
        root = write_tree(self.tmp / "plugin", {
            "src/host/__init__.py": """
                import ctypes, os
                here = os.path.dirname(__file__)
                plugin = ctypes.CDLL(os.path.join(here, "plugins", "libplugin.so"))
                again = ctypes.CDLL(os.path.join(here, "plugins", "libplugin.so"))
                core = ctypes.CDLL(os.path.join(here, "lib", "libcore.so.2"))
                def answer():
                    return plugin.answer(), again._handle == plugin._handle, core.base()
                """,
            "src/main.py": "import host\ndef main():\n    print(*host.answer())\n",
            "core.c": "int base(void) { return 40; }\n",
            "plugin.c": "int base(void);\nint answer(void) { return base() + 2; }\n",
            "app.toml": '[app]\nname = "plugin"\nentry = "main:main"\n[packages]\npaths = ["src"]\n',
        })
        lib = root / "src/host/lib"
        lib.mkdir()
        (root / "src/host/plugins").mkdir()
        cc("-o", lib / "libcore.so.2", "-Wl,-soname,libcore.so.2", root / "core.c")
        (lib / "libcore.so").symlink_to("libcore.so.2")
        cc("-o", root / "src/host/plugins/libplugin.so", root / "plugin.c", f"-L{lib}", "-lcore",
           "-Wl,-rpath,$ORIGIN/../lib", "-Wl,--disable-new-dtags")
        (lib / "libcore.so").unlink()
        freeze("build", root, "-q")
        # The library the plugin needs is the one loaded, once: base() through either handle.
        self.assertEqual(self.run_app(root / "dist" / "plugin"), "42 True 40\n")

    def test_a_library_beside_without_a_soname_needs_the_filesystem(self):
        # The loader matches a library loaded from memory only by its DT_SONAME: without one,
        # the build says to route the package holding both to the filesystem.
        root = write_tree(self.tmp / "nosoname", {
            "src/extpkg/__init__.py": "from ._ext import answer\n",
            "src/main.py": "import extpkg\ndef main():\n    print(extpkg.answer())\n",
            "dep.c": "int base(void) { return 40; }\n",
            "ext.c": EXTENSION,
            "app.toml": '[app]\nname = "nosoname"\nentry = "main:main"\n[packages]\npaths = ["src"]\n',
        })
        package = root / "src/extpkg"
        cc("-o", package / "libdep.so", root / "dep.c")
        cc(f"-I{python_include()}", "-o", package / f"_ext{EXT_SUFFIX}", root / "ext.c",
           f"-L{package}", "-ldep", "-Wl,-rpath,$ORIGIN")
        result = freeze("build", root, check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("extension 'extpkg.libdep'", result.stderr)
        self.assertIn("which extpkg._ext needs, cannot be loaded from memory: it has no DT_SONAME; route them to "
                      'filesystem-relative ([[routing.rule]] name = "extpkg")', result.stderr)
        self.assertFalse((root / "dist" / "nosoname").exists())
        with open(root / "app.toml", "a") as config:
            config.write('[[routing.rule]]\nname = "extpkg"\nlocation = "filesystem-relative"\n')
        freeze("build", root, "-q")
        self.assertEqual(self.run_app(root / "dist" / "nosoname"), "42\n")


if __name__ == "__main__":
    unittest.main()

"""freeze installs like a real tool (README "Installing"): `cmake --install build --prefix P`
gives P/bin/freeze, the launcher stub in P/libexec/freeze/, the man page and the docs, and the
installed CLI works with the source and build trees out of reach (hidden by bind mounts): it
reads nothing of them (strace), builds the hello example, and the result runs with every Python
hidden. The .deb of `cpack -G DEB` holds the same tree under /usr, depends on the packages that
provide what the CLI and the launcher load, and works once unpacked anywhere."""
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import unittest

from freezetest import (DISTRIBUTION, FREEZE, PYTHON, PYTHON_VERSION, SOURCE_DIR, TempDirTestCase, can_hide_pythons,
                        clean_env, run, run_hidden, untraced_leak_checks)

BUILD_DIR = pathlib.Path(FREEZE).resolve().parent
CMAKE = os.environ.get("FREEZE_CMAKE", "cmake")
CPACK = os.environ.get("FREEZE_CPACK", "cpack")
# The trees the installed CLI must not need; the build directory first, because it may lie inside
# the source tree (once the source tree is hidden, its path no longer exists to mount over).
TREES = [BUILD_DIR, SOURCE_DIR.resolve()]


def quote(argument):
    return "'" + str(argument).replace("'", "'\\''") + "'"


def run_without_trees(argv, cwd, **kwargs):
    """Runs argv in cwd with the source and build trees hidden (empty directories bind-mounted
    over them in a private mount namespace), in a clean environment."""
    empty = tempfile.mkdtemp(prefix="freeze-empty-")
    mounts = [f"mount --bind {quote(empty)} {quote(tree)}" for tree in TREES]
    check_hidden = [f"test ! -e {quote(BUILD_DIR / 'freeze')}"]
    script = " && ".join(mounts + check_hidden + [f"cd {quote(cwd)}", "exec " + " ".join(map(quote, argv))])
    kwargs.setdefault("env", clean_env())
    kwargs.setdefault("timeout", 300)
    try:
        # cwd is also set for unshare itself: a working directory inside a hidden tree would still reach it.
        return run(["unshare", "-m", "sh", "-c", script], cwd=cwd, **kwargs)
    finally:
        os.rmdir(empty)


def files_touched(trace):
    """Every path an strace -e trace=%file log names."""
    return set(re.findall(r'"(/[^"]*)"', pathlib.Path(trace).read_text()))


@unittest.skipUnless(can_hide_pythons(), "needs root and unshare -m")
class InstalledFreezeTest(TempDirTestCase):
    """The tree `cmake --install` writes, used from there alone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.prefix = cls.tmp / "prefix"
        result = run([CMAKE, "--install", BUILD_DIR, "--prefix", cls.prefix], timeout=300)
        if result.returncode != 0:
            raise AssertionError(f"cmake --install failed:\n{result.stdout}\n{result.stderr}")
        cls.freeze = cls.prefix / "bin" / "freeze"

    def assert_freezes_hello(self, freeze, work):
        """freeze (an installed CLI) builds the installed hello example with the trees hidden, reading
        nothing of them, and the result runs with every Python hidden."""
        work.mkdir()
        version = run_without_trees([freeze, "--version"], cwd=work)
        self.assertEqual(version.returncode, 0, version.stderr)
        self.assertRegex(version.stdout, r"^freeze \S+ \(CPython 3\.11\)")

        hello = shutil.copytree(freeze.parent.parent / "share" / "doc" / "freeze" / "examples" / "hello", work / "hello")
        argv = [freeze, "build", "-q"]
        trace = work / "build.strace"
        env = clean_env()
        if shutil.which("strace"):
            argv = ["strace", "-f", "-qq", "-o", trace, "-e", "trace=%file,execve", *argv]
            env = untraced_leak_checks(env)  # strace runs inside unshare: run() cannot see it
        build = run_without_trees(argv, cwd=hello, env=env)
        self.assertEqual(build.returncode, 0, build.stderr)
        self.assertEqual(build.stderr, "")
        if trace.exists():
            touched = files_touched(trace)
            self.assertIn(str(freeze.parent.parent / "libexec" / "freeze" / "freeze-launcher"),
                          {os.path.normpath(path) for path in touched})
            for tree in TREES:
                self.assertEqual([path for path in touched if path == str(tree) or path.startswith(f"{tree}/")], [],
                                 f"the installed freeze looked into {tree}")

        expected = run([PYTHON, hello / "hello.py", "installed"]).stdout.replace("(frozen: False)", "(frozen: True)")
        frozen = run_hidden([hello / "dist" / "hello", "installed"])
        self.assertEqual((frozen.returncode, frozen.stdout, frozen.stderr), (0, expected, ""))

    def test_installed_files(self):
        for relative in ("bin/freeze", "libexec/freeze/freeze-launcher"):
            self.assertTrue(os.access(self.prefix / relative, os.X_OK), relative)
        for relative in ("share/man/man1/freeze.1", "share/doc/freeze/README.md", "share/doc/freeze/docs/tutorial.md",
                         "share/doc/freeze/docs/troubleshooting.md", "share/doc/freeze/examples/hello/app.toml"):
            self.assertTrue((self.prefix / relative).is_file(), relative)
        # The CLI finds the launcher in libexec, not beside itself as in the build tree.
        self.assertFalse((self.prefix / "bin" / "freeze-launcher").exists())
        self.assertEqual([], [p.name for p in (self.prefix / "share/doc/freeze/examples").rglob("dist")])

    def test_installed_distribution_builder(self):
        # `freeze distribution build` runs the builder installed in share/freeze, which builds the
        # launcher from the launcher sources installed beside it: the very files this freeze was
        # built from (their key is the one compiled in, so a cached distribution stays current).
        share = self.prefix / "share" / "freeze"
        for relative in ("distribution/freeze_distribution.py", "distribution/build_cpython.sh", "CMakeLists.txt",
                         "launcher/main.cpp", "importer/CMakeLists.txt", "format/CMakeLists.txt", "cmake/EmbeddedPython.cmake"):
            self.assertTrue((share / relative).is_file(), relative)
        header = self.tmp / "installed_key.h"
        result = run([PYTHON, share / "distribution" / "launcher_build.py", "--source-key-header", header])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(header.read_text(), (BUILD_DIR / "packager" / "generated" / "launcher_source_key.h").read_text())

        work = self.tmp / "builder-work"
        work.mkdir()
        cache = self.tmp / "empty-cache"
        listed = run_without_trees([self.freeze, "distribution", "list"], cwd=work, env=clean_env(FREEZE_CACHE_DIR=str(cache)))
        self.assertEqual((listed.returncode, listed.stderr), (0, ""))
        self.assertEqual(listed.stdout, f"no CPython distributions in {cache}/distributions "
                                        "(freeze distribution build VERSION builds one)\n")
        # The installed builder runs (with the trees hidden): a version Debian has no source of
        # fails in it, with its own one-line message, before anything is built.
        usage = run_without_trees([self.freeze, "distribution", "build"], cwd=work)
        self.assertEqual(usage.returncode, 1)
        self.assertEqual(usage.stderr.splitlines(),
                         ["freeze: error: freeze distribution build: give a VERSION (3.11, 3.13, ...) or --source TARBALL"])
        wrong = run_without_trees([self.freeze, "distribution", "build", "--source", work / "Python-9.9.9.tar.xz"], cwd=work)
        self.assertEqual(wrong.returncode, 2)
        self.assertIn("--source: File does not exist", wrong.stderr)
        (work / "Python-9.9.9.tar.xz").write_bytes(b"not a tarball")
        broken = run_without_trees([self.freeze, "distribution", "build", "--source", work / "Python-9.9.9.tar.xz"], cwd=work,
                                   env=clean_env(FREEZE_CACHE_DIR=str(cache)))
        self.assertNotEqual(broken.returncode, 0)
        self.assertIn("Python-9.9.9.tar.xz", broken.stderr)

    @unittest.skipUnless(DISTRIBUTION, "needs a distribution of freeze's (FREEZE_TEST_DISTRIBUTION)")
    def test_installed_freeze_builds_for_another_version(self):
        # The installed builder, with the trees hidden, finds the suite's distribution current (the
        # installed launcher sources are the ones it was built from), and the installed CLI then
        # freezes hello for that version: [python] version, nothing of the trees.
        distribution = pathlib.Path(DISTRIBUTION)
        if distribution.parent != pathlib.Path(os.environ.get("FREEZE_CACHE_DIR") or
                                               os.path.expanduser("~/.cache/freeze")) / "distributions":
            self.skipTest(f"{distribution} is not in the cache the builder uses")
        work = self.tmp / "other-version"
        work.mkdir()
        built = run_without_trees([self.freeze, "distribution", "build", PYTHON_VERSION], cwd=work, timeout=1800)
        self.assertEqual(built.returncode, 0, built.stderr)
        self.assertEqual(built.stdout, f"{distribution}\n")
        self.assertIn("launcher cached", built.stderr)
        hello = shutil.copytree(self.prefix / "share" / "doc" / "freeze" / "examples" / "hello", work / "hello")
        config = hello / "app.toml"
        config.write_text(config.read_text() + f'\n[python]\nversion = "{PYTHON_VERSION}"\n')
        build = run_without_trees([self.freeze, "build", "-q"], cwd=hello)
        self.assertEqual((build.returncode, build.stderr), (0, ""))
        frozen = run_hidden([hello / "dist" / "hello", "installed"])
        self.assertEqual((frozen.returncode, frozen.stdout, frozen.stderr), (0, "Hello, installed! (frozen: True)\n", ""))
        inspected = run_without_trees([self.freeze, "inspect", "--json", hello / "dist" / "hello"], cwd=work)
        self.assertEqual(json.loads(inspected.stdout)["settings"]["python.version"], PYTHON_VERSION, inspected.stderr)

    def test_installed_freeze_builds_without_the_trees(self):
        self.assert_freezes_hello(self.freeze, self.tmp / "work")

    def test_man_page_renders(self):
        page = self.prefix / "share" / "man" / "man1" / "freeze.1"
        result = run_without_trees(["man", "-l", page], cwd=self.tmp,
                                   env=clean_env(MANPAGER="cat", MANWIDTH="100", LANG="C.UTF-8"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("freeze - turn a Python application into one native executable", result.stdout)
        self.assertIn("freeze build", result.stdout)
        self.assertIn("[app] name", result.stdout)  # the README's app.toml reference

    @unittest.skipUnless(all(shutil.which(tool) for tool in (CPACK, "dpkg-deb", "dpkg-shlibdeps", "dpkg-query")),
                         "needs cpack and Debian's dpkg-dev")
    def test_debian_package(self):
        # The build directory's own CPack configuration, as `cpack -G DEB` there uses it; only the
        # output goes elsewhere. (cpack first brings the build up to date: a no-op after a build.)
        out = self.tmp / "deb"
        result = run([CPACK, "-G", "DEB", "--config", BUILD_DIR / "CPackConfig.cmake", "-B", out], cwd=BUILD_DIR,
                     timeout=600)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        (deb,) = out.glob("freeze_*.deb")

        field = lambda name: run(["dpkg-deb", "-f", deb, name]).stdout.strip()  # noqa: E731
        self.assertEqual(field("Package"), "freeze")
        depends = {re.split(r"[ (]", item.strip())[0] for item in field("Depends").split(",")}
        contents = run(["dpkg-deb", "--contents", deb]).stdout
        for path in ("./usr/bin/freeze", "./usr/libexec/freeze/freeze-launcher", "./usr/share/man/man1/freeze.1",
                     "./usr/share/doc/freeze/README.md"):
            self.assertRegex(contents, rf"\s{re.escape(path)}\n")

        root = self.tmp / "root"
        self.assertEqual(run(["dpkg-deb", "-x", deb, root]).returncode, 0)
        # Depends names the package of every shared library the two executables link (DT_NEEDED;
        # what those need in turn comes with their own packages), and of the stdlib the CLI embeds.
        owners = {}
        for executable in ("usr/bin/freeze", "usr/libexec/freeze/freeze-launcher"):
            needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.*)\]", run(["readelf", "-d", root / executable]).stdout)
            self.assertIn("libc.so.6", needed)
            loaded = run(["ldd", root / executable]).stdout
            paths = dict(re.findall(r"^\s*(\S+) => (/\S+)", loaded, re.M))
            paths.update((os.path.basename(path), path) for path in re.findall(r"^\s*(/\S+) \(", loaded, re.M))
            for library in needed:
                owners[library] = package_of(paths[library])
        owners["/usr/lib/python3.11/json/__init__.py"] = package_of("/usr/lib/python3.11/json/__init__.py")
        self.assertEqual({library: owner for library, owner in owners.items() if owner not in depends}, {},
                         f"Depends: {field('Depends')}")

        self.assert_freezes_hello(root / "usr" / "bin" / "freeze", self.tmp / "deb-work")


def package_of(path):
    """The Debian package that installed path (following the /lib -> /usr/lib merge)."""
    for candidate in (path, os.path.realpath(path), re.sub(r"^/usr/lib/", "/lib/", os.path.realpath(path))):
        result = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True)
        if result.returncode == 0:
            return result.stdout.split(":", 1)[0].strip()
    return None


if __name__ == "__main__":
    unittest.main()

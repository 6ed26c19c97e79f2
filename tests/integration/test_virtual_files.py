"""Embedded files readable by path, from memory (issue 11, item 2): the paths a frozen program
hands out (__file__, __path__, package data) work with open, io.open_code, os.stat, os.listdir,
os.scandir, os.walk/fwalk, glob, pathlib, pkgutil, Jinja2's PackageLoader, and with C code
(libxml2/libxslt through lxml, OpenSSL through ssl), exactly as under python, with every Python installation hidden; changes get EROFS, a
real file at the same path wins, and nothing is written to disk."""
import json
import pathlib
import re
import shutil
import unittest

from freezetest import (DIST_PACKAGES, PYTHON, TempDirTestCase, build_app, can_hide_pythons, clean_env, run, run_hidden,
                        uses_debian_python3_11)



def run_python(src, code, **kwargs):
    """The same code under python from the sources (-B: no __pycache__ in the listings)."""
    return run([PYTHON, "-B", "-I", "-c", f"import sys; sys.path.insert(0, '.'); {code}"], cwd=src, **kwargs)


PLUGIN_APP = {
    "src/plug/__init__.py": "",
    "src/plug/plugins/__init__.py": "",
    "src/plug/plugins/alpha.py": "NAME = 'alpha'\n",
    "src/plug/plugins/beta.py": "NAME = 'beta'\n",
    "src/plug/data/greeting.txt": "hello data\n",
    "src/plug/data/blob.bin": bytes(range(256)) * 40,
    "src/plug/data/sub/deep.txt": "deep\n",
    "src/plug/data/sub/deeper/leaf.cfg": "[leaf]\nkey = value\n",
    "src/plug/probe.py": r'''
import errno, glob, importlib, io, json, os, pathlib, pkgutil, stat, sys

HERE = os.path.dirname(__file__)


def rel(path):
    return os.path.relpath(path, HERE)


def kind(path):
    st = os.stat(path)
    return "dir" if stat.S_ISDIR(st.st_mode) else "file" if stat.S_ISREG(st.st_mode) else "other"


def read_only():
    data = os.path.join(HERE, "data")
    out = {}
    out["exists"] = [os.path.exists(__file__), os.path.isfile(__file__), os.path.isdir(HERE),
                     os.path.isdir(data), os.path.exists(os.path.join(data, "missing.txt"))]
    # Plugin registration by listing the package's directory, as many applications do.
    plugins = sorted(n[:-3] for n in os.listdir(os.path.join(HERE, "plugins")) if n.endswith(".py") and n != "__init__.py")
    out["plugins"] = [importlib.import_module("plug.plugins." + n).NAME for n in plugins]
    out["listdir"] = sorted(os.listdir(sys.modules["plug"].__path__[0]))
    out["scandir"] = sorted((e.name, e.is_dir(), e.is_file(), e.is_symlink(), e.stat().st_size if e.is_file() else None)
                            for e in os.scandir(data))
    out["walk"] = sorted((rel(root), sorted(dirs), sorted(files)) for root, dirs, files in os.walk(HERE))
    out["fwalk"] = sorted((rel(root), sorted(dirs), sorted(files)) for root, dirs, files, fd in os.fwalk(data))
    out["glob"] = sorted(rel(p) for p in glob.glob(os.path.join(HERE, "**", "*.*"), recursive=True))
    out["pathlib"] = sorted(str(p.relative_to(HERE)) for p in pathlib.Path(HERE).rglob("*"))
    out["pathlib_kinds"] = sorted((p.name, p.is_dir(), p.is_file()) for p in pathlib.Path(data).iterdir())
    out["sizes"] = {rel(p): [os.path.getsize(p), os.stat(p).st_size, os.lstat(p).st_size, kind(p)]
                    for p in sorted(glob.glob(os.path.join(data, "**"), recursive=True))}
    with open(os.path.join(data, "greeting.txt")) as f:
        out["text"] = f.read()
    with open(os.path.join(data, "blob.bin"), "rb") as f:
        f.seek(250)
        chunk = f.read(10)
        f.seek(0, os.SEEK_END)
        out["binary"] = [list(chunk), f.tell(), os.fstat(f.fileno()).st_size, stat.S_ISREG(os.fstat(f.fileno()).st_mode)]
        out["same_file"] = [os.path.samestat(os.fstat(f.fileno()), os.stat(f.name)),
                            os.path.samestat(os.stat(f.name), os.stat(os.path.join(data, "greeting.txt")))]
    out["inodes"] = all(e.inode() == e.stat().st_ino for e in os.scandir(data))
    out["pathlib_read"] = pathlib.Path(data, "sub", "deeper", "leaf.cfg").read_text()
    with io.open_code(__file__) as f:
        out["source"] = f.read().decode().splitlines()[1]
    out["get_data"] = pkgutil.get_data("plug", "data/sub/deep.txt").decode()
    out["access"] = [os.access(__file__, os.R_OK), os.access(HERE, os.R_OK | os.X_OK), os.access(data, os.F_OK)]
    out["samefile"] = [os.path.samefile(HERE, os.path.join(data, "..")), os.path.samefile(HERE, data)]
    out["realpath"] = rel(os.path.realpath(os.path.join(data, "sub", "..", "greeting.txt")))
    out["trailing_slash"] = [os.path.isdir(data + "/"), os.path.exists(os.path.join(data, "greeting.txt") + "/"),
                             errno.errorcode[_error(lambda: open(os.path.join(data, "greeting.txt") + "/"))]]
    out["not_a_dir"] = errno.errorcode[_error(lambda: os.listdir(os.path.join(data, "greeting.txt")))]
    out["missing"] = errno.errorcode[_error(lambda: open(os.path.join(data, "missing.txt")))]
    # A directory by descriptor: os.open, listdir/scandir of the descriptor, fstat, stat with dir_fd.
    fd = os.open(data, os.O_RDONLY | os.O_DIRECTORY)
    try:
        out["fd"] = [stat.S_ISDIR(os.fstat(fd).st_mode), sorted(os.listdir(fd)),
                     os.stat("greeting.txt", dir_fd=fd).st_size, sorted(e.name for e in os.scandir(fd))]
        with open("sub/deep.txt", opener=lambda name, flags: os.open(name, flags, dir_fd=fd)) as f:
            out["fd"].append(f.read())
    finally:
        os.close(fd)
    # The working directory in a package's directory, then relative paths.
    cwd = os.getcwd()
    os.chdir(data)
    try:
        with open("greeting.txt") as f:
            out["chdir"] = [f.read(), sorted(os.listdir(".")), os.path.isfile("sub/deep.txt"), rel(os.getcwd())]
    finally:
        os.chdir(cwd)
    return out


def _error(call):
    try:
        call()
    except OSError as error:
        return error.errno
    return 0
''',
    "src/plug/main.py": r'''
import errno, json, os, shutil, stat, sys, tempfile
from plug import probe

def attempt(call):
    try:
        call()
        return "ok"
    except OSError as error:
        return errno.errorcode[error.errno]

def changes():
    here, data = probe.HERE, os.path.join(probe.HERE, "data")
    greeting = os.path.join(data, "greeting.txt")
    return {
        "create": attempt(lambda: open(os.path.join(data, "new.txt"), "w")),
        "create_exclusive": attempt(lambda: open(greeting, "x")),
        "append": attempt(lambda: open(greeting, "a")),
        "update": attempt(lambda: open(greeting, "r+")),
        "truncate": attempt(lambda: os.truncate(greeting, 0)),
        "mkdir_new": attempt(lambda: os.mkdir(os.path.join(data, "newdir"))),
        "mkdir_existing": attempt(lambda: os.mkdir(os.path.join(data, "sub"))),
        "makedirs_exist_ok": attempt(lambda: os.makedirs(os.path.join(data, "sub"), exist_ok=True)),
        "makedirs_new": attempt(lambda: os.makedirs(os.path.join(data, "a", "b"))),
        "unlink": attempt(lambda: os.unlink(greeting)),
        "rmdir": attempt(lambda: os.rmdir(os.path.join(data, "sub", "deeper"))),
        "rename": attempt(lambda: os.rename(greeting, os.path.join(data, "moved.txt"))),
        "chmod": attempt(lambda: os.chmod(greeting, 0o600)),
        "utime": attempt(lambda: os.utime(greeting)),
        "symlink": attempt(lambda: os.symlink("greeting.txt", os.path.join(data, "link"))),
        "rmtree": attempt(lambda: shutil.rmtree(os.path.join(data, "sub"))),
        "access_w": os.access(greeting, os.W_OK),
        # Removing what exists neither for real nor embedded changes nothing: ENOENT, as python.
        "unlink_missing_in_virtual_dir": attempt(lambda: os.unlink(os.path.join(data, "absent.pyc"))),
        # The executable's directory is real: a missing file there is missing, a new one is created.
        "unlink_missing_in_real_dir": attempt(lambda: os.unlink(os.path.join(os.path.dirname(sys.executable), "x.pyc"))),
        "create_in_real_dir": attempt(lambda: (open(os.path.join(os.path.dirname(sys.executable), "scratch"), "w").close(),
                                               os.unlink(os.path.join(os.path.dirname(sys.executable), "scratch")))),
        "modes": [oct(stat.S_IMODE(os.stat(greeting).st_mode)), oct(stat.S_IMODE(os.stat(data).st_mode)),
                  oct(stat.S_IMODE(os.stat(__file__).st_mode))],
        "still_readable": open(greeting).read(),
    }

def copy2():
    # shutil.copy2 copies extended attributes (none here) after the bytes and the times.
    greeting = os.path.join(probe.HERE, "data", "greeting.txt")
    with tempfile.TemporaryDirectory() as scratch:
        copied = shutil.copy2(greeting, scratch)
        return [open(copied).read(), os.listxattr(greeting), attempt(lambda: os.getxattr(greeting, "user.none"))]

def main():
    if sys.argv[1:] == ["copy2"]:
        print(json.dumps(copy2()))
    elif sys.argv[1:] == ["changes"]:
        print(json.dumps(changes(), sort_keys=True))
    else:
        print(json.dumps(probe.read_only(), sort_keys=True))
''',
}
PLUGIN_TOML = '[app]\nname = "vfsapp"\nentry = "plug.main:main"\n[packages]\npaths = ["src"]\n'


def tree_listing(root):
    return sorted(str(p.relative_to(root)) for p in pathlib.Path(root).rglob("*"))


@unittest.skipUnless(can_hide_pythons(), "needs root and unshare -m")
class VirtualFilesTest(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.project = cls.tmp / "project"
        cls.exe = build_app(cls.project, PLUGIN_TOML, PLUGIN_APP)

    def frozen(self, *args):
        result = run_hidden([self.exe, *args], env=clean_env())
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout)

    def test_reads_by_path_as_python_does(self):
        python = run_python(self.project / "src", "import plug.main; sys.argv[1:] = []; plug.main.main()", env=clean_env())
        self.assertEqual(python.returncode, 0, python.stderr)
        expected = json.loads(python.stdout)
        frozen = self.frozen()
        self.assertEqual(frozen, expected)
        # The facts themselves, so that a python change cannot make both wrong alike.
        self.assertEqual(frozen["plugins"], ["alpha", "beta"])
        self.assertEqual(frozen["listdir"], ["__init__.py", "data", "main.py", "plugins", "probe.py"])
        self.assertEqual(frozen["sizes"]["data/blob.bin"], [10240, 10240, 10240, "file"])
        self.assertEqual(frozen["binary"], [[250, 251, 252, 253, 254, 255, 0, 1, 2, 3], 10240, 10240, True])
        self.assertEqual(frozen["chdir"][0], "hello data\n")

    def test_shutil_copy2_copies_an_embedded_file(self):
        # copy2 lists the source's extended attributes: an embedded file has none.
        self.assertEqual(self.frozen("copy2"), ["hello data\n", [], "ENODATA"])

    def test_changes_are_refused_and_nothing_is_written(self):
        before = tree_listing(self.exe.parent)
        result = self.frozen("changes")
        self.assertEqual(result, {
            "create": "EROFS", "create_exclusive": "EEXIST", "append": "EROFS", "update": "EROFS",
            "truncate": "EROFS", "mkdir_new": "EROFS", "mkdir_existing": "EEXIST", "makedirs_exist_ok": "ok",
            "makedirs_new": "EROFS", "unlink": "EROFS", "rmdir": "EROFS", "rename": "EROFS", "chmod": "EROFS",
            "utime": "EROFS", "symlink": "EROFS", "rmtree": "EROFS", "access_w": False,
            "unlink_missing_in_real_dir": "ENOENT", "unlink_missing_in_virtual_dir": "ENOENT", "create_in_real_dir": "ok",
            "modes": ["0o444", "0o555", "0o444"], "still_readable": "hello data\n",
        })
        self.assertEqual(tree_listing(self.exe.parent), before)

    @unittest.skipUnless(shutil.which("strace"), "strace is not installed")
    def test_nothing_touches_the_disk(self):
        log = self.tmp / "strace.log"
        traced = ("open,openat,openat2,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,rmdir,"
                  "symlink,symlinkat,link,linkat,truncate,chmod,fchmodat,chown,fchownat,mknod,mknodat,memfd_create")
        result = run(["strace", "-f", "-qq", "-e", f"trace={traced}", "-o", log, self.exe], env=clean_env())
        self.assertEqual(result.returncode, 0, result.stderr)
        calls = log.read_text().splitlines()
        writes = [c for c in calls if re.search(r"O_(WRONLY|RDWR|CREAT|TRUNC)", c) and "/dev/null" not in c
                  or re.search(r"\b(creat|mkdir\w*|rename\w*|unlink\w*|rmdir|symlink\w*|link\w*|truncate|"
                               r"chmod|fchmodat|chown|fchownat|mknod\w*)\(", c)]
        self.assertEqual(writes, [], "the executable wrote to the filesystem")
        # The embedded files were served from sealed memory files.
        self.assertTrue(any('memfd_create("freeze:greeting.txt"' in c for c in calls), "\n".join(calls[-20:]))

    def test_a_real_file_at_the_same_path_wins(self):
        real = self.exe.parent / "lib" / "app" / "plug" / "data"  # the package's place in the installation
        real.mkdir(parents=True)
        try:
            (real / "greeting.txt").write_text("the real one\n")
            (real / "extra.txt").write_text("real only\n")
            result = self.frozen()
            self.assertEqual(result["text"], "the real one\n")
            # The real directory is listed with the virtual entries it lacks.
            self.assertEqual([e[0] for e in result["scandir"]], ["blob.bin", "extra.txt", "greeting.txt", "sub"])
            self.assertEqual(result["sizes"]["data/greeting.txt"][0], len("the real one\n"))
            self.assertEqual(result["listdir"], ["__init__.py", "data", "main.py", "plugins", "probe.py"])
            # A real file can be changed; a virtual one still cannot.
            changes = self.frozen("changes")
            self.assertEqual(changes["append"], "ok")
            self.assertEqual(changes["mkdir_existing"], "EEXIST")
            self.assertEqual(changes["rmdir"], "EROFS")
        finally:
            shutil.rmtree(self.exe.parent / "lib")


XSL_APP = {
    "src/xslpkg/__init__.py": "",
    "src/xslpkg/xsl/style.xsl": """\
        <?xml version="1.0"?>
        <xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
          <xsl:include href="common.xsl"/>
          <xsl:output method="text"/>
          <xsl:template match="/items">
            <xsl:for-each select="item"><xsl:call-template name="line"/></xsl:for-each>
          </xsl:template>
        </xsl:stylesheet>
        """,
    "src/xslpkg/xsl/common.xsl": """\
        <?xml version="1.0"?>
        <xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
          <xsl:variable name="names" select="document('names.xml')/names"/>
          <xsl:template name="line">
            <xsl:variable name="code" select="@code"/>
            <xsl:value-of select="$code"/>: <xsl:value-of select="$names/name[@code=$code]"/><xsl:text>&#10;</xsl:text>
          </xsl:template>
        </xsl:stylesheet>
        """,
    "src/xslpkg/xsl/names.xml": '<names><name code="fr">France</name><name code="de">Germany</name></names>\n',
    "src/xslpkg/main.py": """\
        import os
        from lxml import etree

        def main():
            # libxml2 (C) opens the stylesheet by path, then libxslt the include and document().
            here = os.path.join(os.path.dirname(__file__), "xsl")
            transform = etree.XSLT(etree.parse(os.path.join(here, "style.xsl")))
            print(str(transform(etree.fromstring("<items><item code='de'/><item code='fr'/></items>"))), end="")
            print(etree.parse(os.path.join(here, "names.xml")).getroot()[0].text)
        """,
}
XSL_TOML = """\
[app]
name = "xslapp"
entry = "xslpkg.main:main"
[packages]
paths = ["src"]
site_packages = [{ dir = "/usr/lib/python3/dist-packages", include = ["lxml"] }]
"""


@unittest.skipUnless(can_hide_pythons(), "needs root and unshare -m")
@unittest.skipUnless((DIST_PACKAGES / "lxml").is_dir(), "python3-lxml is not installed")
@uses_debian_python3_11
class CLibrariesReadByPathTest(TempDirTestCase):
    def test_libxslt_opens_embedded_stylesheets(self):
        project = self.tmp / "xsl"
        exe = build_app(project, XSL_TOML, XSL_APP)
        python = run_python(project / "src", "import xslpkg.main as m; m.main()", env=clean_env())
        self.assertEqual(python.returncode, 0, python.stderr)
        frozen = run_hidden([exe], env=clean_env())
        self.assertEqual(frozen.returncode, 0, frozen.stderr)
        self.assertEqual(frozen.stdout, python.stdout)
        self.assertEqual(frozen.stdout, "de: Germany\nfr: France\nFrance\n")
        self.assertFalse((exe.parent / "xslpkg").exists())  # read from memory, not from a file


SSL_APP = {
    "src/certs/__init__.py": "",
    "src/certs/data/ca.pem": pathlib.Path("/etc/ssl/certs/ca-certificates.crt").read_text()
    if pathlib.Path("/etc/ssl/certs/ca-certificates.crt").is_file() else "",
    "src/certs/main.py": """\
        import os, ssl

        def main():
            # OpenSSL (C) opens the CA bundle by its path in the package.
            context = ssl.create_default_context(cafile=os.path.join(os.path.dirname(__file__), "data", "ca.pem"))
            certificates = context.get_ca_certs()
            print(len(certificates), sorted(dict(x[0] for x in c["subject"]).get("commonName", "") for c in certificates)[:3])
        """,
}
SSL_TOML = '[app]\nname = "sslapp"\nentry = "certs.main:main"\n[packages]\npaths = ["src"]\n'


@unittest.skipUnless(can_hide_pythons(), "needs root and unshare -m")
@unittest.skipUnless(pathlib.Path("/etc/ssl/certs/ca-certificates.crt").is_file(), "ca-certificates is not installed")
class OpenSSLReadsByPathTest(TempDirTestCase):
    def test_openssl_loads_an_embedded_ca_file(self):
        project = self.tmp / "ssl"
        exe = build_app(project, SSL_TOML, SSL_APP)
        python = run_python(project / "src", "import certs.main as m; m.main()", env=clean_env())
        self.assertEqual(python.returncode, 0, python.stderr)
        frozen = run_hidden([exe], env=clean_env())
        self.assertEqual(frozen.returncode, 0, frozen.stderr)
        self.assertEqual(frozen.stdout, python.stdout)
        self.assertGreater(int(frozen.stdout.split()[0]), 10)


JINJA_APP = {
    "src/tpl/__init__.py": "",
    "src/tpl/templates/base.txt": "== {% block title %}{% endblock %} ==\n{% block body %}{% endblock %}\n",
    "src/tpl/templates/page.txt": "{% extends 'base.txt' %}{% block title %}{{ name }}{% endblock %}"
                                  "{% block body %}{% include 'parts/item.txt' %}{% endblock %}",
    "src/tpl/templates/parts/item.txt": "- {{ name | upper }}",
    "src/tpl/main.py": """\
        from jinja2 import Environment, PackageLoader

        def main():
            # PackageLoader finds the templates directory by path below the package's __path__.
            env = Environment(loader=PackageLoader("tpl"))
            print(env.get_template("page.txt").render(name="report"), sorted(env.list_templates()))
        """,
}
JINJA_TOML = """\
[app]
name = "tplapp"
entry = "tpl.main:main"
[packages]
paths = ["src"]
site_packages = [{ dir = "/usr/lib/python3/dist-packages", include = ["jinja2", "markupsafe"] }]
"""


@unittest.skipUnless(can_hide_pythons(), "needs root and unshare -m")
@unittest.skipUnless((DIST_PACKAGES / "jinja2").is_dir(), "python3-jinja2 is not installed")
@uses_debian_python3_11
class JinjaPackageLoaderTest(TempDirTestCase):
    def test_package_loader_reads_templates_by_path(self):
        project = self.tmp / "jinja"
        exe = build_app(project, JINJA_TOML, JINJA_APP)
        python = run_python(project / "src", "import tpl.main as m; m.main()", env=clean_env())
        self.assertEqual(python.returncode, 0, python.stderr)
        frozen = run_hidden([exe], env=clean_env())
        self.assertEqual(frozen.returncode, 0, frozen.stderr)
        self.assertEqual(frozen.stdout, python.stdout)
        self.assertIn("- REPORT", frozen.stdout)


# A script app laid out as sqlmap is: the script at the root of its directory, its code in
# packages beside it, and data in directories that are no package, found from the script's
# __file__ (data/ and tool.conf are listed in data_files; docs/ is not, and stays out).
SCRIPT_APP = {
    "app/tool.py": r"""
import json, os, sys
from lib import paths
ROOT = os.path.dirname(os.path.abspath(__file__))
out = {
    "conf": open(os.path.join(ROOT, "tool.conf")).read(),
    "words": paths.words(),
    "listdir": sorted(os.listdir(os.path.join(ROOT, "data"))),
    "walk": sorted((os.path.relpath(r, ROOT), sorted(d), sorted(f)) for r, d, f in os.walk(os.path.join(ROOT, "data"))),
    "binary": list(open(os.path.join(ROOT, "data", "bin", "table.bin"), "rb").read()[-4:]),
    "lib_is_package_only": sorted(n for n in os.listdir(os.path.join(ROOT, "lib")) if n != "__pycache__"),
    "docs": os.path.exists(os.path.join(ROOT, "docs", "readme.md")),
}
print(json.dumps(out))
""",
    "app/lib/__init__.py": "",
    "app/lib/paths.py": "import os\nROOT = os.path.dirname(os.path.dirname(__file__))\n"
                        "def words():\n    return open(os.path.join(ROOT, 'data', 'txt', 'words.txt')).read().split()\n",
    "app/lib/notes.txt": "package data, shipped as always\n",
    "app/data/txt/words.txt": "alpha beta gamma\n",
    "app/data/txt/more/deep.txt": "deep\n",
    "app/data/bin/table.bin": bytes(range(256)),
    "app/tool.conf": "[tool]\nlevel = 3\n",
    "app/docs/readme.md": "# not shipped\n",
}
SCRIPT_TOML = """\
[app]
name = "tool"
entry = "tool"
[packages]
paths = ["app"]
data_files = ["data", "*.conf"]
"""


@unittest.skipUnless(can_hide_pythons(), "needs root and unshare -m")
class DataOutsidePackagesTest(TempDirTestCase):
    def expected(self, project):
        python = run([PYTHON, "-B", "-E", "-s", project / "app" / "tool.py"], env=clean_env())
        self.assertEqual(python.returncode, 0, python.stderr)
        expected = json.loads(python.stdout)
        self.assertTrue(expected["docs"])
        expected["docs"] = False  # not in data_files
        return expected

    def check(self, exe, expected):
        frozen = run_hidden([exe], env=clean_env())
        self.assertEqual(frozen.returncode, 0, frozen.stderr)
        frozen = json.loads(frozen.stdout)
        self.assertEqual(frozen, expected)
        self.assertEqual(frozen["words"], ["alpha", "beta", "gamma"])
        self.assertEqual(frozen["listdir"], ["bin", "txt"])
        self.assertEqual(frozen["binary"], [252, 253, 254, 255])

    def test_data_files_are_read_from_memory_beside_the_script(self):
        project = self.tmp / "memory"
        exe = build_app(project, SCRIPT_TOML, SCRIPT_APP)
        self.check(exe, self.expected(project))
        self.assertEqual(sorted(p.name for p in exe.parent.iterdir()), ["tool"], "nothing beside the executable")

    def test_data_files_routed_to_the_filesystem_are_written_beside_it(self):
        project = self.tmp / "disk"
        toml = SCRIPT_TOML + '[[routing.rule]]\nkind = ["resource"]\nstdlib = false\nlocation = "filesystem-relative"\n'
        exe = build_app(project, toml, SCRIPT_APP)
        self.check(exe, self.expected(project))
        app_dir = exe.resolve().parent / "lib" / "app"
        self.assertEqual((app_dir / "data" / "txt" / "words.txt").read_text(), "alpha beta gamma\n")
        self.assertEqual((app_dir / "tool.conf").read_text(), "[tool]\nlevel = 3\n")
        self.assertFalse((app_dir / "docs").exists())


BLACK_TOML = """\
[app]
name = "blackapp"
entry = "console_script:black"
[packages]
site_packages = [{ dir = "/usr/lib/python3/dist-packages", include = ["black", "blib2to3", "_black_version", "click",
                   "mypy_extensions", "pathspec", "platformdirs", "packaging", "typing_extensions"] }]
"""
UGLY = 'x = {  "a":37,"b":42,\n"c":927}\ndef f(a,):\n  return a\nclass  C( object ) :\n  pass\n'


@unittest.skipUnless(can_hide_pythons(), "needs root and unshare -m")
@unittest.skipUnless((DIST_PACKAGES / "black").is_dir(), "black is not installed")
@uses_debian_python3_11
class BlackTest(TempDirTestCase):
    def test_black_formats_with_its_grammar_read_by_path(self):
        # blib2to3 reads Grammar.txt next to its __file__ (os.path.isfile, then open).
        exe = build_app(self.tmp / "black", BLACK_TOML)
        env = clean_env(HOME=str(self.tmp / "home"), XDG_CACHE_HOME=str(self.tmp / "cache"))
        python = run([PYTHON, "-m", "black", "-q", "-"], input=UGLY, env=env)
        self.assertEqual(python.returncode, 0, python.stderr)
        frozen = run_hidden([exe, "-q", "-"], input=UGLY, env=env)
        self.assertEqual(frozen.returncode, 0, frozen.stderr)
        self.assertEqual(frozen.stdout, python.stdout)
        self.assertIn('x = {"a": 37, "b": 42, "c": 927}', frozen.stdout)


if __name__ == "__main__":
    unittest.main()

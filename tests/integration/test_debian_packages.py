"""Real Debian-installed packages with extension modules and package data, frozen from
/usr/lib/python3/dist-packages: PyYAML with its C loader, Jinja2 + MarkupSafe rendering
templates read as package data, psutil, and cffi calling into libc. Each app runs with
everything in memory and with the Mercurial-style routing, and must print what
/usr/bin/python3.11 prints."""
import json
import shutil
import unittest

from freezetest import DIST_PACKAGES, PYTHON, TempDirTestCase, build_app, clean_env, freeze, run, uses_debian_python3_11

NEEDED = ["yaml", "_yaml", "jinja2", "markupsafe", "psutil", "cffi", "_cffi_backend.cpython-311-x86_64-linux-gnu.so"]

APP = {
    "src/realapp/__init__.py": "",
    "src/realapp/templates/report.txt": "{% for k, v in items %}{{ k }}={{ v|e }}\n{% endfor %}{{ title|upper }}",
    "src/realapp/main.py": """
        import importlib.metadata as md
        import importlib.resources
        import json, os, sys

        import cffi, jinja2, markupsafe, psutil, yaml

        def template_source(name):
            return importlib.resources.files("realapp").joinpath("templates", name).read_text()

        def main():
            loaded = yaml.load("a: 1\\nb: [x, y]\\nc: {d: <e>}\\n", Loader=yaml.CLoader)
            dumped = yaml.dump(loaded, Dumper=yaml.CDumper)
            env = jinja2.Environment(loader=jinja2.FunctionLoader(template_source), autoescape=False)
            rendered = env.get_template("report.txt").render(items=sorted(loaded.items()), title="done")
            ffi = cffi.FFI()
            ffi.cdef("int getpid(void); size_t strlen(const char *);")
            libc = ffi.dlopen(None)
            me = psutil.Process()
            print(json.dumps({
                "yaml": loaded, "yaml_c": yaml.__with_libyaml__, "dumped": dumped,
                "rendered": rendered,
                "escaped": str(markupsafe.escape("<b>&</b>")),
                "speedups": markupsafe.escape.__module__,
                "cffi": [libc.getpid() == os.getpid(), libc.strlen(b"freeze")],
                "psutil": [me.pid == os.getpid(), psutil.cpu_count() >= 1, me.memory_info().rss > 0],
                "versions": {n: md.version(n) for n in ("PyYAML", "Jinja2", "MarkupSafe", "psutil", "cffi")},
                "jinja2_requires": md.requires("Jinja2"),
            }, sort_keys=True))
        """,
}

TOML = """
[app]
name = "{name}"
entry = "realapp.main:main"

[packages]
paths = ["src"]
site_packages = [{{ dir = "/usr/lib/python3/dist-packages", include = ["yaml", "_yaml", "jinja2", "markupsafe", "psutil", "cffi", "_cffi_backend", "pycparser", "ply"] }}]
{routing}
"""

ROUTING_HG = """
[[routing.rule]]
stdlib = false
kind = ["module", "resource", "metadata", "extension", "shared-library"]
location = "filesystem-relative"
"""


@uses_debian_python3_11
class DebianPackagesTest(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        missing = [n for n in NEEDED if not (DIST_PACKAGES / n).exists()]
        if missing:
            raise unittest.SkipTest(f"Debian packages not installed: {missing} (scripts/install-deps.sh installs them)")
        super().setUpClass()
        source = cls.tmp / "reference"
        for path, text in APP.items():
            target = source / path
            target.parent.mkdir(parents=True, exist_ok=True)
            import textwrap
            target.write_text(textwrap.dedent(text))
        result = run([PYTHON, "-c", "from realapp.main import main; main()"],
                     env=clean_env(PYTHONPATH=str(source / "src")))
        assert result.returncode == 0, result.stderr
        cls.expected = json.loads(result.stdout)
        assert cls.expected["yaml_c"] is True and cls.expected["speedups"] == "markupsafe._speedups"

    def check(self, name, routing):
        exe = build_app(self.tmp / name, TOML.format(name=name, routing=routing), APP)
        result = run([exe], env=clean_env())
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout), self.expected)
        return exe

    def test_in_memory(self):
        exe = self.check("inmem", "")
        listing = json.loads(freeze("inspect", "--json", exe).stdout)
        kinds = {r["name"]: r["kind"] for r in listing["resources"]}
        for extension in ("yaml._yaml", "markupsafe._speedups", "psutil._psutil_linux", "_cffi_backend"):
            self.assertEqual(kinds.get(extension), "extension", extension)
        self.assertEqual(kinds.get("realapp/templates/report.txt"), "resource")
        self.assertEqual(kinds.get("PyYAML-6.0.dist-info/METADATA"), "metadata")
        # One file, runs alone.
        alone = self.tmp / "alone"
        alone.mkdir()
        shutil.copy2(exe, alone / "app")
        result = run([alone / "app"], env=clean_env(), cwd="/")
        self.assertEqual(json.loads(result.stdout), self.expected)

    def test_mercurial_style_routing(self):
        exe = self.check("hg", ROUTING_HG)
        self.assertTrue((exe.resolve().parent / "local/lib/python3.11/dist-packages/yaml/_yaml.cpython-311-x86_64-linux-gnu.so").is_file())
        self.assertTrue((exe.resolve().parent / "lib/app/realapp/templates/report.txt").is_file())


if __name__ == "__main__":
    unittest.main()

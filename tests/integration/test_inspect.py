"""`freeze inspect`: the summary (interpreter, entry, sizes by kind, location and package), the full
list, stable JSON, and the --html size map, rendered in headless Chromium: it draws, and the
treemap's biggest boxes are the biggest packages."""
import html.parser
import json
import os
import shutil
import subprocess
import unittest

from freezetest import DISTRIBUTION, PYTHON_VERSION, TempDirTestCase, freeze, write_tree

JSON_FIELDS = {"name", "kind", "location", "stored_size", "raw_size", "data_stored_size", "aux_stored_size",
               "group", "top_level"}
MODULE_FIELDS = {"package", "stdlib", "has_source", "bytecode_size", "source_size"}
# Debian's stdlib loads libssl, libcrypto & co.; a distribution of freeze's own links them in.
SYSTEM_LIBRARIES = not DISTRIBUTION
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def app_files():
    # An app with one package much bigger than the other, and package data.
    big = "\n".join(f"def function_{i}(x):\n    return x * {i} + {i * 7} - len('{os.urandom(24).hex()}')\n"
                    for i in range(1500))
    return {
        "app.toml": """
            [app]
            name = "sized"
            entry = "small.cli:main"
            [stdlib]
            exclude = ["test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "distutils", "unittest",
                       "pydoc_data", "asyncio", "email", "xml", "ctypes", "multiprocessing", "encodings.cp*"]
            [packages]
            paths = ["src"]
            [[routing.rule]]
            name = "small.data"
            location = "filesystem-relative"
            """,
        "src/small/__init__.py": "",
        "src/small/cli.py": "def main():\n    print('small')\n",
        "src/small/data/table.txt": "x" * 4000,
        "src/bulky/__init__.py": "",
        "src/bulky/generated.py": big,
        "src/bulky/more.py": big.replace("function_", "other_"),
        "src/bulky/data/blob.bin": os.urandom(3 * 1024 * 1024),  # incompressible: the biggest package
    }


class DomBoxes(html.parser.HTMLParser):
    """Collects the treemap's boxes (div.box with data-path and a pixel size) from a DOM dump."""

    def __init__(self):
        super().__init__()
        self.boxes = []
        self.body = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.body = attrs
        if tag == "div" and attrs.get("class") == "box":
            style = dict(part.split(":", 1) for part in attrs.get("style", "").split(";") if ":" in part)
            px = lambda key: float(style.get(key, "0").strip().removesuffix("px") or 0)
            self.boxes.append({"path": attrs["data-path"], "depth": int(attrs["data-depth"]),
                               "size": int(attrs["data-size"]), "area": px(" width") * px(" height")
                               if " width" in style else px("width") * px("height")})


class InspectTest(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        root = write_tree(cls.tmp / "sized", app_files())
        freeze("build", root / "app.toml", "-q")
        cls.exe = root / "dist" / "sized"
        cls.data = json.loads(freeze("inspect", "--json", cls.exe).stdout)

    def test_summary(self):
        text = freeze("inspect", self.exe).stdout
        for needle in ("freeze executable", f"CPython {PYTHON_VERSION}", "small.cli:main", "launcher", "by kind", "module",
                       "by location", "in memory", "beside the executable", "largest packages", "bulky",
                       "application", "standard library", "--html"):
            self.assertIn(needle, text)
        # The largest packages, biggest first: bulky (with 3 MiB of data) leads.
        rows = text[text.index("largest packages"):].split("\n\n")[0].splitlines()[1:]
        if SYSTEM_LIBRARIES:
            self.assertRegex(rows.pop(0), r"^  \(system libraries\)\s+\d+\s+[\d.]+ MiB")  # libssl, libcrypto & co.
        self.assertRegex(rows[0], r"^  bulky\s+\d+\s+3\.\d MiB\s+3\.\d MiB\s+application$")
        self.assertNotIn("bulky.generated", text)  # one line per package, not per module

    def test_list(self):
        text = freeze("inspect", "--list", self.exe).stdout
        self.assertIn("bulky.generated", text)
        self.assertRegex(text, r"resource\s+file\s+0\s+0\s+small/data/table.txt\s+\(lib/app/small/data/table.txt\)")

    def test_json_fields(self):
        for resource in self.data["resources"]:
            self.assertTrue(JSON_FIELDS <= set(resource), resource)
            if resource["kind"] == "module":
                self.assertTrue(MODULE_FIELDS <= set(resource), resource)
        for key in ("executable", "file_size", "launcher_size", "format_version", "settings", "resources"):
            self.assertIn(key, self.data)
        names = {r["name"]: r for r in self.data["resources"]}
        self.assertEqual((names["bulky.generated"]["group"], names["bulky.generated"]["top_level"]),
                         ("application", "bulky"))
        self.assertEqual(names["json"]["group"], "standard library")
        self.assertEqual(names["small/data/table.txt"]["location"], "filesystem-relative")
        self.assertEqual(names["small/data/table.txt"]["path"], "lib/app/small/data/table.txt")
        self.assertEqual(any(r["group"] == "system libraries" for r in self.data["resources"]), SYSTEM_LIBRARIES)

    def largest_top_levels(self, count):
        sizes = {}
        for r in self.data["resources"]:
            if r["group"] == "compression dictionaries":
                continue  # one box of its own, not a package
            if r["group"] == "system libraries":
                key = r["name"].rsplit("/", 1)[-1]
            else:
                key = r["top_level"]
            sizes[(r["group"], key)] = sizes.get((r["group"], key), 0) + r["stored_size"]
        return sorted(sizes.items(), key=lambda item: -item[1])[:count]

    def test_html_is_self_contained(self):
        page = self.tmp / "report.html"
        result = freeze("inspect", self.exe, "--html", page)
        self.assertEqual(result.stdout, "")  # --html alone prints no summary
        text = page.read_text()
        self.assertNotRegex(text, r"""(src|href)=["']?(https?:)?//""")  # nothing fetched from the network
        self.assertIn("bulky.generated", text)
        self.assertIn(f"CPython {PYTHON_VERSION}", text)
        self.assertNotIn("__FREEZE_", text)

    @unittest.skipUnless(CHROMIUM, "chromium is not installed (apt-get install chromium)")
    def test_html_renders_in_chromium(self):
        page = self.tmp / "render.html"
        freeze("inspect", self.exe, "--html", page)
        profile = self.tmp / "chromium-profile"
        command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                   f"--user-data-dir={profile}", "--window-size=1280,1000", "--virtual-time-budget=5000"]
        dom = subprocess.run(command + ["--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
        self.assertEqual(dom.returncode, 0, dom.stderr[-2000:])
        parser = DomBoxes()
        parser.feed(dom.stdout)
        self.assertEqual(parser.body.get("data-rendered"), "yes", parser.body.get("data-error"))
        boxes = {box["path"]: box for box in parser.boxes}
        self.assertGreater(len(boxes), 50)
        # The origin groups, and the biggest packages, each drawn with an area in proportion to its size.
        for group in ("launcher", "application", "standard library", *(["system libraries"] * SYSTEM_LIBRARIES)):
            self.assertIn(group, boxes)
        top = self.largest_top_levels(6)
        drawn = []
        for (group, name), size in top:
            path = f"{group}/{name}"
            self.assertIn(path, boxes, f"the treemap does not show {path}, one of the largest packages")
            drawn.append(boxes[path])
        areas = [box["area"] for box in drawn]
        self.assertGreater(min(areas), 100, "the largest packages are visible")
        # Within a group, a bigger package gets a bigger box.
        by_group = {}
        for ((group, name), size), box in zip(top, drawn):
            by_group.setdefault(group, []).append((size, box["area"]))
        for group, pairs in by_group.items():
            pairs.sort()
            self.assertEqual([a for _, a in pairs], sorted(a for _, a in pairs), group)
        # The app's own big package is the biggest box after the launcher, and its data file shows inside it.
        packages = [box for box in parser.boxes if box["depth"] == 2]
        self.assertEqual(max(packages, key=lambda box: box["area"])["path"], "application/bulky")
        self.assertIn("application/bulky/data/blob.bin", boxes)
        # And a screenshot shows something (not a blank page).
        shot = self.tmp / "shot.png"
        subprocess.run(command + [f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120)
        self.assertGreater(shot.stat().st_size, 20000)


if __name__ == "__main__":
    unittest.main()

"""Build features: [stdlib] include = "reachable" (with add and --why), the build cache, and
reproducible output."""
import hashlib
import json
import os
import pathlib
import subprocess

from freezetest import FREEZE, TempDirTestCase, freeze, run, write_tree

APP = {
    "src/tool.py": """
        import importlib, json, sys

        def main():
            # csv is imported dynamically: only [stdlib] add brings it in.
            csv = importlib.import_module(sys.argv[1] if len(sys.argv) > 1 else "csv")
            print(json.dumps({"csv": csv.__name__}))
        """,
}


def toml(stdlib_lines=""):
    return f'[app]\nname = "tool"\nentry = "tool:main"\n[stdlib]\n{stdlib_lines}\n[packages]\npaths = ["src"]\n'


def names_in(exe):
    return {r["name"] for r in json.loads(freeze("inspect", "--json", exe).stdout)["resources"]}


class BuildFeaturesTest(TempDirTestCase):
    def project(self, name, config):
        root = self.tmp / name
        write_tree(root, dict(APP, **{"app.toml": config}))
        return root

    def build(self, root, *args, cache=None):
        env_cache = cache or (self.tmp / "cache")
        result = subprocess.run([FREEZE, "build", str(root / "app.toml"), *args], capture_output=True, text=True,
                                env=dict(os.environ, FREEZE_CACHE_DIR=str(env_cache)))
        self.assertEqual(result.returncode, 0, result.stderr)
        return root / "dist" / "tool", result

    def test_reachable_keeps_what_is_imported(self):
        root = self.project("reachable", toml('include = "reachable"\nadd = ["csv"]'))
        exe, _ = self.build(root)
        names = names_in(exe)
        for needed in ("json", "json.decoder", "csv", "encodings.utf_8", "traceback", "tool"):
            self.assertIn(needed, names)
        for unneeded in ("email", "http.client", "unittest", "doctest", "tkinter", "xml.dom", "sqlite3"):
            self.assertNotIn(unneeded, names)
        result = run([exe])
        self.assertEqual(result.stdout, '{"csv": "csv"}\n', result.stderr)
        # A module nothing imports is missing, with the usual error.
        result = run([exe, "email.message"])
        self.assertEqual(result.returncode, 1)
        self.assertIn("ModuleNotFoundError: No module named 'email'", result.stderr)
        # ... and the whole stdlib is much larger.
        full_exe, _ = self.build(self.project("full", toml()))
        self.assertGreater(full_exe.stat().st_size, exe.stat().st_size + 3_000_000)

    def test_why_explains_inclusion(self):
        root = self.project("why", toml('include = "reachable"'))
        _, result = self.build(root, "--why", "json.decoder", "--why", "email")
        self.assertIn("why json.decoder: json.decoder <- json <- tool", result.stderr)
        self.assertIn("why email: not included", result.stderr)

    def test_cache_is_used_and_survives_damage(self):
        cache = self.tmp / "cache-damage"
        root = self.project("cached", toml())
        first, _ = self.build(root, cache=cache)
        first_bytes = first.read_bytes()
        entries = [p for p in cache.rglob("*") if p.is_file()]
        self.assertGreater(len(entries), 500)  # compiled modules and compressed frames
        for entry in entries[::7]:  # damage some entries: they are recomputed, not trusted
            entry.write_bytes(entry.read_bytes()[:-3] + b"xyz")
        second, _ = self.build(root, cache=cache)
        self.assertEqual(hashlib.sha256(second.read_bytes()).digest(), hashlib.sha256(first_bytes).digest())
        self.assertEqual(run([second]).stdout, '{"csv": "csv"}\n')

    def test_reproducible_without_and_with_cache(self):
        digests = []
        for index, cache in enumerate(["repro-a", "repro-b", "repro-b"]):
            root = self.project(f"repro{index}", toml())
            exe, _ = self.build(root, cache=self.tmp / cache)
            digests.append(hashlib.sha256(exe.read_bytes()).hexdigest())
        self.assertEqual(len(set(digests)), 1, digests)

"""[python] distribution and --distribution: what is refused, in one line naming the culprit.
(Frozen executables built with a real distribution: tests/distribution, ctest -L distribution.)"""
import json
import unittest

from freezetest import TempDirTestCase, freeze, write_tree

HELLO = {"hello.py": "def main():\n    print('hi')\n"}


def fake_distribution(root, version, magic=None):
    """A directory shaped like a distribution (manifest, launcher, stdlib) for the checks that
    happen before anything is built."""
    manifest = {"version": version, "magic_number": magic or "a70d0d0a", "builtin_module_names": ["_ssl"],
                "stdlib": "lib/python" + ".".join(version.split(".")[:2])}
    write_tree(root, {"manifest.json": json.dumps(manifest), "bin/freeze-launcher": "not a launcher",
                      manifest["stdlib"] + "/os.py": ""})
    return root


class DistributionConfigTest(TempDirTestCase):
    def build(self, name, distribution_line, *extra):
        project = write_tree(self.tmp / name, dict(HELLO, **{
            "app.toml": f'[app]\nname = "hello"\nentry = "hello:main"\n[python]\n{distribution_line}\n'
                        '[packages]\npaths = ["."]\n'}))
        return freeze("build", project / "app.toml", *extra, check=False)

    def test_other_version_is_not_supported_yet(self):
        dist = fake_distribution(self.tmp / "cpython-3.15", "3.15.2")
        result = self.build("v315", f'distribution = "{dist}"')
        self.assertEqual(result.returncode, 1)
        lines = result.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertIn("python.distribution", lines[0])
        self.assertIn("CPython 3.15.2", lines[0])
        self.assertIn("not supported yet", lines[0])

    def test_command_line_option_overrides_and_is_named(self):
        dist = fake_distribution(self.tmp / "cpython-3.14", "3.14.1")
        result = self.build("option", "", "--distribution", dist)
        self.assertEqual(result.returncode, 1)
        self.assertIn("--distribution", result.stderr)
        self.assertIn("CPython 3.14.1", result.stderr)

    def test_directory_without_manifest(self):
        (self.tmp / "empty").mkdir()
        result = self.build("nomanifest", f'distribution = "{self.tmp / "empty"}"')
        self.assertEqual(result.returncode, 1)
        self.assertIn("is not a CPython distribution (no manifest.json)", result.stderr)

    def test_missing_directory_is_a_config_error(self):
        result = self.build("missing", 'distribution = "no/such/dir"')
        self.assertEqual(result.returncode, 1)
        self.assertIn("python.distribution", result.stderr)
        self.assertIn("is not a directory", result.stderr)


if __name__ == "__main__":
    unittest.main()

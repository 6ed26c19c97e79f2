"""[python] distribution, --distribution and [python] version: what is refused, in one line
naming the culprit. (Frozen executables built with a real distribution: tests/distribution,
ctest -L distribution.)"""
import json
import os
import unittest

from freezetest import DISTRIBUTION, TempDirTestCase, freeze, write_tree

HELLO = {"hello.py": "def main():\n    print('hi')\n"}


def fake_distribution(root, version, interpreter="exec /usr/bin/python3.11 \"$@\"\n"):
    """A directory shaped like a distribution (manifest, launcher, interpreter, stdlib) for the
    checks that happen before anything is built. Its interpreter is a script, by default one
    running Debian's python3.11 whatever the manifest says."""
    short = ".".join(version.split(".")[:2])
    manifest = {"version": version, "magic_number": "a70d0d0a", "builtin_module_names": ["_ssl"],
                "stdlib": f"lib/python{short}", "python": f"bin/python{short}"}
    files = {"manifest.json": json.dumps(manifest), "bin/freeze-launcher": "not a launcher",
             manifest["stdlib"] + "/os.py": ""}
    if interpreter is not None:
        files[manifest["python"]] = "#!/bin/sh\n" + interpreter
    write_tree(root, files)
    if interpreter is not None:
        os.chmod(root / manifest["python"], 0o755)
    return root


@unittest.skipIf(DISTRIBUTION, "chooses distributions itself, with the embedded CPython as the default")
class DistributionConfigTest(TempDirTestCase):
    def build(self, name, python_lines, *extra, env=None):
        project = write_tree(self.tmp / name, dict(HELLO, **{
            "app.toml": f'[app]\nname = "hello"\nentry = "hello:main"\n[python]\n{python_lines}\n'
                        '[packages]\npaths = ["."]\n'}))
        return freeze("build", project / "app.toml", *extra, check=False, env=env)

    def one_line_error(self, result):
        self.assertEqual(result.returncode, 1, result.stdout)
        lines = result.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        return lines[0]

    def test_interpreter_that_is_not_the_manifests_version(self):
        dist = fake_distribution(self.tmp / "cpython-3.15", "3.15.2")
        line = self.one_line_error(self.build("v315", f'distribution = "{dist}"'))
        self.assertIn("bin/python3.15 is CPython 3.11.", line)
        self.assertIn("describes CPython 3.15.2", line)
        self.assertIn("damaged", line)

    def test_command_line_option_overrides_and_is_named(self):
        dist = fake_distribution(self.tmp / "cpython-3.14", "3.14.1", interpreter=None)
        line = self.one_line_error(self.build("option", "", "--distribution", dist))
        self.assertIn("--distribution", line)
        self.assertIn("has no interpreter at", line)

    def test_directory_without_manifest(self):
        (self.tmp / "empty").mkdir()
        result = self.build("nomanifest", f'distribution = "{self.tmp / "empty"}"')
        self.assertIn("is not a CPython distribution (no manifest.json)", self.one_line_error(result))

    def test_missing_directory_is_a_config_error(self):
        line = self.one_line_error(self.build("missing", 'distribution = "no/such/dir"'))
        self.assertIn("python.distribution", line)
        self.assertIn("is not a directory", line)

    def test_version_without_a_built_distribution_says_how_to_build_one(self):
        env = dict(os.environ, FREEZE_CACHE_DIR=str(self.tmp / "cache"))
        line = self.one_line_error(self.build("v399", 'version = "3.99"', env=env))
        self.assertIn('python.version = "3.99": no CPython 3.99 distribution is built in ' + str(self.tmp / "cache"), line)
        self.assertIn("`freeze distribution build 3.99`", line)

    def test_version_is_found_in_the_cache_and_must_match_a_named_distribution(self):
        cache = self.tmp / "cache"
        fake_distribution(cache / "distributions" / "cpython-3.14.1-0123456789ab", "3.14.1")
        env = dict(os.environ, FREEZE_CACHE_DIR=str(cache))
        # Found by version: its (fake) interpreter is then asked what it is.
        line = self.one_line_error(self.build("found", 'version = "3.14"', env=env))
        self.assertIn("cpython-3.14.1-0123456789ab/bin/python3.14 is CPython 3.11.", line)
        other = fake_distribution(self.tmp / "cpython-3.15", "3.15.2")
        line = self.one_line_error(self.build("mismatch", f'version = "3.14"\ndistribution = "{other}"', env=env))
        self.assertIn('python.version = "3.14", but the distribution', line)
        self.assertIn("is CPython 3.15.2", line)

    def test_version_takes_the_newest_release_then_the_last_built(self):
        cache = self.tmp / "cache" / "distributions"
        env = dict(os.environ, FREEZE_CACHE_DIR=str(self.tmp / "cache"))
        # Names sort opposite to what wins, so that listing order cannot be what decides.
        fake_distribution(cache / "cpython-3.14.9-ffffffffffff", "3.14.9")
        fake_distribution(cache / "cpython-3.14.10-aaaaaaaaaaaa", "3.14.10")
        line = self.one_line_error(self.build("release", 'version = "3.14"', env=env))
        self.assertIn("cpython-3.14.10-aaaaaaaaaaaa/bin/python3.14 is CPython 3.11.", line)
        # Two builds of 3.14.10 (say, with and without PGO): the one built last.
        later = fake_distribution(cache / "cpython-3.14.10-bbbbbbbbbbbb", "3.14.10")
        os.utime(cache / "cpython-3.14.10-aaaaaaaaaaaa" / "manifest.json", (1_000_000_000, 1_000_000_000))
        os.utime(later / "manifest.json", (2_000_000_000, 2_000_000_000))
        line = self.one_line_error(self.build("built-last", 'version = "3.14"', env=env))
        self.assertIn("cpython-3.14.10-bbbbbbbbbbbb/bin/python3.14 is CPython 3.11.", line)

    def test_launcher_built_from_other_sources_is_refused(self):
        dist = fake_distribution(self.tmp / "cpython-3.14.1-0123456789ab", "3.14.1")
        (dist / "launcher-source.key").write_text("0123456789abcdef-lto\n")
        line = self.one_line_error(self.build("stale", f'distribution = "{dist}"'))
        self.assertIn(f"{dist}: its launcher was built from other freeze sources (0123456789abcdef, this freeze: ", line)
        self.assertIn("rebuild it with `freeze distribution build 3.14`", line)

    def test_distribution_list(self):
        cache = self.tmp / "listed"
        env = dict(os.environ, FREEZE_CACHE_DIR=str(cache))
        fake_distribution(cache / "distributions" / "cpython-3.14.9-ffffffffffff", "3.14.9")
        stale = fake_distribution(cache / "distributions" / "cpython-3.15.2-aaaaaaaaaaaa", "3.15.2")
        (stale / "launcher-source.key").write_text("0123456789abcdef-lto\n")
        fake_distribution(cache / "distributions" / "cpython-3.13.5-bbbbbbbbbbbb.tmp", "3.13.5")  # a build in progress
        (cache / "distributions" / "cpython-3.13.1-cccccccccccc").mkdir()  # no manifest: not one
        result = freeze("distribution", "list", env=env)
        self.assertEqual(result.stdout.splitlines(), [
            f"CPython 3.15.2  {stale}  (launcher from other freeze sources: freeze distribution build 3.15 rebuilds it)",
            f"CPython 3.14.9  {cache}/distributions/cpython-3.14.9-ffffffffffff"])

    def test_distribution_build_refuses_versions_before_it_starts(self):
        for bad in ("3.9", "3.13.1", "latest"):
            with self.subTest(version=bad):
                result = freeze("distribution", "build", bad, check=False)
                self.assertEqual((result.returncode, result.stdout), (1, ""))
                self.assertEqual(result.stderr, f"freeze: error: freeze distribution build: VERSION '{bad}' must be a "
                                                "CPython version from 3.11 on, as 3.13\n")

    def test_version_must_be_major_minor_from_3_11(self):
        for bad in ('"3.9"', '"3.13.1"', '"latest"', "3.13"):
            with self.subTest(version=bad):
                line = self.one_line_error(self.build("bad", f"version = {bad}"))
                self.assertIn("python.version", line)

    def test_the_embedded_version_needs_no_distribution(self):
        env = dict(os.environ, FREEZE_CACHE_DIR=str(self.tmp / "empty-cache"))
        result = self.build("v311", 'version = "3.11"', "-q", env=env)
        self.assertEqual(result.returncode, 0, result.stderr)


if __name__ == "__main__":
    unittest.main()

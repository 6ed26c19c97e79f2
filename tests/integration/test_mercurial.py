"""Debian's Mercurial frozen with everything in memory: `hg` as /usr/bin/hg runs it
(hgdemandimport enabled, which wraps every sys.meta_path entry in its own lazy finder), a
scripted session in a temporary directory, with every Python installation hidden. The output
must be the one `/usr/bin/python3.11 /usr/bin/hg` gives."""
import os
import pathlib
import subprocess
import unittest

from freezetest import DIST_PACKAGES, PYTHON, TempDirTestCase, build_app, clean_env, run, uses_debian_python3_11

HIDDEN = ["/usr/lib/python3.11", "/usr/lib/python3", "/usr/local/lib/python3.11"]

TOML = """
[app]
name = "hg"
entry = "hgapp:main"

[packages]
paths = ["src"]
site_packages = [{ dir = "/usr/lib/python3/dist-packages", include = ["mercurial", "hgext", "hgext3rd", "hgdemandimport"] }]
"""

# What /usr/bin/hg does, as a module.
APP = {"src/hgapp.py": """
    import sys


    def main():
        from hgdemandimport import tracing
        with tracing.log('hg script'):
            import hgdemandimport
            hgdemandimport.enable()
            from mercurial import dispatch
            dispatch.run()
    """}

SESSION = """
set -e
$HG init repo
cd repo
printf 'hello\\n' > a.txt
$HG add a.txt
$HG commit -m first -d '0 0'
printf 'world\\n' >> a.txt
$HG diff --nodates
$HG commit -m second -d '1 0'
$HG log
$HG log -p -r 0
$HG status --all
$HG cat -r 0 a.txt
$HG summary
$HG verify
$HG --config extensions.rebase= --config extensions.histedit= help rebase | head -3
"""


def session_env():
    # No user or system configuration, a fixed user, plain output: the same for both runs.
    return clean_env(HGRCPATH="", HGUSER="tester <t@example.org>", HGPLAIN="1", HGENCODING="utf-8", LANG="C.UTF-8")


@uses_debian_python3_11
class MercurialTest(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        if not (DIST_PACKAGES / "mercurial").is_dir() or not pathlib.Path("/usr/bin/hg").is_file():
            raise unittest.SkipTest("Debian's mercurial is not installed (scripts/install-deps.sh installs it)")
        if os.geteuid() != 0 or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode != 0:
            raise unittest.SkipTest("unshare -m is not permitted here: Python cannot be hidden")
        super().setUpClass()
        cls.exe = build_app(cls.tmp / "project", TOML, APP)

    def session(self, name, hg, hide_python):
        work = self.tmp / name
        work.mkdir()
        script = SESSION.replace("$HG", hg)
        if hide_python:
            (self.tmp / "empty").mkdir(exist_ok=True)
            mounts = [f"mount --bind {self.tmp}/empty {path}" for path in HIDDEN if os.path.isdir(path)]
            mounts += [f"mount --bind /dev/null {python}" for python in ("/usr/bin/python3", "/usr/bin/python3.11")
                       if os.path.exists(python)]
            script = " && ".join(mounts) + " && " + f"ls {HIDDEN[0]} | wc -l && {script}"
            argv = ["unshare", "-m", "sh", "-c", script]
        else:
            argv = ["sh", "-c", "echo 0\n" + script]
        return run(argv, cwd=work, env=session_env())

    def test_scripted_session_matches_python(self):
        python = self.session("python", f"{PYTHON} /usr/bin/hg", hide_python=False)
        self.assertEqual(python.returncode, 0, python.stderr)
        frozen = self.session("frozen", str(self.exe), hide_python=True)
        self.assertEqual(frozen.returncode, 0, frozen.stderr)
        self.assertEqual(frozen.stdout.splitlines()[0], "0")  # the stdlib really was hidden
        self.assertEqual(frozen.stdout, python.stdout)
        self.assertEqual(frozen.stderr, python.stderr)
        self.assertIn("changeset:   1:", frozen.stdout)
        self.assertEqual(sorted(p.name for p in self.exe.parent.iterdir()), ["hg"])  # all in memory


if __name__ == "__main__":
    unittest.main()

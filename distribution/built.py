"""The directory of freeze's distribution of a CPython version, for the tests and tools beside the
builder: freeze_distribution.py is run (it builds only what is not cached yet, with its progress
on stderr) and prints the directory as its last line."""
import json
import os
import pathlib
import subprocess
import sys

BUILDER = pathlib.Path(__file__).resolve().parent / "freeze_distribution.py"


def built_distribution(version, python=None):
    """The distribution of `version` (built now unless cached); SystemExit if the build fails."""
    result = subprocess.run([python or sys.executable, str(BUILDER), "--version", version], stdout=subprocess.PIPE,
                            text=True, env=dict(os.environ))
    if result.returncode != 0:
        raise SystemExit(f"building the CPython {version} distribution failed (its error and log are above)")
    return pathlib.Path(result.stdout.strip().splitlines()[-1])


def distribution_python(distribution):
    """The interpreter of a distribution, as its manifest.json names it (bin/python3.X)."""
    manifest = json.loads((pathlib.Path(distribution) / "manifest.json").read_text())
    return pathlib.Path(distribution) / manifest["python"]

#!/usr/bin/env python3
"""The whole integration suite (tests/integration) against a distribution of freeze's own, built
(or found in the cache) for --python-version, or the one in --distribution DIR: every `freeze
build` embeds it and the frozen programs are compared with its own python (freezetest.py,
FREEZE_TEST_DISTRIBUTION). The C fixtures (tests/fixtures) are built first for that python
(FREEZE_TEST_FIXTURES); tests that need Debian's python3.11 packages skip themselves on other
versions. Two modules run at a time; the log of each failing module is printed, and the exit
status says whether all passed.

    tests/distribution/run_integration.py --freeze build/freeze --python-version 3.13
"""
import argparse
import concurrent.futures
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
INTEGRATION = HERE.parent / "integration"
sys.path.insert(0, str(HERE.parents[1] / "distribution"))
from built import built_distribution, distribution_python  # noqa: E402


def run_module(module, env):
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "unittest", "-v", module], cwd=INTEGRATION, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1200)
    ran = re.search(r"^Ran (\d+) tests?", result.stdout, re.M)
    skipped = re.search(r"skipped=(\d+)", result.stdout)
    return (module, result.returncode, int(ran.group(1)) if ran else 0, int(skipped.group(1)) if skipped else 0,
            time.monotonic() - started, result.stdout)


def build_fixtures(python, directory):
    """tests/fixtures as a project of its own, for python; returns the fixtures directory."""
    cmake = os.environ.get("FREEZE_CMAKE", "cmake")
    for argv in ([cmake, "-S", HERE.parent / "fixtures", "-B", directory, f"-DFREEZE_PYTHON={python}"],
                 [cmake, "--build", directory, "-j2"]):
        result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode != 0:
            sys.exit(f"run_integration: building the fixtures for {python} failed:\n{result.stdout}")
    return directory / "fixtures"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--freeze", required=True, help="the freeze executable to test")
    parser.add_argument("--python-version", help="the distribution's CPython version, e.g. 3.13 (built unless cached)")
    parser.add_argument("--distribution", type=pathlib.Path, help="an existing distribution directory instead")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("modules", nargs="*", help="test modules (default: every tests/integration/test_*.py)")
    args = parser.parse_args()
    if not args.distribution and not args.python_version:
        parser.error("give --python-version or --distribution")
    distribution = args.distribution or built_distribution(args.python_version)
    modules = args.modules or sorted(p.stem for p in INTEGRATION.glob("test_*.py"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(FREEZE=str(pathlib.Path(args.freeze).resolve()), FREEZE_TEST_DISTRIBUTION=str(distribution))
    env.pop("FREEZE_PYTHON", None)  # the reference interpreter is the distribution's
    print(f"integration suite against {distribution}", flush=True)
    python = distribution_python(distribution)
    fixtures_build = pathlib.Path(tempfile.mkdtemp(prefix="freeze-fixtures-"))
    failed = []
    total = skipped_total = 0
    try:
        env["FREEZE_TEST_FIXTURES"] = str(build_fixtures(python, fixtures_build))
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for module, status, ran, skipped, seconds, log in pool.map(lambda m: run_module(m, env), modules):
                total += ran
                skipped_total += skipped
                print(f"  {module}: {'ok' if status == 0 else 'FAILED'} ({ran} tests, {skipped} skipped, "
                      f"{seconds:.0f} s)", flush=True)
                if status != 0:
                    failed.append(module)
                    print(log, flush=True)
    finally:
        shutil.rmtree(fixtures_build, ignore_errors=True)
    print(f"{total} tests, {skipped_total} skipped; failed modules: {', '.join(failed) or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

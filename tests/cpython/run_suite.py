#!/usr/bin/python3.11
"""Runs CPython's own regression tests inside a frozen executable and under the plain interpreter
it was built from, and compares the results test by test: by default Debian's /usr/bin/python3.11
(freeze's embedded CPython); with --python-version 3.13 or --distribution DIR, a CPython
distribution that freeze built from source (distribution/), against that distribution's own
bin/python3.X.

The frozen executable ("cpython-tests") has the whole standard library in memory, the `test`
package and CPython's test extension modules (_testcapi & co.) as files beside it (its tests open
data files next to their modules), and `[python] interpreter = true`, so that the suite's own
subprocesses (`sys.executable -c ...`, `-m test.regrtest` workers, scripts) run in it.
Both sides run `-m test -j N --junit-xml`, in the same environment.

A test that passes under python and does not pass under freeze is a failure, unless by_design.txt
lists it (with the reason). The report prints both pass counts.

    tests/cpython/run_suite.py --freeze build/freeze --selection fast
    tests/cpython/run_suite.py --freeze build/freeze --selection full -j 2
    tests/cpython/run_suite.py --freeze build/freeze test_json test_sys   # chosen test modules
    tests/cpython/run_suite.py --freeze build/freeze --python-version 3.13  # builds or finds it

A distribution does not install the `test` package (it is configured --disable-test-modules, so
it has no _testcapi & co. either): the run copies the distribution (hard links) and adds the
source tarball's Lib/test to the copy's stdlib, so that both sides see it where python's own
installation would have it. Tests needing the test extension modules are skipped on both sides.
"""
import argparse
import collections
import fnmatch
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ET

HERE = pathlib.Path(__file__).resolve().parent
BUILDER_DIR = HERE.parents[1] / "distribution"
sys.path.insert(0, str(BUILDER_DIR))
import build_root  # noqa: E402  the builder's cache directory, one definition
from built import built_distribution  # noqa: E402

# Quick enough for the default test run (about a minute for both sides on 2 cores).
FAST = [
    "test_importlib", "test_pkgutil", "test_runpy", "test_traceback", "test_linecache", "test_inspect",
    "test_warnings", "test_json", "test_argparse", "test_sys", "test_site", "test_zipimport",
    "test_atexit", "test_faulthandler", "test_cmd_line_script",
]
# Everything the issue asks for, and more; several minutes per side.
FULL = FAST + [
    "test_logging", "test_subprocess", "test_signal", "test_multiprocessing_spawn",
    "test_multiprocessing_forkserver", "test_multiprocessing_fork", "test_multiprocessing_main_handling",
    "test_concurrent_futures", "test_threading", "test_cmd_line", "test_tempfile", "test_unittest",
    "test_doctest", "test_tracemalloc", "test_pdb", "test_os", "test_code_module", "test_compileall",
    "test_py_compile", "test_modulefinder", "test_zipapp", "test_sysconfig", "test_import", "test_ctypes",
    "test_sqlite3", "test_pydoc", "test_zipfile", "test_utf8_mode", "test_c_locale_coercion", "test_audit",
    "test_trace", "test_cprofile", "test_exceptions", "test_pathlib", "test_platform", "test_shutil",
    "test_thread", "test_threading_local",
]

APP_TOML = """\
[app]
name = "cpython-tests"
entry = "test"

[python]
{python_choice}interpreter = true     # the suite runs sys.executable -c/-m/script in subprocesses
isolated = false       # and passes PYTHON* variables to them, as to python
site = true            # as python: test_site and others inspect what site did

[stdlib]
exclude = ["idlelib", "tkinter", "_tkinter", "turtledemo", "ensurepip", "lib2to3"]   # "test" included

[packages]
paths = ["testext"]    # _testcapi and the other test extension modules

# The tests open data files next to their modules, and load the test extension modules from
# files found on sys.path: those live beside the executable, at their place in the
# installation (lib/python3.X/test/..., the extension modules in lib/app/), directories that
# are on the frozen sys.path as /usr/lib/python3.X is on python's. test.support.STDLIB_DIR is
# sys._stdlib_dir, lib/python3.X. The rest of the stdlib stays in memory.
[[routing.rule]]
name = ["test", "unittest.test", "ctypes.test", "distutils.tests", "_test*", "_ctypes_test", "_xxtestfuzz", "xxlimited*"]
location = "filesystem-relative"
"""


class Target:
    """The plain interpreter and its stdlib directory; `distribution` is None for Debian's 3.11."""

    def __init__(self, python, stdlib, version, distribution=None):
        self.python, self.stdlib, self.version, self.distribution = python, stdlib, version, distribution

    def python_choice(self):
        if self.distribution is None:
            return ""
        return f'version = "{self.version}"\ndistribution = "{self.distribution}"\n'


def debian_target():
    return Target("/usr/bin/python3.11", pathlib.Path("/usr/lib/python3.11"), "3.11")


def source_tarball(distribution, manifest):
    """The source tarball the distribution was built from, in freeze's download cache."""
    cache = pathlib.Path(build_root.cache_dir()) / "sources"
    found = sorted(cache.glob(f"*/{manifest['source']}"))
    if not found:
        raise SystemExit(f"{distribution}: its source tarball {manifest['source']} is not in {cache}: "
                         "pass it with --source")
    return found[0]


def distribution_with_tests(distribution, tarball, workdir):
    """A copy of the distribution (hard links where possible) with the tarball's Lib/test in its
    stdlib, where an installation made with test modules would have it."""
    manifest = json.loads((distribution / "manifest.json").read_text())
    tarball = pathlib.Path(tarball) if tarball else source_tarball(distribution, manifest)
    copy = workdir / "python"
    if not copy.exists():
        try:
            subprocess.run(["cp", "-al", str(distribution), str(copy)], check=True, stderr=subprocess.DEVNULL)
        except subprocess.CalledProcessError:  # another file system: a real copy
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(distribution, copy, symlinks=True)
        # Files extracted over hard links would write through them into the cached distribution.
        shutil.rmtree(copy / manifest["stdlib"] / "test", ignore_errors=True)
        with tarfile.open(tarball) as archive:
            members = [m for m in archive.getmembers() if m.name.split("/")[1:3] == ["Lib", "test"]]
            for member in members:
                member.name = "/".join(member.name.split("/")[2:])  # Python-3.X.Y/Lib/test/... -> test/...
            archive.extractall(copy / manifest["stdlib"], members=members)  # our own cached tarball
    version = "%d.%d" % tuple(manifest["version_info"][:2])
    return Target(str(copy / manifest["python"]), copy / manifest["stdlib"], version, copy)


def build(freeze, workdir, target):
    """Builds workdir/dist/cpython-tests; returns its path."""
    testext = workdir / "testext"
    testext.mkdir(parents=True, exist_ok=True)
    for pattern in ("_test*.so", "_ctypes_test*.so", "_xxtestfuzz*.so", "xxlimited*.so"):
        for library in (target.stdlib / "lib-dynload").glob(pattern):
            shutil.copy2(library, testext / library.name)
    (workdir / "app.toml").write_text(APP_TOML.format(python_choice=target.python_choice()))
    started = time.monotonic()
    subprocess.run([freeze, "build", workdir / "app.toml", "-q"], check=True)
    print(f"built {workdir / 'dist' / 'cpython-tests'} in {time.monotonic() - started:.0f} s", flush=True)
    return workdir / "dist" / "cpython-tests"


def run_regrtest(label, argv, tests, jobs, xml_file, log_file, env, timeout, options=()):
    command = [*argv, "-m", "test", "-j", str(jobs), "--timeout", str(timeout), "--junit-xml", str(xml_file),
               *options, *tests]
    started = time.monotonic()
    with open(log_file, "w") as log:
        result = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=xml_file.parent)
    print(f"{label}: regrtest exit status {result.returncode} after {time.monotonic() - started:.0f} s (log: {log_file})",
          flush=True)
    return result.returncode


def crashed(log_file):
    """Test modules that regrtest reports as crashed (no results for them in the XML)."""
    if not log_file.exists():
        return set()
    names = set()
    for line in log_file.read_text(errors="replace").splitlines():
        line = line.split(" -- ")[0]  # not the "-- running: test_x" that follows
        words = line.split()
        for marker in ("crashed", "failed (uncaught exception)", "timed out"):
            if marker in line and len(words) >= 2:
                names.update(w for w in words if w.startswith("test_") and "." not in w)
    return names


def outcomes(xml_file):
    """{test id: Counter of outcomes}; doctests of one module may appear more than once."""
    results = collections.defaultdict(collections.Counter)
    if not xml_file.exists():
        return results
    for case in ET.parse(xml_file).getroot().iter("testcase"):
        tags = {child.tag for child in case}
        if "failure" in tags or "error" in tags:
            outcome = "failed"
        elif "skipped" in tags:
            outcome = "skipped"
        else:
            outcome = "passed"
        results[case.get("name") or "<unnamed>"][outcome] += 1
    return results


def not_passed(python, frozen):
    """Test ids that did not pass on one side or the other."""
    return sorted(i for i in set(python) | set(frozen)
                  if python.get(i, collections.Counter())["passed"] != frozen.get(i, collections.Counter())["passed"]
                  or python[i]["failed"] or frozen.get(i, collections.Counter())["failed"])


def merge_rerun(results, rerun, ids):
    """Takes a re-run's outcome where it passed more; returns the ids that passed only then."""
    flaky = []
    for test_id in ids:
        again = rerun.get(test_id)
        if again and again["passed"] > results.get(test_id, collections.Counter())["passed"]:
            results[test_id] = again
            flaky.append(test_id)
    return flaky


def load_by_design(path):
    """[(pattern, reason)] from lines `PATTERN  # reason`."""
    entries = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        pattern, _, reason = line.partition("#")
        if not reason.strip():
            raise SystemExit(f"{path}:{number}: every by-design entry needs a reason after '#'")
        entries.append((pattern.strip(), reason.strip()))
    return entries


def not_run(by_design):
    """regrtest --ignore options for the by-design tests that are not even run under freeze
    (reason starting "not run:"): those that would hang or run for the whole timeout there."""
    return [option for pattern, why in by_design if why.startswith("not run:") for option in ("--ignore", pattern)]


def module_of(test_id):
    parts = test_id.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "test" else parts[0]


def compare(python, frozen, by_design, known_issues, crashes):
    def count(results, outcome):
        return sum(counter[outcome] for counter in results.values())

    regressions, excused, known, better = [], [], [], []
    for test_id in sorted(set(python) | set(frozen)):
        p, f = python.get(test_id, collections.Counter()), frozen.get(test_id, collections.Counter())
        lost = p["passed"] - f["passed"]
        if lost > 0:
            design = next((why for pattern, why in by_design if fnmatch.fnmatchcase(test_id, pattern)), None)
            issue = next((why for pattern, why in known_issues if fnmatch.fnmatchcase(test_id, pattern)), None)
            if design:
                excused.append((test_id, design))
            elif issue:
                known.append((test_id, issue))
            else:
                regressions.append((test_id, dict(p), dict(f)))
        elif lost < 0:
            better.append(test_id)

    per_module = collections.defaultdict(lambda: [0, 0, 0, 0])
    for index, results in enumerate((python, frozen)):
        for test_id, counter in results.items():
            per_module[module_of(test_id)][2 * index] += counter["passed"]
            per_module[module_of(test_id)][2 * index + 1] += counter["failed"]
    print("\nper test module (passed/failed): python | freeze")
    for module in sorted(per_module):
        pp, pf, fp, ff = per_module[module]
        mark = "" if fp >= pp else "   <-- fewer passed under freeze"
        print(f"  {module:40} {pp:6}/{pf:<4} | {fp:6}/{ff:<4}{mark}")
    missing = sorted(crashes["freeze"] - crashes["python"])
    if missing:
        print("\ntest modules that crashed under freeze, not under python:", ", ".join(missing))

    if excused:
        print(f"\npassed under python, not under freeze, by design ({len(excused)}):")
        for test_id, why in excused:
            print(f"  {test_id}: {why}")
    if known:
        print(f"\npassed under python, not under freeze, known bugs not fixed yet ({len(known)}):")
        for test_id, why in known:
            print(f"  {test_id}: {why}")
    if better:
        print(f"\npassed under freeze, not under python ({len(better)}):")
        for test_id in better:
            print(f"  {test_id}")
    if regressions:
        print(f"\nREGRESSIONS: passed under python, not under freeze ({len(regressions)}):")
        for test_id, p, f in regressions:
            print(f"  {test_id}: python {p}, freeze {f}")

    pp, fp = count(python, "passed"), count(frozen, "passed")
    print(f"\npassed under python: {pp} (failed {count(python, 'failed')}, skipped {count(python, 'skipped')})")
    print(f"passed under freeze: {fp} (failed {count(frozen, 'failed')}, skipped {count(frozen, 'skipped')})")
    print(f"python passes that freeze does not pass: {len(regressions) + len(excused) + len(known)} "
          f"(by design: {len(excused)}, known bugs: {len(known)}, unexplained: {len(regressions)})")
    return not regressions and not missing


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--freeze", default=os.environ.get("FREEZE", str(HERE.parents[1] / "build" / "freeze")))
    parser.add_argument("--workdir", help="where to build and run (default: a temporary directory, removed)")
    parser.add_argument("--selection", choices=("fast", "full"), default="fast")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=int, default=900, help="per test module, seconds")
    parser.add_argument("--by-design", default=str(HERE / "by_design.txt"))
    parser.add_argument("--known-issues", default=str(HERE / "known_issues.txt"))
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--python-version", help="compare freeze's distribution of this CPython version (built unless "
                        "cached) with its own python, not Debian's python3.11")
    parser.add_argument("--distribution", help="compare this freeze-built distribution with its own python")
    parser.add_argument("--source", help="the distribution's source tarball (default: found in freeze's download cache)")
    parser.add_argument("tests", nargs="*", help="test modules (default: the selection)")
    args = parser.parse_args()
    tests = args.tests or (FAST if args.selection == "fast" else FULL)
    distribution = args.distribution or (args.python_version and built_distribution(args.python_version))
    target = debian_target()
    if not distribution and not (target.stdlib / "test" / "test_json").is_dir():
        print(f"skipped: {target.stdlib}/test is not complete: install Debian's libpython3.11-testsuite")
        return 77  # ctest's SKIP_RETURN_CODE

    workdir = pathlib.Path(args.workdir or tempfile.mkdtemp(prefix="freeze-cpython-suite-")).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        if distribution:
            target = distribution_with_tests(pathlib.Path(distribution).resolve(), args.source, workdir)
        print(f"comparing with {target.python} (CPython {target.version})", flush=True)
        exe = build(args.freeze, workdir, target)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") and k not in ("FREEZE",)}
        env["TMPDIR"] = str(workdir)
        sides = (("python", [target.python], env),
                 # As the stdlib directory is on python's sys.path: the directory that holds
                 # `test` and the test extension modules (unittest discovery would add it).
                 ("freeze", [str(exe)], dict(env, PYTHONPATH=str(exe.parent))))
        by_design = load_by_design(pathlib.Path(args.by_design))
        runs = {}
        for label, argv, side_env in sides:
            rundir = workdir / label
            rundir.mkdir(exist_ok=True)
            run_regrtest(label, argv, tests, args.jobs, rundir / "junit.xml", rundir / "regrtest.log", side_env,
                         args.timeout, not_run(by_design) if label == "freeze" else ())
            runs[label] = outcomes(rundir / "junit.xml")
        # Timing-sensitive tests fail now and then on a loaded machine, under python as under
        # freeze: whatever did not pass on both sides runs once more, on both sides, alone.
        again = not_passed(runs["python"], runs["freeze"])
        if again:
            print(f"re-running {len(again)} tests that did not pass on both sides", flush=True)
            for label, argv, side_env in sides:
                rundir = workdir / label
                (rundir / "rerun.txt").write_text("".join(i + "\n" for i in again))
                run_regrtest(f"{label} re-run", argv, sorted({module_of(i) for i in again}), args.jobs,
                             rundir / "rerun.xml", rundir / "rerun.log", side_env, args.timeout,
                             ["--matchfile", str(rundir / "rerun.txt"),
                              *(not_run(by_design) if label == "freeze" else ())])
                for test_id in merge_rerun(runs[label], outcomes(rundir / "rerun.xml"), again):
                    print(f"  {label}: passed on re-run: {test_id}")
        crashes = {label: crashed(workdir / label / "regrtest.log") for label, _, _ in sides}
        ok = compare(runs["python"], runs["freeze"], by_design,
                     load_by_design(pathlib.Path(args.known_issues)), crashes)
        print("\nRESULT:", "same as python (apart from the by-design and known-issue lists)" if ok else "DIFFERENT from python")
        return 0 if ok else 1
    finally:
        if not args.workdir and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3.11
"""freeze benchmarks: start-up, import speed, peak RSS, executable size and build time of
frozen apps, measured side by side with /usr/bin/python3.11 in the same run (machines are
noisy: medians over repeated, interleaved runs; ratios are what to read).

Usage: bench/run.py [--runs N] [--out DIR] [--freeze build/freeze] [--apps hello imports pygments]
                    [--distribution DIR]
Writes DIR/results.md and DIR/results.csv (default DIR: bench/results) and prints the table.
With --distribution (a CPython distribution freeze built: ~/.cache/freeze/distributions/...),
the apps are frozen with it, the reference is its own python3.X, and /usr/bin/python3.11 is
measured beside them (its ratio is the last column).
"""
import json
import argparse
import csv
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = "/usr/bin/python3.11"
DIST_PACKAGES = "/usr/lib/python3/dist-packages"

# Targets from the performance issue: (metric, limit) per row kind.
TARGETS = {"hello": 1.0, "imports": 0.7, "pygments": 0.8}
# Reachable-stdlib sizes of PyInstaller --onefile builds of the same apps (MB), from the issue.
SIZE_LIMITS_MB = {"hello": 7.1, "imports": 9.4, "pygments": 11.0}
HELLO_FULL_LIMIT_MB = 12 * 1.048576  # 12 MiB: hello with the full stdlib


def run_once(argv, env=None, cwd=None):
    """Runs argv; returns (wall seconds, peak RSS in KiB, CPU seconds: user + system)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {argv}\n{proc.stderr.read().decode()}")
    proc.stderr.close()
    return elapsed, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def settle_page_cache(path):
    """Drops the clean cached pages of a file just written (a build's output) so that it is read
    back like an installed one. Written through write(), a file's page cache can hold large
    folios (seen on ext4, kernel 6.18), and a mapping of it (the executable's text) then faults
    in whole folios: the peak RSS of a fresh executable measured 3 MiB above the same file's
    once read back."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def measure(commands, runs):
    """Interleaves the commands `runs` times (after a warm-up); returns {label: (median s, median RSS KiB,
    median CPU s)}. CPU time (user + system, from wait4) is less sensitive than wall time to other
    load on the machine: both ratios are reported. The programs' files are read back from disk
    first, so that the frozen executables, just written, and the installed interpreters start alike."""
    for argv, _, _ in commands.values():
        settle_page_cache(shutil.which(argv[0]) or argv[0])
    samples = {label: [] for label in commands}
    for label, (argv, env, cwd) in commands.items():
        for _ in range(3):
            run_once(argv, env, cwd)
    for _ in range(runs):
        for label, (argv, env, cwd) in commands.items():
            samples[label].append(run_once(argv, env, cwd))
    return {label: (statistics.median(s for s, _, _ in v), statistics.median(r for _, r, _ in v),
                    statistics.median(c for _, _, c in v)) for label, v in samples.items()}


def freeze_build(freeze, project, config_text, cache_dir, options=(), script=None):
    """Builds with an empty cache (cold), once more with nothing changed, then three times
    after a one-line edit of the app's `script` each (what a developer's rebuild is: everything
    else comes from the cache). Returns (executable, cold s, median edit-rebuild s, no-change s)."""
    (project / "app.toml").write_text(config_text)
    env = dict(os.environ, FREEZE_CACHE_DIR=str(cache_dir))
    shutil.rmtree(cache_dir, ignore_errors=True)

    def timed_build():
        start = time.perf_counter()
        subprocess.run([freeze, "build", "-q", project / "app.toml", *options], check=True, env=env)
        return time.perf_counter() - start

    cold = timed_build()
    unchanged = timed_build()
    rebuilds = []
    for edit in range(3):
        if script:  # a statement, not a comment: the bytecode changes too
            with open(project / script, "a") as f:
                f.write(f"_bench_edit = {edit}\n")
        rebuilds.append(timed_build())
    name = next(l.split("=", 1)[1].strip().strip('"') for l in config_text.splitlines() if l.startswith("name"))
    return project / "dist" / name, cold, statistics.median(rebuilds), unchanged


def app_config(name, entry, site=None, stdlib="all"):
    text = f'[app]\nname = "{name}"\nentry = "{entry}"\n[stdlib]\ninclude = "{stdlib}"\n[packages]\npaths = ["."]\n'
    if site:
        text += f'site_packages = [{{ dir = "{DIST_PACKAGES}", include = {site!r} }}]\n'.replace("'", '"')
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--out", type=pathlib.Path, default=HERE / "results")
    parser.add_argument("--freeze", default=str(ROOT / "build" / "freeze"))
    parser.add_argument("--apps", nargs="+", choices=["hello", "imports", "pygments"],
                        help="only these apps (default: all three)")
    parser.add_argument("--distribution", type=pathlib.Path,
                        help="freeze with this CPython distribution; its python3.X is the reference")
    args = parser.parse_args()
    python = PYTHON
    build_options = []
    if args.distribution:
        manifest = json.loads((args.distribution / "manifest.json").read_text())
        python = str(args.distribution / manifest["python"])
        build_options = ["--distribution", str(args.distribution)]

    work = pathlib.Path(tempfile.mkdtemp(prefix="freeze-bench-"))
    rows = []
    try:
        apps = {
            "hello": ("hello.py", "hello", None),
            "imports": ("imports.py", "imports", None),
            "pygments": ("highlight.py", "highlight", ["pygments"]),
        }
        if args.apps:
            apps = {name: value for name, value in apps.items() if name in args.apps}
        src_dirs = {"hello": "hello", "imports": "imports", "pygments": "pygments_app"}
        env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"}
        python_env = dict(env, PYTHONPATH=DIST_PACKAGES)
        for app, (script, entry, site) in apps.items():
            project = work / app
            shutil.copytree(HERE / "apps" / src_dirs[app], project)
            exe, cold, rebuild, unchanged = freeze_build(args.freeze, project, app_config(app, entry, site), work / "cache",
                                                         build_options, script=script)
            size = exe.stat().st_size
            # The same app with only the stdlib it can reach, for size.
            reachable_project = work / f"{app}-reachable"
            shutil.copytree(HERE / "apps" / src_dirs[app], reachable_project)
            reachable_exe, _, _, _ = freeze_build(args.freeze, reachable_project, app_config(app, entry, site, "reachable"),
                                               work / "cache-reachable", build_options)
            reachable_size = reachable_exe.stat().st_size
            # The same app stored uncompressed (--compression-level 0): the speed/size trade-off.
            stored_project = work / f"{app}-stored"
            shutil.copytree(HERE / "apps" / src_dirs[app], stored_project)
            stored_exe, _, _, _ = freeze_build(args.freeze, stored_project, app_config(app, entry, site),
                                            work / "cache-stored", build_options + ["--compression-level", "0"])
            # The reference: the same script under python with a warm __pycache__ (run it once).
            subprocess.run([python, script], cwd=project, env=python_env, check=True, stdout=subprocess.DEVNULL)
            commands = {"freeze": ([str(exe)], env, project),
                        "freeze stored": ([str(stored_exe)], env, stored_project),
                        "python": ([python, script], python_env, project)}
            if app == "hello":
                commands["python -I -S -c pass"] = ([python, "-I", "-S", "-c", "pass"], env, project)
            if args.distribution:  # Debian's python3.11 beside the distribution's own
                subprocess.run([PYTHON, script], cwd=project, env=python_env, check=True, stdout=subprocess.DEVNULL)
                commands["system"] = ([PYTHON, "-I", "-S", "-c", "pass"] if app == "hello" else [PYTHON, script],
                                      env if app == "hello" else python_env, project)
            results = measure(commands, args.runs)
            reference = results["python -I -S -c pass" if app == "hello" else "python"]
            ratio = results["freeze"][0] / reference[0]
            rows.append({
                "app": app, "freeze_ms": round(results["freeze"][0] * 1000, 2),
                "python_ms": round(results["python"][0] * 1000, 2),
                "reference": "python -I -S -c pass" if app == "hello" else "python (warm pyc)",
                "reference_ms": round(reference[0] * 1000, 2), "ratio": round(ratio, 3),
                "cpu_ratio": round(results["freeze"][2] / reference[2], 3),
                "target_ratio": TARGETS[app], "meets_ratio": ratio <= TARGETS[app],
                "freeze_rss_mib": round(results["freeze"][1] / 1024, 1),
                "python_rss_mib": round(results["python"][1] / 1024, 1),
                "rss_delta_mib": round((results["freeze"][1] - results["python"][1]) / 1024, 1),
                "size_mb": round(size / 1e6, 2), "reachable_size_mb": round(reachable_size / 1e6, 2),
                "size_target_mb": SIZE_LIMITS_MB[app], "cold_build_s": round(cold, 2), "rebuild_s": round(rebuild, 2),
                "unchanged_rebuild_s": round(unchanged, 2),
                "stored_ms": round(results["freeze stored"][0] * 1000, 2),
                "stored_ratio": round(results["freeze stored"][0] / reference[0], 3),
                "stored_size_mb": round(stored_exe.stat().st_size / 1e6, 2),
                "system_ratio": round(results["freeze"][0] / results["system"][0], 3) if "system" in results else "",
            })
        # Size and build time with the full stdlib are the "full" rows; hello is the reference case.
    finally:
        shutil.rmtree(work, ignore_errors=True)

    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    header = ("| app | freeze ms | reference | ref ms | ratio (target) | CPU-time ratio | RSS freeze / python MiB (target +2) | "
              "size MB full stdlib | size MB reachable (PyInstaller) | cold build s (<= 10) | "
              "rebuild s after a one-line edit / with no change (<= 0.5) | "
              "stored (level 0): ms, ratio, MB |" + (" ratio vs /usr/bin/python3.11 |" if args.distribution else ""))
    lines = [header, "|" + "---|" * (13 if args.distribution else 12)]
    for r in rows:
        verdict = "ok" if r["meets_ratio"] else f"MISSED by {r['ratio'] / r['target_ratio'] - 1:.0%}"
        rss = f"{r['freeze_rss_mib']} / {r['python_rss_mib']} ({r['rss_delta_mib']:+})"
        full = f"{r['size_mb']}" + (f" (<= {HELLO_FULL_LIMIT_MB:.1f})" if r["app"] == "hello" else "")
        lines.append(f"| {r['app']} | {r['freeze_ms']} | {r['reference']} | {r['reference_ms']} | "
                     f"{r['ratio']} (<= {r['target_ratio']}: {verdict}) | {r['cpu_ratio']} | {rss} | {full} | "
                     f"{r['reachable_size_mb']} ({r['size_target_mb']}) | {r['cold_build_s']} | "
                     f"{r['rebuild_s']} / {r['unchanged_rebuild_s']} | "
                     f"{r['stored_ms']}, {r['stored_ratio']}, {r['stored_size_mb']} |" +
                     (f" {r['system_ratio']} |" if args.distribution else ""))
    table = "\n".join(lines)
    against = f", CPython {args.distribution.name}, reference its python" if args.distribution else ""
    (args.out / "results.md").write_text(f"# freeze benchmark ({time.strftime('%Y-%m-%d %H:%M')}, {args.runs} runs, medians{against})\n\n{table}\n")
    print(table)


if __name__ == "__main__":
    main()

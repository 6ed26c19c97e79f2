#!/usr/bin/python3.11
"""Debian's CPython 3.11 vs freeze-built distributions (distribution/freeze_distribution.py,
any version, with or without --pgo) vs python3.11 -I and each distribution's own python3.X -I,
each with a warm __pycache__: wall time (medians of interleaved runs), callgrind instruction
counts (machine load does not change them) and executable sizes, for the hello, import-heavy
and CPU-bound (compute: where LTO and PGO show) bench apps.

Usage: bench/distribution_compare.py DISTRIBUTION_DIR [DISTRIBUTION_DIR ...] [--runs N] [--freeze build/freeze]"""
import argparse
import json
import pathlib
import re
import shutil
import subprocess
import tempfile

from run import HERE, PYTHON, app_config, measure

DIST_OPTION = "--distribution"


def build(freeze, project, name, entry, stdlib, distribution=None):
    (project / "app.toml").write_text(app_config(name, entry, stdlib=stdlib))
    options = [DIST_OPTION, str(distribution)] if distribution else []
    subprocess.run([freeze, "build", "-q", project / "app.toml", "-o", project / "dist", *options], check=True)
    built = project / "dist" / name
    copy = project / f"{name}-{distribution.name if distribution else 'debian'}-{stdlib}"
    shutil.copy2(built, copy)
    return copy


def instructions(argv, cwd=None):
    result = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *map(str, argv)],
                            cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", result.stderr).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("distributions", type=pathlib.Path, nargs="+")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--freeze", default=str(HERE.parent / "build" / "freeze"))
    args = parser.parse_args()
    distributions = []  # (directory, "3.13.5 (LTO+PGO)", its python, "3.13")
    for directory in args.distributions:
        manifest = json.loads((directory / "manifest.json").read_text())
        kind = "LTO+PGO" if manifest.get("pgo") else "LTO"
        distributions.append((directory, f"{manifest['version']} ({kind})", str(directory / manifest["python"]),
                              ".".join(manifest["version"].split(".")[:2])))
    work = pathlib.Path(tempfile.mkdtemp(prefix="freeze-bench-dist-"))
    rows = []
    try:
        for app in ("hello", "imports", "compute"):
            script = f"{app}.py"
            project = work / app
            shutil.copytree(HERE / "apps" / app, project)
            sizes = {}
            exes = {}
            for label, dist in (("Debian's 3.11", None), *((d[1], d[0]) for d in distributions)):
                for stdlib in ("all", "reachable"):
                    exe = build(args.freeze, project, app, app, stdlib, dist)
                    sizes[(label, stdlib)] = exe.stat().st_size
                    if stdlib == "all":
                        exes[label] = exe
            pythons = [("python3.11", PYTHON)] + [(f"{d[1]}'s python{d[3]}", d[2]) for d in distributions]
            for _, python in pythons:  # warm pycaches
                subprocess.run([python, "-I", script], cwd=project, check=True, stdout=subprocess.DEVNULL)
            commands = {f"frozen, {label}": ([str(exe)], None, project) for label, exe in exes.items()}
            for name, python in pythons:
                commands[f"{name} -I (warm pycache)"] = ([python, "-I", script], None, project)
            if app == "hello":
                for name, python in pythons:
                    commands[f"{name} -I -S -c pass"] = ([python, "-I", "-S", "-c", "pass"], None, project)
            timings = measure(commands, args.runs)
            for label, (argv, _, cwd) in commands.items():
                seconds, rss, cpu = timings[label]
                rows.append((app, label, seconds * 1000, cpu * 1000, rss / 1024, instructions(argv, cwd) / 1e6))
            for (label, stdlib), size in sorted(sizes.items()):
                print(f"size {app} frozen with {label}, stdlib={stdlib}: {size / 1048576:.2f} MiB")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"| app | run | wall ms (median of {args.runs}) | CPU ms | peak RSS MiB | instructions (M, callgrind) |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for app, label, ms, cpu, rss, ir in rows:
        print(f"| {app} | {label} | {ms:.1f} | {cpu:.1f} | {rss:.1f} | {ir:.0f} |")


if __name__ == "__main__":
    main()

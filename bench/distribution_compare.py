#!/usr/bin/python3.11
"""Debian's CPython 3.11 vs a freeze-built distribution (distribution/freeze_distribution.py,
any version) vs python3.11 -I and the distribution's own python3.X -I, each with a warm __pycache__: wall time (medians of interleaved runs), callgrind
instruction counts (machine load does not change them) and executable sizes, for the hello
and import-heavy bench apps.

Usage: bench/distribution_compare.py DISTRIBUTION_DIR [--runs N] [--freeze build/freeze]"""
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
    copy = project / f"{name}-{'dist' if distribution else 'debian'}-{stdlib}"
    shutil.copy2(built, copy)
    return copy


def instructions(argv, cwd=None):
    result = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *map(str, argv)],
                            cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", result.stderr).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("distribution", type=pathlib.Path)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--freeze", default=str(HERE.parent / "build" / "freeze"))
    args = parser.parse_args()
    manifest = json.loads((args.distribution / "manifest.json").read_text())
    dist_python = str(args.distribution / manifest["python"])
    dist_version = ".".join(manifest["version"].split(".")[:2])
    work = pathlib.Path(tempfile.mkdtemp(prefix="freeze-bench-dist-"))
    rows = []
    try:
        for app, entry, script in (("hello", "hello", "hello.py"), ("imports", "imports", "imports.py")):
            project = work / app
            shutil.copytree(HERE / "apps" / app, project)
            sizes = {}
            exes = {}
            for label, dist in (("debian", None), ("dist", args.distribution)):
                for stdlib in ("all", "reachable"):
                    exe = build(args.freeze, project, app, entry, stdlib, dist)
                    sizes[(label, stdlib)] = exe.stat().st_size
                    if stdlib == "all":
                        exes[label] = exe
            for python in (PYTHON, dist_python):  # warm pycaches
                subprocess.run([python, "-I", script], cwd=project, check=True, stdout=subprocess.DEVNULL)
            commands = {"frozen, Debian's 3.11": ([str(exes["debian"])], None, project),
                        f"frozen, freeze's {manifest['version']}": ([str(exes["dist"])], None, project),
                        "python3.11 -I (warm pycache)": ([PYTHON, "-I", script], None, project),
                        f"distribution's python{dist_version} -I (warm pycache)": ([dist_python, "-I", script], None, project)}
            if app == "hello":
                commands["python3.11 -I -S -c pass"] = ([PYTHON, "-I", "-S", "-c", "pass"], None, project)
                commands[f"python{dist_version} -I -S -c pass"] = ([dist_python, "-I", "-S", "-c", "pass"], None, project)
            timings = measure(commands, args.runs)
            for label, (argv, _, cwd) in commands.items():
                seconds, rss, cpu = timings[label]
                rows.append((app, label, seconds * 1000, cpu * 1000, rss / 1024, instructions(argv, cwd) / 1e6))
            for (label, stdlib), size in sorted(sizes.items()):
                print(f"size {app} {label} stdlib={stdlib}: {size / 1048576:.2f} MiB")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"| app | run | wall ms (median of {args.runs}) | CPU ms | peak RSS MiB | instructions (M, callgrind) |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for app, label, ms, cpu, rss, ir in rows:
        print(f"| {app} | {label} | {ms:.1f} | {cpu:.1f} | {rss:.1f} | {ir:.0f} |")


if __name__ == "__main__":
    main()

#!/usr/bin/python3.11
"""What the virtual file system (launcher/virtual_files*.cpp) costs calls that do not concern it.

Freezes a tiny app that loads bench/vfs_cost/loops.c (compiled here) with ctypes and runs one of
its loops of N stat() or open()+close() calls: through the launcher's interposed functions, or
directly through glibc's. callgrind counts the instructions spent inside the functions named
stat (or open) (--toggle-collect), in the interposed loop the launcher's (and glibc's below it),
in the direct loop glibc's; less those of a run with an empty loop, divided by N, that is the
cost of one call, free of timing noise, and the difference is the interposition's. Paths: a real file outside the executable's directory, a missing one (the slow path: one
compare), and, for scale, an embedded file (served from memory).

Usage: bench/vfs_cost.py [--freeze build/freeze] [--calls N]
"""
import argparse
import pathlib
import re
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent

APP = '''
import ctypes, sys

def main():
    if sys.argv[1:] == ["--file"]:  # where this module's file is in the virtual tree
        return print(__file__)
    library, loop, path, calls = sys.argv[1:]
    function = getattr(ctypes.CDLL(library), loop)
    function.restype = ctypes.c_long
    function.argtypes = [ctypes.c_char_p, ctypes.c_long]
    print(function(path.encode(), int(calls)))
'''


def instructions(exe, library, loop, path, calls):
    """(instructions spent inside functions named like the loop's call, `stat` or `open`, in the
    whole run; calls that succeeded). In the interposed loop that is the launcher's function
    (and glibc's that it forwards to), in the direct loop glibc's own."""
    call = loop.split("_")[0]
    with tempfile.NamedTemporaryFile(prefix="callgrind.") as out:
        result = subprocess.run(["valgrind", "--tool=callgrind", f"--toggle-collect={call}",
                                 f"--callgrind-out-file={out.name}", exe, library, loop, path, str(calls)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"{loop} {path}: failed\n{result.stderr}")
        totals = re.search(r"^(?:totals|summary): (\d+)", pathlib.Path(out.name).read_text(), re.M)
        return int(totals.group(1)), int(result.stdout.split()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--freeze", default=str(ROOT / "build" / "freeze"))
    parser.add_argument("--calls", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="freeze-vfs-cost-") as tmp:
        tmp = pathlib.Path(tmp)
        library = tmp / "libloops.so"
        subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", library, HERE / "vfs_cost" / "loops.c", "-ldl"], check=True)
        (tmp / "app" / "src").mkdir(parents=True)
        (tmp / "app" / "src" / "vfsbench.py").write_text(APP)
        (tmp / "app" / "app.toml").write_text('[app]\nname = "vfsbench"\nentry = "vfsbench:main"\n'
                                              '[packages]\npaths = ["src"]\n[stdlib]\ninclude = "reachable"\n')
        subprocess.run([args.freeze, "build", "-q", tmp / "app" / "app.toml"], check=True)
        exe = tmp / "app" / "dist" / "vfsbench"
        real = tmp / "real.txt"
        real.write_text("real\n")
        embedded = subprocess.run([exe, "--file"], capture_output=True, text=True, check=True).stdout.strip()
        cases = [("real file outside the tree", real), ("missing file outside the tree", tmp / "missing.txt"),
                 ("embedded file (from memory)", embedded)]
        print(f"instructions per call ({args.calls} calls, callgrind)")
        print(f"{'call':<7} {'path':<31} {'glibc':>8} {'interposed':>11} {'difference':>11}")
        for call in ("stat", "open"):
            # The same run with no call in the loop: the program's own stat/open calls, taken off.
            base, _ = instructions(exe, library, f"{call}_direct", real, 0)
            for label, path in cases:
                interposed, found = instructions(exe, library, f"{call}_interposed", path, args.calls)
                direct, _ = instructions(exe, library, f"{call}_direct", path, args.calls)
                interposed, direct = interposed - base, direct - base
                print(f"{call:<7} {label:<31} {direct / args.calls:>8.0f} {interposed / args.calls:>11.0f} "
                      f"{(interposed - direct) / args.calls:>+11.1f}" + ("" if found in (0, args.calls) else " (?)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Which of Debian's patches to CPython are applied to the upstream tarball.

Kept: the security fixes and upstream bug-fix backports (`CVE-*`, `*-gh-*`, and the crash
fixes named below), in the order of debian/patches/series. Left out: everything that adapts
CPython to Debian's own layout (deb-*, multiarch, distutils and sysconfig install schemes,
dist-packages, shared-library linking, Debian's test and doc tweaks), which a self-contained
distribution does not want. A kept patch that does not apply to the tree is skipped and named
in the manifest, never half-applied (each is tried with --dry-run first)."""
import glob
import os
import subprocess

BUG_FIXES = {"shutdown-deadlock.diff", "frame_dealloc-crash.diff", "relfile-nullptr-dereference.patch"}


def is_kept(name):
    return name.startswith("CVE-") or "-gh-" in name or name in BUG_FIXES


def apply(progress, downloads, tree):
    """Applies the kept patches of the Debian package in downloads to tree; returns (applied, skipped)."""
    debian = sorted(glob.glob(os.path.join(downloads, "*.debian.tar.*")))
    if not debian:
        return [], []
    progress.phase("applying Debian's security and bug-fix patches")
    patches_dir = os.path.join(os.path.dirname(tree), "debian-patches")
    os.makedirs(patches_dir, exist_ok=True)
    progress.run(["tar", "-xf", debian[-1], "-C", patches_dir, "--no-same-owner", "debian/patches"],
                 f"unpacking {debian[-1]}")
    series_path = os.path.join(patches_dir, "debian/patches/series")
    with open(series_path) as f:
        series = [line.split()[0] for line in f if line.strip() and not line.startswith("#")]
    applied, skipped = [], []
    for name in filter(is_kept, series):
        path = os.path.join(patches_dir, "debian/patches", name)
        dry = subprocess.run(["patch", "-p1", "--dry-run", "-N", "-s", "-i", path], cwd=tree,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if dry.returncode != 0:
            progress.log.write(f"patch {name} does not apply:\n{dry.stdout}\n")
            skipped.append(name)
            continue
        progress.run(["patch", "-p1", "-N", "-s", "-i", path], f"applying {name}", cwd=tree)
        applied.append(name)
    progress.note(f"{len(applied)} patches applied, {len(skipped)} skipped ({', '.join(skipped) or 'none'})")
    return applied, skipped

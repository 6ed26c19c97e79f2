"""CPython's source tree: the upstream tarball inside Debian's source package, downloaded with
`apt-get source --download-only` through a private apt configuration (its own sources list,
lists and caches under ~/.cache/freeze/apt/<suite>, deb-src entries derived from this
machine's mirrors), so that the system's apt setup is untouched; or a python.org-style
tarball given by path.

Debian's patches are not applied: they adapt CPython to Debian's layout (multiarch paths,
dist-packages, the distutils/sysconfig install schemes, the shared libpython), which a
self-contained distribution does not want. The tree is upstream's release as Debian ships it."""
import glob
import os
import shutil

import apt_sources
import build_root

# Which Debian suite ships each CPython version's source package.
SUITE_OF_VERSION = {"3.11": "bookworm", "3.12": "sid", "3.13": "trixie", "3.14": "sid", "3.15": "sid"}


def _apt_options(state):
    return ["-o", f"Dir::Etc::SourceList={state}/sources.list", "-o", f"Dir::Etc::SourceParts={state}/sources.list.d",
            "-o", f"Dir::State::Lists={state}/lists", "-o", f"Dir::Cache={state}/cache",
            "-o", f"Dir::State::status={state}/status", "-o", "APT::Sandbox::User=root",
            "-o", "Debug::NoLocking=1"]


def download_debian_source(progress, version):
    """The directory holding python<version>'s Debian source package files (cached)."""
    suite = SUITE_OF_VERSION.get(version)
    if suite is None:
        raise SystemExit(f"freeze-distribution: error: no Debian suite known to ship python{version}'s source")
    package = f"python{version}"
    downloads = os.path.join(build_root.cache_dir(), "sources", package)
    if glob.glob(os.path.join(downloads, f"{package}_*.orig.tar.*")):
        progress.note(f"{package} source: cached ({downloads})")
        return downloads
    state = os.path.join(build_root.cache_dir(), "apt", suite)
    for sub in ("lists/partial", "cache/archives/partial", "sources.list.d"):
        os.makedirs(os.path.join(state, sub), exist_ok=True)
    with open(os.path.join(state, "sources.list"), "w") as f:
        f.write(apt_sources.source_list(suite))
    open(os.path.join(state, "status"), "a").close()
    progress.phase(f"apt-get source {package} ({suite})")
    options = _apt_options(state)
    progress.run(["apt-get", *options, "update"], f"apt-get update for {suite}'s deb-src entries")
    temporary = downloads + ".tmp"
    shutil.rmtree(temporary, ignore_errors=True)
    os.makedirs(temporary)
    progress.run(["apt-get", *options, "source", "--download-only", package],
                 f"apt-get source {package}", cwd=temporary)
    os.rename(temporary, downloads)
    return downloads


def upstream_tarball(downloads, version):
    # Not the detached signature (.orig.tar.xz.asc) that some versions' packages carry beside it.
    found = sorted(path for path in glob.glob(os.path.join(downloads, f"python{version}_*.orig.tar.*"))
                   if not path.endswith((".asc", ".sig")))
    if not found:
        raise SystemExit(f"freeze-distribution: error: no upstream tarball in {downloads}")
    return found[-1]


def unpack(progress, tarball, destination):
    """Unpacks tarball (one top directory, python.org style) into destination; returns the tree."""
    progress.phase(f"unpacking {os.path.basename(tarball)}")
    shutil.rmtree(destination, ignore_errors=True)
    os.makedirs(destination)
    # tar(1) rather than tarfile: Debian's 3.11.2 has no extraction filter, and tar refuses
    # absolute and escaping member names by default.
    progress.run(["tar", "-xf", tarball, "-C", destination, "--no-same-owner"], f"unpacking {tarball}")
    tops = os.listdir(destination)
    if len(tops) != 1:
        raise SystemExit(f"freeze-distribution: error: {tarball} does not hold one top directory")
    tree = os.path.join(destination, tops[0])
    if not os.path.exists(os.path.join(tree, "configure")) or not os.path.exists(os.path.join(tree, "Include/patchlevel.h")):
        raise SystemExit(f"freeze-distribution: error: {tarball} is not a CPython source tarball (no configure, Include/patchlevel.h)")
    return tree


def tree_version(tree):
    """(major.minor, full version) from Include/patchlevel.h."""
    with open(os.path.join(tree, "Include/patchlevel.h")) as f:
        for line in f:
            if line.startswith("#define PY_VERSION "):
                full = line.split('"')[1]
                return ".".join(full.split(".")[:2]), full
    raise SystemExit(f"freeze-distribution: error: no PY_VERSION in {tree}/Include/patchlevel.h")

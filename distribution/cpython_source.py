"""CPython's source tree: the upstream tarball inside Debian's source package (debian_source.py),
or a python.org-style tarball given by path.

Debian's patches are not applied: they adapt CPython to Debian's layout (multiarch paths,
dist-packages, the distutils/sysconfig install schemes, the shared libpython), which a
self-contained distribution does not want. The tree is upstream's release as Debian ships it."""
import os
import shutil

import debian_source
from progress import BuildError

# Which Debian suite ships each CPython version's source package.
SUITE_OF_VERSION = {"3.11": "bookworm", "3.12": "sid", "3.13": "trixie", "3.14": "sid", "3.15": "sid"}


def download_debian_source(progress, version):
    """The directory holding python<version>'s Debian source package files (cached)."""
    tarball_hint = f"; a python.org source tarball builds it: freeze distribution build --source Python-{version}.N.tar.xz"
    suite = SUITE_OF_VERSION.get(version)
    if suite is None:
        raise BuildError(f"no Debian suite known to ship python{version}'s source{tarball_hint}")
    package = f"python{version}"
    try:
        return debian_source.download(progress, package, [suite],
                                      lambda directory: debian_source.upstream_tarballs(directory, package))
    except BuildError as error:
        raise BuildError(f"{error}{tarball_hint}") from None


def upstream_tarball(downloads, version):
    found = debian_source.upstream_tarballs(downloads, f"python{version}")
    if not found:
        raise BuildError(f"no upstream tarball in {downloads}")
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
        raise BuildError(f"{tarball} does not hold one top directory")
    tree = os.path.join(destination, tops[0])
    if not os.path.exists(os.path.join(tree, "configure")) or not os.path.exists(os.path.join(tree, "Include/patchlevel.h")):
        raise BuildError(f"{tarball} is not a CPython source tarball (no configure, Include/patchlevel.h)")
    return tree


def tree_version(tree):
    """(major.minor, full version) from Include/patchlevel.h."""
    with open(os.path.join(tree, "Include/patchlevel.h")) as f:
        for line in f:
            if line.startswith("#define PY_VERSION "):
                full = line.split('"')[1]
                return ".".join(full.split(".")[:2]), full
    raise SystemExit(f"freeze-distribution: error: no PY_VERSION in {tree}/Include/patchlevel.h")

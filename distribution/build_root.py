"""A cached Debian build root made with `debootstrap --variant=minbase`, with the compilers and
the static -dev libraries that CPython's extension modules and freeze's launcher link.

The root is keyed by suite and package list (~/.cache/freeze/roots/<suite>-<key>) and made in
a temporary directory renamed into place when complete: a killed run leaves no half root."""
import hashlib
import os
import shutil

import apt_sources
import chroot_run
from progress import BuildError

# What CPython's configure detects for its extension modules, and what freeze's launcher
# links (zstd, xxhash, a C++ compiler, cmake). Only the -dev packages' static archives end up
# in the executables.
BUILD_PACKAGES = [
    "build-essential", "pkg-config", "cmake", "ninja-build", "xz-utils", "file", "binutils",
    "libssl-dev", "libsqlite3-dev", "libffi-dev", "libmpdec-dev", "liblzma-dev", "libbz2-dev",
    "zlib1g-dev", "libexpat1-dev", "libreadline-dev", "libedit-dev", "libncursesw5-dev", "libgdbm-dev",
    "libgdbm-compat-dev", "uuid-dev", "libzstd-dev", "libxxhash-dev",
]
ROOT_FORMAT = "1"  # bump when the way roots are made changes


def cache_dir():
    base = os.environ.get("FREEZE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "freeze")
    return base


def root_key(suite, packages):
    text = "\n".join([ROOT_FORMAT, suite, *sorted(packages)])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def ensure_root(progress, suite, packages=BUILD_PACKAGES):
    """The path of a root for suite with packages, made if it is not cached yet."""
    roots = os.path.join(cache_dir(), "roots")
    final = os.path.join(roots, f"{suite}-{root_key(suite, packages)}")
    if os.path.isdir(final):
        progress.note(f"{suite} root: cached ({final})")
        return final
    os.makedirs(roots, exist_ok=True)
    temporary = final + ".tmp"
    if os.path.exists(temporary):  # left by a killed run
        shutil.rmtree(temporary)
    if shutil.which("debootstrap") is None and not os.path.exists("/usr/sbin/debootstrap"):
        raise BuildError(f"the {suite} build root is made with debootstrap, which is not installed "
                         "(Debian: apt-get install debootstrap)")
    mirror = apt_sources.main_mirror()
    progress.phase(f"debootstrap {suite} (minbase)")
    progress.run([*chroot_run.as_root(), "debootstrap", "--variant=minbase", suite, temporary, mirror],
                 f"debootstrap {suite}")
    if packages:
        security = apt_sources.security_mirror()
        if security and suite != "sid":
            with open(os.path.join(temporary, "etc/apt/sources.list"), "a") as f:
                f.write(f"deb {security} {suite}-security main\n")
        progress.phase(f"{suite} root: installing {len(packages)} build packages")
        progress.run(chroot_run.command(temporary, ["apt-get", "update"]), f"apt-get update in the {suite} root")
        progress.run(chroot_run.command(temporary, ["apt-get", "install", "-y", "--no-install-recommends", *packages]),
                     f"installing build packages in the {suite} root")
        progress.run(chroot_run.command(temporary, ["apt-get", "clean"]), "apt-get clean")
    os.rename(temporary, final)
    progress.end_phase()
    return final

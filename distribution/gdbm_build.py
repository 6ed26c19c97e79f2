"""libgdbm_compat (the ndbm interface of GNU dbm, which _dbm and so dbm.ndbm use), built as a
static archive from Debian's source package of gdbm: Debian ships libgdbm_compat only as a
shared library. Bullseye's gdbm source is no longer served by the mirror, so bookworm's (1.23)
is built in the bullseye root, with its libgdbm and headers, which _gdbm and _dbm then compile
and link against (CPPFLAGS puts them before the root's 1.19 headers). Built once and cached
(~/.cache/freeze/libraries/gdbm-<version>-<key>/ with include/ and lib/libgdbm.a,
lib/libgdbm_compat.a), reused by every CPython version's distribution."""
import hashlib
import json
import os
import shutil

import build_root
import chroot_run
import debian_source

SUITES = ["bookworm"]
# Where the built archives are seen inside the root while CPython is built.
PREFIX_IN_ROOT = "/freeze/gdbm"
BUILD_FORMAT = "1"  # bump when a change here changes what gets built
CONFIGURE_OPTIONS = [f"--prefix={PREFIX_IN_ROOT}", "--enable-libgdbm-compat", "--disable-shared", "--enable-static",
                     "--without-readline", "--disable-nls", "CFLAGS=-O2 -fPIC"]


def _tarballs(directory):
    return debian_source.upstream_tarballs(directory, "gdbm")


def ensure_gdbm(progress, root):
    """The directory of a static libgdbm and libgdbm_compat built in root (now unless cached)."""
    downloads = debian_source.download(progress, "gdbm", SUITES, _tarballs)
    tarball = _tarballs(downloads)[-1]
    version = os.path.basename(tarball).split("_")[1].split(".orig")[0]
    key = hashlib.sha256(json.dumps([BUILD_FORMAT, os.path.basename(tarball), os.path.getsize(tarball),
                                     CONFIGURE_OPTIONS, os.path.basename(root)]).encode()).hexdigest()[:12]
    final = os.path.join(build_root.cache_dir(), "libraries", f"gdbm-{version}-{key}")
    if os.path.isfile(os.path.join(final, "lib", "libgdbm_compat.a")):
        progress.note(f"gdbm {version}: cached ({final})")
        return final
    work = final + ".work"
    install = final + ".tmp"
    for directory in (work, install):
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
    progress.phase(f"building gdbm {version} with a static libgdbm_compat (in the {os.path.basename(root).split('-')[0]} root)")
    progress.run(["tar", "-xf", tarball, "-C", work, "--no-same-owner", "--strip-components=1"],
                 f"unpacking {tarball}")
    script = ("cd /freeze/gdbm-source && ./configure " + " ".join(f"'{option}'" for option in CONFIGURE_OPTIONS) +
              f" && make -j{progress.jobs} && make install")
    progress.run(chroot_run.command(root, ["sh", "-c", script],
                                    binds=[(work, "/freeze/gdbm-source"), (install, PREFIX_IN_ROOT)]),
                 f"building gdbm {version}")
    os.rename(install, final)
    shutil.rmtree(work, ignore_errors=True)
    progress.end_phase()
    return final

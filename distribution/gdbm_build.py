"""libgdbm_compat (the ndbm interface of GNU dbm, which _dbm and so dbm.ndbm use), built as a
static archive from Debian's source package of gdbm: Debian ships libgdbm_compat only as a
shared library. Bullseye's gdbm source is no longer served by the mirror, so bookworm's (1.23)
is built in the bullseye root, with its libgdbm and headers, which _gdbm and _dbm then compile
and link against (CPPFLAGS puts them before the root's 1.19 headers). Built once and cached
(~/.cache/freeze/libraries/gdbm-<version>-<key>/ with include/ and lib/libgdbm.a,
lib/libgdbm_compat.a), reused by every CPython version's distribution."""
import library_build

SUITES = ["bookworm"]
# Where the built archives are seen inside the root while CPython is built.
PREFIX_IN_ROOT = "/freeze/gdbm"
BUILD_FORMAT = "1"  # bump when a change here changes what gets built
CONFIGURE_OPTIONS = [f"--prefix={PREFIX_IN_ROOT}", "--enable-libgdbm-compat", "--disable-shared", "--enable-static",
                     "--without-readline", "--disable-nls", "CFLAGS=-O2 -fPIC"]


def ensure_gdbm(progress, root):
    """The directory of a static libgdbm and libgdbm_compat built in root (now unless cached)."""
    commands = ("./configure " + " ".join(f"'{option}'" for option in CONFIGURE_OPTIONS) +
                f" && make -j{progress.jobs} && make install")
    return library_build.ensure_library(progress, root, "gdbm", "gdbm", SUITES, BUILD_FORMAT, CONFIGURE_OPTIONS,
                                        PREFIX_IN_ROOT, "lib/libgdbm_compat.a", commands, "with a static libgdbm_compat")

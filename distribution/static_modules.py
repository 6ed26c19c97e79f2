"""Which stdlib extension modules become builtins, and how.

CPython 3.11+ lists most extension modules in Modules/Setup.stdlib, whose build type configure
takes from MODULE_BUILDTYPE: `static` compiles them into libpython (the version's own
mechanism, used for WebAssembly). The few that setup.py still builds (_ctypes, readline, the
curses pair, _dbm) are declared in Modules/Setup.local's *static* section, with the flags
setup.py would pass. The linker is pointed at a directory holding only the static archives of
the libraries they need, so every one of them is linked in, and only glibc stays dynamic."""
import os

# Modules setup.py builds in 3.11 (not in Setup.stdlib), as Setup.local lines. No `=` in
# them: makesetup takes a line with one for a Makefile variable (`-DX` defines X as 1).
SETUP_LOCAL_3_11 = """\
# Written by freeze's distribution builder: extension modules that setup.py would build as
# shared objects, compiled in instead.
*static*
_ctypes _ctypes/_ctypes.c _ctypes/callbacks.c _ctypes/callproc.c _ctypes/stgdict.c _ctypes/cfield.c -DHAVE_FFI_PREP_CIF_VAR -DHAVE_FFI_PREP_CLOSURE_LOC -DHAVE_FFI_CLOSURE_ALLOC -lffi -ldl
readline readline.c -I/usr/include/editline -ledit -lbsd -lmd -ltinfo
_curses _cursesmodule.c -DHAVE_NCURSESW -I/usr/include/ncursesw -lncursesw -ltinfo
_curses_panel _curses_panel.c -DHAVE_NCURSESW -I/usr/include/ncursesw -lpanelw -lncursesw -ltinfo

# _dbm (dbm.ndbm) against the builder's libgdbm_compat, with the flags 3.12's configure
# records for it (3.11's Setup.stdlib leaves _dbm to setup.py).
_dbm _dbmmodule.c -DUSE_GDBM_COMPAT -lgdbm_compat
"""

# Static archives (from the build root's -dev packages) the builtins and the launcher link.
# OpenSSL's and gdbm's (with libgdbm_compat, which Debian ships only shared) are built by the
# builder (openssl_build.py, gdbm_build.py).
STATIC_LIBRARIES = ["ssl", "crypto", "sqlite3", "ffi", "mpdec", "lzma", "bz2", "z", "expat", "edit", "bsd", "md",
                    "ncursesw", "panelw", "tinfo", "gdbm", "gdbm_compat", "uuid", "crypt", "zstd", "xxhash"]

# Builtins a distribution must have: a build where configure rejected one of their libraries
# (it reports "no" and goes on) fails instead of producing a distribution without them.
REQUIRED_BUILTINS = ["_ssl", "_hashlib", "_sqlite3", "_ctypes", "_decimal", "_lzma", "_bz2", "zlib", "pyexpat",
                     "_uuid", "readline", "_curses", "_curses_panel", "_gdbm", "_dbm", "binascii", "_elementtree"]


# Modules that are not wanted as builtins: GUI, removed-in-3.13 NIS, audio devices.
CONFIGURE_DISABLED = ["_tkinter", "nis", "ossaudiodev"]

# Functions configure checks for that glibc 2.31 lacks but libbsd (linked for libedit) has.
LIBBSD_ONLY_FUNCTIONS = ["closefrom", "strlcpy"]


def setup_local(version):
    if version == "3.11":
        return SETUP_LOCAL_3_11
    # 3.12 moved the rest into Setup.stdlib (setup.py is gone): MODULE_BUILDTYPE covers all.
    return "*static*\n"


def configure_environment(static_dir):
    # LIBS: what the static archives need that configure's link checks do not add after them
    # (libsqlite3.a needs libm; libedit.a needs libbsd's strlcpy, which needs libmd).
    env = {"MODULE_BUILDTYPE": "static", "PKG_CONFIG": "pkg-config --static", "LDFLAGS": f"-L{static_dir}",
           "LIBS": "-lm -lbsd -lmd"}
    for name in CONFIGURE_DISABLED:
        env[f"py_cv_module_{name}"] = "n/a"
    # -lbsd in LIBS makes configure's link checks find libbsd's closefrom and strlcpy, which
    # glibc 2.31's headers do not declare (3.13's fileutils.c then fails on closefrom): they are
    # taken as absent, as they are from glibc 2.31.
    for function in LIBBSD_ONLY_FUNCTIONS:
        env[f"ac_cv_func_{function}"] = "no"
    return env


def write_setup_local(build_dir, version):
    os.makedirs(os.path.join(build_dir, "Modules"), exist_ok=True)
    with open(os.path.join(build_dir, "Modules", "Setup.local"), "w") as f:
        f.write(setup_local(version))

"""freeze's launcher built against a distribution, inside the build root (glibc 2.31), with
the project's own CMake in its launcher-only mode. Placed in DIST/bin/freeze-launcher, with
DIST/launcher-source.key recording the sources it came from: a change of freeze's launcher,
importer or format code rebuilds it, nothing else does."""
import hashlib
import os
import shutil
import subprocess

import build_root
import chroot_run
import glibc_version

HERE = os.path.dirname(os.path.abspath(__file__))
REPOSITORY = os.path.dirname(HERE)
SOURCE_DIRS = ["CMakeLists.txt", "cmake", "format", "importer", "launcher"]


def source_key():
    digest = hashlib.sha256()
    for top in SOURCE_DIRS:
        path = os.path.join(REPOSITORY, top)
        files = [path] if os.path.isfile(path) else sorted(
            os.path.join(d, f) for d, _, names in os.walk(path) for f in names)
        for name in files:
            digest.update(os.path.relpath(name, REPOSITORY).encode() + b"\0")
            with open(name, "rb") as f:
                digest.update(f.read())
    return digest.hexdigest()[:16]


def ensure_launcher(progress, distribution, version, lto=True):
    root = build_root.ensure_root(progress, "bullseye")
    key = source_key()
    key_file = os.path.join(distribution, "launcher-source.key")
    launcher = os.path.join(distribution, "bin", "freeze-launcher")
    key += "-lto" if lto else "-nolto"
    if os.path.exists(launcher) and os.path.exists(key_file) and open(key_file).read().strip() == key:
        progress.note(f"launcher cached: {launcher}")
        return launcher
    progress.phase("building freeze's launcher in the bullseye root")
    work = os.path.join(build_root.cache_dir(), "work", "launcher-" + os.path.basename(distribution))
    # A fresh build directory: one reused across source changes linked stale objects (GCC 10's
    # LTO in the root left read_settings undefined after format/ changed).
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    binds = [(REPOSITORY, "/freeze/src"), (work, "/freeze/build"), (distribution, "/freeze/cpython")]
    script = ("cmake -S /freeze/src -B /freeze/build -G Ninja -DCMAKE_BUILD_TYPE=Release "
              "-DFREEZE_LAUNCHER_ONLY=ON -DFREEZE_DISTRIBUTION=/freeze/cpython "
              f"-DFREEZE_DISTRIBUTION_LTO={'ON' if lto else 'OFF'} "
              f"&& cmake --build /freeze/build -j{progress.jobs} --target freeze-launcher")
    progress.run(chroot_run.command(root, ["sh", "-c", script], binds=binds), "building the launcher")
    temporary = launcher + ".tmp"
    shutil.copyfile(os.path.join(work, "freeze-launcher"), temporary)
    os.chmod(temporary, 0o755)
    os.rename(temporary, launcher)
    with open(key_file, "w") as f:
        f.write(key + "\n")
    progress.note(f"launcher {launcher}: {os.path.getsize(launcher)} bytes, needs GLIBC_{glibc_version.newest_glibc(launcher)}")
    return launcher

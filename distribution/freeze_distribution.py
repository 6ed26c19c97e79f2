"""freeze's CPython distribution builder: a static, LTO-built CPython with every stdlib extension
module compiled in, built from source inside a debootstrapped Debian 11 (bullseye) root so that
it and the launcher built against it need nothing newer than glibc 2.31.

    /usr/bin/python3.11 distribution/freeze_distribution.py [--version 3.11 | --source TARBALL]
                                                            [--pgo] [--jobs 2] [--no-launcher]

Prints the distribution directory (~/.cache/freeze/distributions/cpython-<version>-<key>/)
on stdout; progress goes to stderr phase by phase, every command's output to the log file
beside it. A cached distribution is reused; a killed build leaves only a *.tmp directory that
the next build removes."""
import argparse
import glob
import hashlib
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build_root  # noqa: E402
import chroot_run  # noqa: E402
import cpython_source  # noqa: E402
import debian_patches  # noqa: E402
import gdbm_build  # noqa: E402
import glibc_version  # noqa: E402
import launcher_build  # noqa: E402
import openssl_build  # noqa: E402
import static_modules  # noqa: E402
from progress import BuildError, Progress  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BUILDER_FORMAT = "4"  # bump when a change here changes what gets built
SUITE = "bullseye"
# Where the distribution lives inside the root while it is built (its prefix: sysconfig's
# paths name it) and while a launcher is built against it.
PREFIX_IN_ROOT = "/freeze/cpython"


def configure_options(version, pgo=False):
    # --enable-optimizations: PGO, trained by CPython's own `-m test --pgo` task run by the
    # instrumented interpreter in the root, then rebuilt. A test that fails there (3.13.5's
    # test_xml_etree against bullseye's expat 2.2.10) has trained all the same: from 3.13 its
    # failure would end the build, so the task's status is ignored, as 3.11's Makefile did.
    options = ["--prefix=" + PREFIX_IN_ROOT, "--disable-shared", "--with-lto", "--disable-test-modules",
               "--with-system-expat", "--with-system-libmpdec", "--with-readline=editline",
               "--with-ensurepip=no", "--enable-ipv6", "--with-computed-gotos"]
    return ["--enable-optimizations", "PROFILE_TASK=-m test --pgo --timeout=1200 || true", *options] if pgo else options


def distribution_key(version, tarball, root, libraries, pgo):
    text = json.dumps([BUILDER_FORMAT, version, os.path.basename(tarball), os.path.getsize(tarball),
                       sorted(os.path.basename(directory) for directory in libraries.values()),
                       configure_options(version, pgo), static_modules.setup_local(version),
                       static_modules.configure_environment(""),
                       static_modules.STATIC_LIBRARIES, os.path.basename(root),
                       open(os.path.join(HERE, "build_cpython.sh")).read()])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def build_cpython(progress, root, libraries, tree, version, work, install, key, pgo):
    """libraries: {prefix in the root: host directory} of the libraries built for it (OpenSSL, gdbm)."""
    # The build directory of an interrupted build with the same key is reused (make redoes
    # only what is missing); any other is removed.
    build_dir = os.path.join(work, "build")
    key_file = os.path.join(build_dir, ".freeze-key")
    if not os.path.exists(key_file) or open(key_file).read().strip() != key:
        shutil.rmtree(build_dir, ignore_errors=True)
        os.makedirs(build_dir)
        with open(key_file, "w") as f:
            f.write(key + "\n")
    static_modules.write_setup_local(build_dir, version)
    env = static_modules.configure_environment("/freeze/work/static-libs")
    env["FREEZE_STATIC_LIBRARIES"] = " ".join(static_modules.STATIC_LIBRARIES)
    env["FREEZE_OPENSSL_LIB"] = openssl_build.PREFIX_IN_ROOT + "/lib"
    env["FREEZE_GDBM_LIB"] = gdbm_build.PREFIX_IN_ROOT + "/lib"
    env["CPPFLAGS"] = "-I" + gdbm_build.PREFIX_IN_ROOT + "/include"  # its gdbm.h and ndbm.h, not the root's
    # configure finds OpenSSL through pkg-config --static, which also names what the static
    # libcrypto needs after it (-ldl); --with-openssl=DIR would give -lssl -lcrypto alone.
    env["PKG_CONFIG_PATH"] = openssl_build.PREFIX_IN_ROOT + "/lib/pkgconfig"
    if version == "3.11":
        env["FREEZE_APPEND_SETUP_STDLIB"] = "1"
    progress.phase(f"building CPython {version} (configure, make -j{progress.jobs} with LTO{' and PGO' if pgo else ''}, install)")
    binds = [(tree, "/freeze/source"), (work, "/freeze/work"), (install, PREFIX_IN_ROOT), (HERE, "/freeze/builder"),
             *((host, inside) for inside, host in libraries.items())]
    progress.run(chroot_run.command(root, ["sh", "/freeze/builder/build_cpython.sh", "/freeze/source",
                                           "/freeze/work/build", str(progress.jobs), *configure_options(version, pgo)],
                                    binds=binds, env=env), f"building CPython {version}")
    # The static archives the builtins need go with the distribution: a launcher links them.
    static_dir = os.path.join(install, "lib", "freeze-static")
    os.makedirs(static_dir, exist_ok=True)
    for name in sorted(os.listdir(os.path.join(work, "static-libs"))):
        entry = os.path.join(work, "static-libs", name)
        source = entry
        if os.path.islink(entry):  # links name files as seen inside the root
            target = os.readlink(entry)
            source = root + target
            for inside, host in libraries.items():
                if target.startswith(inside + "/"):
                    source = host + target[len(inside):]
        shutil.copyfile(source, os.path.join(static_dir, name))
    # And the archives CPython's own build makes for builtins and names by build-tree path in
    # MODLIBS (3.12+: Modules/_hacl/libHacl_Hash_SHA2.a), which make install does not install.
    for archive in glob.glob(os.path.join(build_dir, "Modules", "**", "*.a"), recursive=True):
        shutil.copyfile(archive, os.path.join(static_dir, os.path.basename(archive)))
    progress.phase("probing the interpreter for the manifest")
    probe = progress.output(chroot_run.command(root, [f"{PREFIX_IN_ROOT}/bin/python{version}", "-I", "-S",
                                                      "/freeze/builder/manifest_probe.py"], binds=binds),
                            "running the new interpreter")
    manifest = json.loads(probe)
    missing = [name for name in static_modules.REQUIRED_BUILTINS if name not in manifest["builtin_module_names"]]
    if missing:
        raise BuildError(f"CPython {version} was built without the builtin modules {', '.join(missing)} "
                         f"(configure found no usable library for them); see {progress.log_path}")
    return manifest


def ensure_distribution(progress, args):
    # The source first (downloaded, unpacked, patched): a version with no source, or a tarball
    # that is none, fails in seconds, before the root and OpenSSL are made.
    downloads = None
    if args.source:
        tarball = os.path.abspath(args.source)
        if not os.path.isfile(tarball):
            raise BuildError(f"{args.source}: no such file")
    else:
        downloads = cpython_source.download_debian_source(progress, args.version)
        tarball = cpython_source.upstream_tarball(downloads, args.version)
    distributions = os.path.join(build_root.cache_dir(), "distributions")
    work = os.path.join(build_root.cache_dir(), "work", os.path.basename(tarball))
    # An interrupted build's prepared tree (unpacked and patched) is kept: unpacking again
    # would give the patched files new times, and make would rebuild everything.
    prepared = os.path.join(work, "source", ".freeze-prepared")
    if os.path.exists(prepared):
        tree = open(prepared).read().strip()
        applied, skipped = json.load(open(prepared + ".json"))
        progress.note(f"source tree: reused ({tree})")
    else:
        try:
            tree = cpython_source.unpack(progress, tarball, os.path.join(work, "source"))
        except BuildError:
            shutil.rmtree(work, ignore_errors=True)
            raise
        applied, skipped = debian_patches.apply(progress, downloads, tree) if downloads else ([], [])
        with open(prepared + ".json", "w") as f:
            json.dump([applied, skipped], f)
        with open(prepared, "w") as f:
            f.write(tree + "\n")
    version, full_version = cpython_source.tree_version(tree)
    root = build_root.ensure_root(progress, SUITE)
    libraries = {openssl_build.PREFIX_IN_ROOT: openssl_build.ensure_openssl(progress, root),
                 gdbm_build.PREFIX_IN_ROOT: gdbm_build.ensure_gdbm(progress, root)}
    key = distribution_key(version, tarball, root, libraries, args.pgo)
    name = f"cpython-{full_version}-{key}"
    final = os.path.join(distributions, name)
    if os.path.isfile(os.path.join(final, "manifest.json")):
        progress.note(f"distribution cached: {final}")
        shutil.rmtree(work, ignore_errors=True)
        return final, version
    install = final + ".tmp"
    shutil.rmtree(install, ignore_errors=True)
    os.makedirs(install)
    manifest = build_cpython(progress, root, libraries, tree, version, work, install, key, args.pgo)
    python = os.path.join(install, "bin", f"python{version}")
    manifest.update({
        "source": os.path.basename(tarball), "debian_patches_applied": applied, "debian_patches_skipped": skipped,
        "build_root": os.path.basename(root), "prefix_in_build_root": PREFIX_IN_ROOT,
        "static_library": f"lib/python{version}/config-{version}{manifest['abiflags']}-x86_64-linux-gnu/libpython{version}{manifest['abiflags']}.a",
        "python": f"bin/python{version}", "stdlib": f"lib/python{version}",
        "glibc": glibc_version.newest_glibc(python),
        "openssl": os.path.basename(libraries[openssl_build.PREFIX_IN_ROOT]).rsplit("-", 1)[0], "pgo": bool(args.pgo),
    })
    with open(os.path.join(install, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    os.rename(install, final)
    shutil.rmtree(work, ignore_errors=True)
    return final, version


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", default="3.11", help="CPython version from Debian's source packages (3.11: bookworm, 3.13: trixie, 3.14/3.15: sid)")
    parser.add_argument("--source", metavar="TARBALL", help="a python.org-style source tarball instead")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--pgo", action="store_true",
                        help="profile-guided optimisation as well as LTO (trained by CPython's own --pgo test task; "
                             "about 6 more minutes on 2 cores)")
    parser.add_argument("--no-launcher", action="store_true", help="do not build freeze's launcher against it")
    parser.add_argument("--launcher-without-lto", action="store_true",
                        help="link the launcher from libpython's regular code (minutes faster; for development)")
    args = parser.parse_args()
    log = os.path.join(build_root.cache_dir(), "distributions", f"build-{args.version if not args.source else os.path.basename(args.source)}.log")
    progress = Progress(log)
    progress.jobs = args.jobs
    try:
        directory, version = ensure_distribution(progress, args)
        if not args.no_launcher:
            launcher_build.ensure_launcher(progress, directory, version, lto=not args.launcher_without_lto)
    except BuildError as error:
        progress.end_phase(failed=True)
        sys.exit(f"freeze-distribution: error: {error}")
    progress.note(f"total {progress.total():.0f} s; log {log}")
    print(directory)


if __name__ == "__main__":
    main()

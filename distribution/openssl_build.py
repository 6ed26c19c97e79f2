"""OpenSSL 3, built from Debian's source package (trixie's 3.5 LTS) inside the build root as
static archives that _ssl and _hashlib link: the root's own libssl-dev is bullseye's 1.1.1,
out of upstream support since 2023.

Built once and cached (~/.cache/freeze/libraries/openssl-<version>-<key>/ with include/ and
lib/libssl.a, lib/libcrypto.a), reused by every CPython version's distribution. Debian's
patches are not applied: they carry its packaging and default-configuration changes; its
security fixes come as new upstream versions of the 3.5 series.

The configuration directory is /etc/ssl, as in python-build-standalone: an executable reads
the certificate store of the system it runs on (/etc/ssl/certs on Debian and Ubuntu), not one
of the build machine, and its openssl.cnf, as the system's own OpenSSL does. `no-module` builds
the legacy provider into libcrypto, so that a configuration activating it (for md4 & co.) finds
it: there is no provider file to load at run time."""
import hashlib
import json
import os
import shutil

import build_root
import chroot_run
import debian_source

SUITES = ["trixie"]
BUILD_FORMAT = "1"  # bump when a change here changes what gets built
# Where the built OpenSSL is seen inside the root while CPython and the launcher are built.
PREFIX_IN_ROOT = "/freeze/openssl"
CONFIGURE_OPTIONS = ["linux-x86_64", "no-shared", "no-module", "no-tests", "no-docs", "enable-ec_nistp_64_gcc_128",
                     f"--prefix={PREFIX_IN_ROOT}", "--libdir=lib", "--openssldir=/etc/ssl"]


def _tarballs(directory):
    return debian_source.upstream_tarballs(directory, "openssl")


def ensure_openssl(progress, root):
    """The directory of a static OpenSSL built in root (built now unless cached)."""
    downloads = debian_source.download(progress, "openssl", SUITES, _tarballs)
    tarball = _tarballs(downloads)[-1]
    version = os.path.basename(tarball).split("_")[1].split(".orig")[0]
    key = hashlib.sha256(json.dumps([BUILD_FORMAT, os.path.basename(tarball), os.path.getsize(tarball),
                                     CONFIGURE_OPTIONS, os.path.basename(root)]).encode()).hexdigest()[:12]
    libraries = os.path.join(build_root.cache_dir(), "libraries")
    final = os.path.join(libraries, f"openssl-{version}-{key}")
    if os.path.isfile(os.path.join(final, "lib", "libcrypto.a")):
        progress.note(f"OpenSSL {version}: cached ({final})")
        return final
    work = final + ".work"
    install = final + ".tmp"
    for directory in (work, install):
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
    progress.phase(f"building OpenSSL {version} (static, in the {os.path.basename(root).split('-')[0]} root)")
    progress.run(["tar", "-xf", tarball, "-C", work, "--no-same-owner", "--strip-components=1"],
                 f"unpacking {tarball}")
    script = ("cd /freeze/openssl-source && ./Configure " + " ".join(CONFIGURE_OPTIONS) +
              f" && make -j{progress.jobs} build_libs && make install_dev")
    progress.run(chroot_run.command(root, ["sh", "-c", script],
                                    binds=[(work, "/freeze/openssl-source"), (install, PREFIX_IN_ROOT)]),
                 f"building OpenSSL {version}")
    os.rename(install, final)
    shutil.rmtree(work, ignore_errors=True)
    progress.end_phase()
    return final

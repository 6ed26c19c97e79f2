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
import library_build

SUITES = ["trixie"]
BUILD_FORMAT = "1"  # bump when a change here changes what gets built
# Where the built OpenSSL is seen inside the root while CPython and the launcher are built.
PREFIX_IN_ROOT = "/freeze/openssl"
CONFIGURE_OPTIONS = ["linux-x86_64", "no-shared", "no-module", "no-tests", "no-docs", "enable-ec_nistp_64_gcc_128",
                     f"--prefix={PREFIX_IN_ROOT}", "--libdir=lib", "--openssldir=/etc/ssl"]


def ensure_openssl(progress, root):
    """The directory of a static OpenSSL built in root (built now unless cached)."""
    commands = "./Configure " + " ".join(CONFIGURE_OPTIONS) + f" && make -j{progress.jobs} build_libs && make install_dev"
    return library_build.ensure_library(progress, root, "openssl", "OpenSSL", SUITES, BUILD_FORMAT, CONFIGURE_OPTIONS,
                                        PREFIX_IN_ROOT, "lib/libcrypto.a", commands, "static")

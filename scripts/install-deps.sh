#!/usr/bin/env bash
# Installs what building and testing freeze needs on Debian 12, from Debian's own packages.
set -euo pipefail
packages=(
  cmake make g++ pkg-config
  python3.11 libpython3.11-dev        # the embedded CPython: static library, headers, stdlib
  libzstd-dev libzip-dev libexpat1-dev zlib1g-dev libxxhash-dev
  libtomlplusplus-dev libcli11-dev nlohmann-json3-dev doctest-dev
  libssl-dev                          # libcrypto's SHA-256, for wheels' RECORD hashes
  util-linux                          # unshare, for the hidden-stdlib test
  # Real packages with extension modules that the tests freeze from dist-packages:
  python3-yaml python3-jinja2 python3-markupsafe python3-psutil python3-cffi
  mercurial                           # frozen with its demandimport (test_mercurial)
  sqlmap                              # a script app with data beside it (test_sqlmap: [packages] data_files)
  # Real tools run from a frozen executable (test_real_tools): pytest with Debian's py package
  # (whose py/ sits beside pytest's py.py), coverage.py, mypyc-compiled mypy, flake8.
  python3-pytest python3-py python3-pytest-timeout python3-coverage python3-mypy flake8
  python3-autopep8                    # (test_real_tools: it imports lib2to3 at run time)
  libpython3.11-testsuite             # CPython's own tests, run inside a frozen executable
  # freeze check on real packages (tests/integration/test_check_real_packages.py):
  python3-mccabe python3-dill black  # (flake8, pytest, pytest-timeout: above)
  python3-tk                          # _tkinter and Tcl/Tk: left out of builds by default (test_stdlib_defaults)
  chromium                            # renders freeze inspect --html in a test (skipped without it)
  man-db                              # renders the generated man page in a test
  dpkg-dev                            # dpkg-shlibdeps: the Depends of cpack -G DEB (test_install)
  # CPython distributions built from source (distribution/, ctest -L distribution): a Debian 11
  # build root and test roots, Debian's source packages unpacked and patched.
  debootstrap patch xz-utils
  # Security and reliability tooling (issue #6): tests skip what is missing.
  strace valgrind cppcheck            # no-writes-at-start-up, memcheck and lint tests
  clang clang-tidy libclang-rt-14-dev # -DFREEZE_FUZZ=ON (libFuzzer) and the clang-tidy lint test
)
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "freeze: build dependencies installed"

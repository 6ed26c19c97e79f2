#!/bin/sh
# Runs inside the build root: configures, builds and installs CPython out of tree.
#   build_cpython.sh SOURCE_TREE BUILD_DIR JOBS CONFIGURE_OPTION...
# The environment carries MODULE_BUILDTYPE, PKG_CONFIG and LDFLAGS (see static_modules.py);
# BUILD_DIR/Modules/Setup.local is already written.
set -eu
src=$1 build=$2 jobs=$3
shift 3

# A directory holding only static archives, searched first: -lssl finds libssl.a here before
# the libssl.so development symlink of the system directory.
static_dir=${LDFLAGS#-L}
mkdir -p "$static_dir"
for archive in $FREEZE_STATIC_LIBRARIES; do
  found=$(ls /usr/lib/x86_64-linux-gnu/lib$archive.a /usr/lib/lib$archive.a 2>/dev/null | head -1 || true)
  if [ -z "$found" ]; then echo "freeze: no static archive lib$archive.a in the build root" >&2; exit 1; fi
  ln -sf "$found" "$static_dir/lib$archive.a"
done

cd "$build"
echo "== configure $*"
"$src/configure" "$@"
echo "== make -j$jobs"
make -j"$jobs"
echo "== make install"
make install

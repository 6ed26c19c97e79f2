#!/bin/sh
# Runs inside the build root: configures, builds and installs CPython out of tree.
#   build_cpython.sh SOURCE_TREE BUILD_DIR JOBS CONFIGURE_OPTION...
# The environment carries MODULE_BUILDTYPE, PKG_CONFIG, LDFLAGS and LIBS (static_modules.py),
# FREEZE_STATIC_LIBRARIES, FREEZE_OPENSSL_LIB and FREEZE_GDBM_LIB (where the builder's OpenSSL and gdbm archives are), and FREEZE_APPEND_SETUP_STDLIB=1 for 3.11; BUILD_DIR/Modules/Setup.local
# is already written.
set -eu
src=$1 build=$2 jobs=$3
shift 3

# A directory holding only static archives, searched first: -lssl finds libssl.a here before
# the libssl.so development symlink of the system directory.
static_dir=${LDFLAGS#-L}
mkdir -p "$static_dir"
for archive in $FREEZE_STATIC_LIBRARIES; do
  # OpenSSL 3 is built by the builder (openssl_build.py), not bullseye's 1.1.1; so is gdbm,
  # with the libgdbm_compat archive Debian does not ship (gdbm_build.py).
  case $archive in
    ssl|crypto) search=$FREEZE_OPENSSL_LIB/lib$archive.a ;;
    gdbm|gdbm_compat) search=$FREEZE_GDBM_LIB/lib$archive.a ;;
    *) search= ;;
  esac
  found=$(ls $search /usr/lib/x86_64-linux-gnu/lib$archive.a /usr/lib/lib$archive.a 2>/dev/null | head -1 || true)
  if [ -z "$found" ]; then echo "freeze: no static archive lib$archive.a in the build root" >&2; exit 1; fi
  ln -sf "$found" "$static_dir/lib$archive.a"
done
# 3.13's readline check links -ltermcap, which Debian's ncurses provides as a linker script
# naming the shared libtinfo: here it is libtinfo's archive.
if [ -e "$static_dir/libtinfo.a" ]; then ln -sf "$(readlink "$static_dir/libtinfo.a")" "$static_dir/libtermcap.a"; fi
# libbsd.a needs libmd.a (SHA512 for getentropy), and a -lbsd can come last on a link line:
# there -lbsd reads a linker script bringing both (bare names: found on the -L path).
if [ -e "$static_dir/libbsd.a" ] && [ -e "$static_dir/libmd.a" ]; then
  mv "$static_dir/libbsd.a" "$static_dir/libbsd-archive.a"
  echo 'GROUP ( libbsd-archive.a libmd.a )' > "$static_dir/libbsd.a"
fi
# libgdbm_compat.a needs libgdbm.a after it, which configure's dbm_open check and _dbm's
# -lgdbm_compat do not name: the same kind of script.
if [ -e "$static_dir/libgdbm_compat.a" ] && [ -e "$static_dir/libgdbm.a" ]; then
  mv "$static_dir/libgdbm_compat.a" "$static_dir/libgdbm_compat-archive.a"
  echo 'GROUP ( libgdbm_compat-archive.a libgdbm.a )' > "$static_dir/libgdbm_compat.a"
fi

cd "$build"
echo "== configure $*"
"$src/configure" "$@"

if [ "${FREEZE_APPEND_SETUP_STDLIB:-}" = 1 ]; then
  # 3.11 reads Modules/Setup.stdlib (where configure recorded each module's flags) only on
  # WebAssembly and leaves the rest to setup.py: its *static* part goes into Setup.local, which
  # makesetup reads (the Makefile is regenerated from it by the first make).
  echo "== Setup.stdlib's modules into Setup.local"
  sed -n '/^\*static\*$/,/^\*shared\*$/p' Modules/Setup.stdlib | grep -v '^\*shared\*$' > Modules/Setup.stdlib.static
  { sed '/^\*disabled\*$/,$d' Modules/Setup.local; cat Modules/Setup.stdlib.static; sed -n '/^\*disabled\*$/,$p' Modules/Setup.local; } > Modules/Setup.local.new
  mv Modules/Setup.local.new Modules/Setup.local
  make Makefile
fi

# Build-time helper programs (the freezer, the embedding test program) are linked without
# LTO (-fno-lto: GCC would otherwise optimise the objects' LTO code at any link): their code
# is never installed, and each whole-program LTO link costs as much as the interpreter's own.
# The objects are fat LTO objects, so the plain link uses their regular code.
# With PGO (--enable-optimizations) the first step of make is a clean: nothing to build ahead.
case " $* " in
  *" --enable-optimizations "*) ;;
  *)
    echo "== make -j$jobs (helpers without LTO)"
    make -j"$jobs" Programs/_freeze_module CONFIGURE_LDFLAGS_NODIST=-fno-lto
    make -j"$jobs" Programs/_testembed CONFIGURE_LDFLAGS_NODIST=-fno-lto
    ;;
esac
# The interpreter with LTO, partitioned over JOBS processes (CPython's own flags use one
# partition: a single process for the whole program, twice as long on 2 cores).
echo "== make -j$jobs"
make -j"$jobs" CONFIGURE_LDFLAGS_NODIST="-flto=$jobs -fuse-linker-plugin -ffat-lto-objects"
echo "== make install"
make install

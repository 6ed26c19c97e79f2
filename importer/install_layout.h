// The virtual installation a frozen program is: where each resource's file is, relative to the
// executable's directory (sys.prefix), whether it is in memory or on the filesystem. One
// definition for the packager (which records each entry's path in the index and writes the
// files routed to the filesystem there) and the launcher (sys.path, sys._stdlib_dir) and
// importer (the path-entry finder for these directories).
//
//   lib/python3.X/                          the standard library (sysconfig "stdlib", sys._stdlib_dir)
//   lib/python3.X/lib-dynload/              its extension modules (sysconfig "platstdlib" + lib-dynload)
//   local/lib/python3.X/dist-packages/      third-party packages: site_packages and wheels
//                                           (Debian's sysconfig "purelib"/"platlib" for this prefix)
//   lib/app/                                the app's own code, [packages] paths
//   lib/system-libs/                        bundled system libraries
#pragma once

#include <patchlevel.h>  // the version of the CPython built against: the packager and the
                         // launcher embed the same one

#include <array>
#include <string>
#include <string_view>

#define FREEZE_LAYOUT_STRING(x) #x
#define FREEZE_LAYOUT_NUMBER(x) FREEZE_LAYOUT_STRING(x)
// "python3.11" for CPython 3.11.
#define FREEZE_LAYOUT_PYTHON "python" FREEZE_LAYOUT_NUMBER(PY_MAJOR_VERSION) "." FREEZE_LAYOUT_NUMBER(PY_MINOR_VERSION)

namespace freeze::layout {

inline constexpr std::string_view kStdlibDir = "lib/" FREEZE_LAYOUT_PYTHON;
inline constexpr std::string_view kDynloadDir = "lib/" FREEZE_LAYOUT_PYTHON "/lib-dynload";
inline constexpr std::string_view kThirdPartyDir = "local/lib/" FREEZE_LAYOUT_PYTHON "/dist-packages";
inline constexpr std::string_view kAppDir = "lib/app";
inline constexpr std::string_view kSystemLibrariesDir = "lib/system-libs";

// sys.path, in python's order: the app's directory first (as a script's directory is), then
// the stdlib, its extension modules, the third-party packages.
inline constexpr std::array<std::string_view, 4> kSearchPath = {kAppDir, kStdlibDir, kDynloadDir, kThirdPartyDir};

// The version-dependent directories for a CPython named at run time ("python3.13"): the
// packager freezes apps for distributions of other versions than the one it is built against.
// For the version built against, they equal the constants above (a unit test checks).
struct VersionDirs {
  std::string stdlib, dynload, third_party;
};
inline VersionDirs version_dirs(std::string_view python) {
  const std::string name(python);
  return {"lib/" + name, "lib/" + name + "/lib-dynload", "local/lib/" + name + "/dist-packages"};
}

}  // namespace freeze::layout

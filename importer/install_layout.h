// The virtual installation a frozen program is: where each resource's file is, relative to the
// executable's directory (sys.prefix), whether it is in memory or on the filesystem. One
// definition for the packager (which records each entry's path in the index and writes the
// files routed to the filesystem there) and the launcher (sys.path, sys._stdlib_dir) and
// importer (the path-entry finder for these directories).
//
//   lib/python3.11/                         the standard library (sysconfig "stdlib", sys._stdlib_dir)
//   lib/python3.11/lib-dynload/             its extension modules (sysconfig "platstdlib" + lib-dynload)
//   local/lib/python3.11/dist-packages/     third-party packages: site_packages and wheels
//                                           (Debian's sysconfig "purelib"/"platlib" for this prefix)
//   lib/app/                                the app's own code, [packages] paths
//   lib/system-libs/                        bundled system libraries
#pragma once

#include <array>
#include <string_view>

namespace freeze::layout {

inline constexpr std::string_view kStdlibDir = "lib/python3.11";
inline constexpr std::string_view kDynloadDir = "lib/python3.11/lib-dynload";
inline constexpr std::string_view kThirdPartyDir = "local/lib/python3.11/dist-packages";
inline constexpr std::string_view kAppDir = "lib/app";
inline constexpr std::string_view kSystemLibrariesDir = "lib/system-libs";

// sys.path, in python's order: the app's directory first (as a script's directory is), then
// the stdlib, its extension modules, the third-party packages.
inline constexpr std::array<std::string_view, 4> kSearchPath = {kAppDir, kStdlibDir, kDynloadDir, kThirdPartyDir};

}  // namespace freeze::layout

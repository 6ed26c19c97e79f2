# `cpack -G DEB` in the build directory: freeze_<version>_<arch>.deb, installing under /usr what
# `cmake --install` installs (cmake/Install.cmake).
#
# Depends: the shared libraries the CLI and the launcher link (dpkg-shlibdeps), plus Debian's
# CPython 3.11 standard library, which the CLI reads at run time: it compiles and embeds
# /usr/lib/python3.11 (libpython3.11-stdlib and, through it, libpython3.11-minimal), and
# libpython3.11-stdlib depends on every system library its extension modules load, which
# `freeze build` bundles. At least the version whose static libpython is linked in (the C half
# of the same CPython; Debian 12's updates keep upstream 3.11.2 and backport fixes).
set(CPACK_PACKAGE_NAME freeze)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_CONTACT "freeze developers" CACHE STRING "Maintainer field of the .deb")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# The RelWithDebInfo CLI is ~40 MB with its debug information. A sanitizer build keeps its
# symbols: its leak suppressions (cmake/sanitizer_defaults.cpp) match frames by name.
if(FREEZE_SANITIZER_ACTIVE)
  set(CPACK_STRIP_FILES OFF)
else()
  set(CPACK_STRIP_FILES ON)
endif()
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)

find_program(FREEZE_DPKG_QUERY dpkg-query)
set(_freeze_python_version "")
if(FREEZE_DPKG_QUERY)
  execute_process(COMMAND "${FREEZE_DPKG_QUERY}" -W "-f=\${Version}" "libpython${FREEZE_PYTHON_VERSION}-dev"
                  OUTPUT_VARIABLE _freeze_python_version ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
endif()
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libpython${FREEZE_PYTHON_VERSION}-stdlib")
if(_freeze_python_version)
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS " (>= ${_freeze_python_version})")
endif()
# `freeze distribution build` (other CPython versions) runs its builder with Debian's
# python${FREEZE_PYTHON_VERSION} and makes its build root with debootstrap: not needed to freeze
# with the embedded CPython.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "python${FREEZE_PYTHON_VERSION}-minimal, debootstrap")
include(CPack)

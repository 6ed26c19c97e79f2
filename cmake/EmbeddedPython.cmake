# Locates Debian's CPython 3.11 and defines two imported targets:
#   freeze::python_static  - the static libpython (non-PIC) with its own dependencies, linked
#                            whole-archive so that every C-API symbol is present and exported
#                            for extension modules loaded at run time.
#   freeze::python_headers - include directories only.
# It also records the interpreter's prefix, which the packager uses as PYTHONHOME to compile
# bytecode with exactly the CPython the launcher embeds, and what the rest of the build needs
# to know of it (asked once, here): FREEZE_PYTHON_INCLUDE, FREEZE_PYTHON_STDLIB,
# FREEZE_PYTHON_VERSION ("3.11") and FREEZE_PYTHON_EXT_SUFFIX (".cpython-311-x86_64-linux-gnu.so").

if(FREEZE_DISTRIBUTION)
  set(FREEZE_PYTHON "${FREEZE_DISTRIBUTION}/bin/python3")
endif()
if(NOT EXISTS "${FREEZE_PYTHON}")
  message(FATAL_ERROR "freeze: ${FREEZE_PYTHON} not found; install python3.11 and libpython3.11-dev")
endif()

include(PythonQuery)
freeze_query_python("${FREEZE_PYTHON}")

set(FREEZE_PYTHON_LIBRARY "${FREEZE_PYTHON_LIBPL}/libpython${FREEZE_PYTHON_VERSION}.a")
if(NOT EXISTS "${FREEZE_PYTHON_LIBRARY}" OR NOT EXISTS "${FREEZE_PYTHON_INCLUDE}/Python.h")
  message(FATAL_ERROR "freeze: static libpython or headers missing; apt-get install libpython${FREEZE_PYTHON_VERSION}-dev")
endif()
message(STATUS "freeze: embedding ${FREEZE_PYTHON_LIBRARY} (stdlib ${FREEZE_PYTHON_STDLIB})")

# libpython's own dependencies (python3.11-config --embed --ldflags, plus what Debian builds
# in: pyexpat and zlib). Static archives where Debian ships them, so that a frozen executable
# needs nothing but glibc on the target machine.
find_library(FREEZE_EXPAT_STATIC NAMES libexpat.a REQUIRED)
find_library(FREEZE_ZLIB_STATIC NAMES libz.a REQUIRED)
find_package(Threads REQUIRED)

add_library(freeze_python_headers INTERFACE)
target_include_directories(freeze_python_headers SYSTEM INTERFACE "${FREEZE_PYTHON_INCLUDE}")
add_library(freeze::python_headers ALIAS freeze_python_headers)

add_library(freeze_libpython STATIC IMPORTED)
set_target_properties(freeze_libpython PROPERTIES IMPORTED_LOCATION "${FREEZE_PYTHON_LIBRARY}")

# Whole archive: CMake 3.24's generator expression, or the linker flags around the archive
# for older CMake (bullseye's 3.18, in a launcher-only build).
if(CMAKE_VERSION VERSION_LESS 3.24)
  set(_freeze_whole_libpython "-Wl,--whole-archive" freeze_libpython "-Wl,--no-whole-archive")
else()
  set(_freeze_whole_libpython "$<LINK_LIBRARY:WHOLE_ARCHIVE,freeze_libpython>")
endif()

add_library(freeze_python_static INTERFACE)
if(FREEZE_DISTRIBUTION)
  # The distribution's builtin extension modules need their libraries (the MODLIBS, LIBS and
  # SYSLIBS its build recorded); it carries their static archives in lib/freeze-static.
  separate_arguments(_freeze_dist_libs UNIX_COMMAND "${FREEZE_PYTHON_LINK_LIBRARIES}")
  # An archive of CPython's own build tree (3.12+: Modules/_hacl/libHacl_Hash_SHA2.a, named by
  # its path there) is linked from the copy the distribution keeps in lib/freeze-static.
  list(TRANSFORM _freeze_dist_libs REPLACE "^[^-/][^ ]*/(lib[^/]+\\.a)$" "${FREEZE_DISTRIBUTION}/lib/freeze-static/\\1")
  target_link_libraries(freeze_python_static INTERFACE
    freeze_python_headers "-L${FREEZE_DISTRIBUTION}/lib/freeze-static" ${_freeze_whole_libpython}
    ${_freeze_dist_libs} Threads::Threads ${CMAKE_DL_LIBS} m util)
else()
  target_link_libraries(freeze_python_static INTERFACE
    freeze_python_headers
    ${_freeze_whole_libpython}
    "${FREEZE_EXPAT_STATIC}" "${FREEZE_ZLIB_STATIC}"
    Threads::Threads ${CMAKE_DL_LIBS} m util)
endif()
add_library(freeze::python_static ALIAS freeze_python_static)

# Executables that embed libpython: non-PIE (the archive is not position independent, and
# non-PIE starts faster with far fewer relocations), every symbol exported for extensions.
# Only CPython's symbols are exported: the static C++ runtime, zstd, zlib and expat stay
# private (-fvisibility=hidden for our own code), so that an extension module bringing its own
# libstdc++ or libz binds to that, not to a copy inside the executable.
function(freeze_embed_python target)
  target_link_libraries(${target} PRIVATE freeze::python_static)
  set_target_properties(${target} PROPERTIES ENABLE_EXPORTS ON POSITION_INDEPENDENT_CODE OFF
                                             CXX_VISIBILITY_PRESET hidden C_VISIBILITY_PRESET hidden)
  target_compile_options(${target} PRIVATE -fno-pie)
  if(FREEZE_DISTRIBUTION)
    # A distribution's libpython holds GCC LTO objects (fat): optimised across at link time
    # (GCC does so whenever it links LTO objects), or, with -DFREEZE_DISTRIBUTION_LTO=OFF, linked
    # from their regular code (a quick link, for development).
    option(FREEZE_DISTRIBUTION_LTO "Link the distribution's libpython with LTO" ON)
    if(FREEZE_DISTRIBUTION_LTO)
      target_link_options(${target} PRIVATE -flto=auto -fuse-linker-plugin -O3)
    else()
      target_link_options(${target} PRIVATE -fno-lto)
    endif()
    # Its OpenSSL, SQLite, libffi & co. stay private too: an extension module loading its own
    # libssl.so must not bind to the launcher's copy.
    file(GLOB _freeze_dist_archives RELATIVE "${FREEZE_DISTRIBUTION}/lib/freeze-static" "${FREEZE_DISTRIBUTION}/lib/freeze-static/*.a")
    string(REPLACE ";" ":" _freeze_dist_archives "${_freeze_dist_archives}")
    if(_freeze_dist_archives)
      target_link_options(${target} PRIVATE "LINKER:--exclude-libs,${_freeze_dist_archives}")
    endif()
  endif()
  target_link_options(${target} PRIVATE -no-pie
    "LINKER:--exclude-libs,libstdc++.a:libgcc.a:libgcc_eh.a:libzstd.a:libz.a:libexpat.a:libfreeze_format.a:libfreeze_importer.a")
endfunction()

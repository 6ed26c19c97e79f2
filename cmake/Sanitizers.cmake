# Sanitizer and fuzzing builds (issue #6). Included from the top-level CMakeLists.txt.
#
#   -DFREEZE_SANITIZE=ON   builds freeze's own code (importer/, launcher/, packager/, the unit
#                          tests and the fuzz replayers) with AddressSanitizer (+ LeakSanitizer)
#                          and UndefinedBehaviorSanitizer; any report fails the process. The
#                          whole test suite then runs against the instrumented `freeze` and
#                          launcher. The test fixtures (C extensions also loaded by the system
#                          python3.11) are never instrumented.
#   -DFREEZE_FUZZ=ON       (clang only: CC=clang CXX=clang++) also builds one libFuzzer target
#                          per parser of untrusted bytes (fuzz/), implies FREEZE_SANITIZE, and
#                          registers `fuzz`-labelled tests that fuzz each target for
#                          FREEZE_FUZZ_SECONDS.
#
# Both are off by default; the default build and test run are unaffected.
option(FREEZE_SANITIZE "Build freeze with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(FREEZE_FUZZ "Build libFuzzer targets (needs clang) and register fuzz-labelled tests" OFF)
set(FREEZE_FUZZ_SECONDS 60 CACHE STRING "Seconds each fuzz-labelled test fuzzes its target")

set(FREEZE_SANITIZER_ACTIVE OFF)
if(FREEZE_SANITIZE OR FREEZE_FUZZ)
  set(FREEZE_SANITIZER_ACTIVE ON)
endif()
if(FREEZE_FUZZ AND NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "FREEZE_FUZZ needs clang (libFuzzer): configure a fresh build directory with "
                      "CC=clang CXX=clang++ cmake -S . -B build-fuzz -DFREEZE_FUZZ=ON "
                      "(Debian: apt-get install clang libclang-rt-14-dev)")
endif()

set(FREEZE_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
if(FREEZE_FUZZ)
  # Coverage instrumentation for libFuzzer in everything the fuzz targets link.
  list(APPEND FREEZE_SANITIZER_FLAGS -fsanitize=fuzzer-no-link)
endif()

# Applies the flags to every target built from freeze's own sources. Called once the whole
# tree is configured, so targets added later by any directory are covered too.
function(freeze_apply_sanitizers)
  if(NOT FREEZE_SANITIZER_ACTIVE)
    return()
  endif()
  foreach(dir importer launcher packager tests fuzz)
    if(NOT IS_DIRECTORY "${PROJECT_SOURCE_DIR}/${dir}")
      continue()
    endif()
    get_property(targets DIRECTORY "${PROJECT_SOURCE_DIR}/${dir}" PROPERTY BUILDSYSTEM_TARGETS)
    foreach(target IN LISTS targets)
      get_target_property(type ${target} TYPE)
      if(type MATCHES "^(STATIC_LIBRARY|OBJECT_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY|EXECUTABLE)$")
        target_compile_options(${target} PRIVATE ${FREEZE_SANITIZER_FLAGS})
      endif()
      if(type MATCHES "^(SHARED_LIBRARY|MODULE_LIBRARY|EXECUTABLE)$")
        # Keep symbols (the launcher is stripped with -s otherwise): sanitizer reports must name
        # the functions involved.
        get_target_property(options ${target} LINK_OPTIONS)
        if(options)
          list(FILTER options EXCLUDE REGEX "(^-s$|:-s>$|^-Wl,(-s|--strip-all)$)")
          set_target_properties(${target} PROPERTIES LINK_OPTIONS "${options}")
        endif()
        target_link_options(${target} PRIVATE ${FREEZE_SANITIZER_FLAGS})
        # The sanitizer runtime intercepts crypt(3) and binds the real one at start-up; an
        # extension module that brings libcrypt later (the crypt module's _crypt) would call
        # through a null pointer. Loading libcrypt from the start avoids that (sanitizer
        # builds only).
        target_link_options(${target} PRIVATE "LINKER:--push-state,--no-as-needed" -lcrypt "LINKER:--pop-state")
        # Runtime defaults (halt on the first error, leak checking, suppressions for CPython's
        # own deliberate leaks) compiled into each program, so they apply however it is run.
        target_sources(${target} PRIVATE "${PROJECT_SOURCE_DIR}/cmake/sanitizer_defaults.cpp")
      endif()
    endforeach()
  endforeach()
endfunction()
cmake_language(DEFER DIRECTORY "${PROJECT_SOURCE_DIR}" CALL freeze_apply_sanitizers)

if(FREEZE_SANITIZER_ACTIVE)
  message(STATUS "freeze: building with ${FREEZE_SANITIZER_FLAGS}")
endif()

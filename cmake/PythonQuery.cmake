# freeze_query_python(PYTHON): what the build needs to know of a CPython, asked once of the
# interpreter itself, as variables in the caller's scope:
#   FREEZE_PYTHON_LIBPL, FREEZE_PYTHON_INCLUDE, FREEZE_PYTHON_PREFIX, FREEZE_PYTHON_STDLIB,
#   FREEZE_PYTHON_VERSION ("3.11"), FREEZE_PYTHON_LINK_LIBRARIES (MODLIBS, LIBS and SYSLIBS),
#   FREEZE_PYTHON_EXT_SUFFIX (".cpython-311-x86_64-linux-gnu.so").
# Used by cmake/EmbeddedPython.cmake for the embedded CPython and by tests/fixtures, which also
# builds for other interpreters.
function(freeze_query_python python)
  execute_process(
    COMMAND "${python}" -I -S -c
      "import sys, sysconfig; print(sysconfig.get_config_var('LIBPL')); print(sysconfig.get_path('include')); print(sys.prefix); print(sysconfig.get_path('stdlib')); print('%d.%d' % sys.version_info[:2]); print(' '.join(filter(None, (sysconfig.get_config_var(v) for v in ('MODLIBS', 'LIBS', 'SYSLIBS'))))); print(sysconfig.get_config_var('EXT_SUFFIX'))"
    OUTPUT_VARIABLE out
    RESULT_VARIABLE rc
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "freeze: could not query ${python}")
  endif()
  string(REPLACE "\n" ";" out "${out}")
  set(index 0)
  foreach(name LIBPL INCLUDE PREFIX STDLIB VERSION LINK_LIBRARIES EXT_SUFFIX)
    list(GET out ${index} value)
    set(FREEZE_PYTHON_${name} "${value}" PARENT_SCOPE)
    math(EXPR index "${index} + 1")
  endforeach()
endfunction()

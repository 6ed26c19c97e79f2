# freeze_embed_bytecode(TARGET SOURCE HEADER SYMBOL FILENAME): freeze's own Python code, built
# into the launcher. Compiles SOURCE (relative to the current source directory) to marshalled
# bytecode with the python3.11 whose static library is linked (the bytecode format is the
# interpreter's own), as `inline constexpr unsigned char SYMBOL[]` in the generated HEADER,
# which TARGET's sources include by name. FILENAME is the code's co_filename (what tracebacks
# show). The only way freeze embeds Python code of its own: none of it is a blob resource.
function(freeze_embed_bytecode target source header symbol filename)
  set(directory "${CMAKE_CURRENT_BINARY_DIR}/generated")
  add_custom_command(
    OUTPUT "${directory}/${header}"
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${directory}"
    COMMAND "${FREEZE_PYTHON}" -I -S "${PROJECT_SOURCE_DIR}/cmake/embed_bytecode.py"
            "${CMAKE_CURRENT_SOURCE_DIR}/${source}" "${directory}/${header}" "${symbol}" "${filename}"
    DEPENDS "${source}" "${PROJECT_SOURCE_DIR}/cmake/embed_bytecode.py"
    COMMENT "Compiling ${source} to bytecode"
    VERBATIM)
  target_sources(${target} PRIVATE "${directory}/${header}")
  target_include_directories(${target} PRIVATE "${directory}")
endfunction()

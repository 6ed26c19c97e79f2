// Embedded files readable by path, from memory, read-only, for Python and for C code in the
// process (OpenSSL, libxml2, ...). See virtual_files.cpp for the design.
#pragma once

#include <string>

#include "importer/importer_context.h"

namespace freeze::launcher {

// Turns the virtual file system on. Until then (and for every path outside the executable's
// directory) the interposed libc functions only forward to libc. `context` must outlive the
// process's last file system call (it is static in main()).
void enable_virtual_files(const importer::ImporterContext& context);

// Whether `path` (absolute or relative to the working directory) names an embedded Python script
// as python would run it: a .py, .pyc or .pyw file, or a directory with __main__.py(c). Usable
// before enable_virtual_files, once the importer's context is set; it builds the tree only for
// a path below the executable's directory.
bool names_embedded_script(const importer::ImporterContext& context, const std::string& path);

}  // namespace freeze::launcher

// Embedded files readable by path, from memory, read-only, for Python and for C code in the
// process (OpenSSL, libxml2, ...). See virtual_files.cpp for the design.
#pragma once

#include "importer/importer_context.h"

namespace freeze::launcher {

// Turns the virtual file system on. Until then (and for every path outside the executable's
// directory) the interposed libc functions only forward to libc. `context` must outlive the
// process's last file system call (it is static in main()).
void enable_virtual_files(const importer::ImporterContext& context);

}  // namespace freeze::launcher

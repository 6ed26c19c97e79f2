// Extension modules and the shared libraries they bundle, loaded without touching the disk:
// the bytes go to an anonymous memory file (memfd_create) that the dynamic loader opens as
// /proc/self/fd/N, closed once loaded. Entries routed to the filesystem (or with a filesystem
// copy, when memory files cannot be executed here) are loaded from their files beside the
// executable.
#pragma once

#include <string>

#include "importer/importer_state.h"

namespace freeze::importer {

// Loads `entry`'s needed libraries, then the extension module itself; returns the module
// object (new reference) or nullptr with ImportError set. `module_spec_type` is the calling
// interpreter's ModuleSpec.
PyObject* create_extension_module(const blob::Entry& entry, PyObject* spec, PyObject* module_spec_type);

// A path naming descriptor `fd` (/proc/self/fd/N, with no-op components) that no object was
// loaded through before: glibc's dlopen matches the path string against the objects already
// loaded, and descriptor numbers are reused once a memory file is closed. For every dlopen of a
// memory file in the process (the launcher's dlopen of virtual files too).
std::string unique_fd_path(int fd);

}  // namespace freeze::importer

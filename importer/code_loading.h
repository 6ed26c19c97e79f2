// Code objects and sources of embedded modules, in memory or in files beside the executable.
#pragma once

#include "importer_state.h"

namespace freeze::importer {

// The module's code object, its co_filename pointing at the module's file. New reference, or
// nullptr with an exception set.
PyObject* load_code(const blob::Entry& entry);

// The module's source as str, or None if it has none. New reference or nullptr.
PyObject* load_source(const blob::Entry& entry);

}  // namespace freeze::importer

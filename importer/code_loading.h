// Code objects and sources of embedded modules, in memory or in files beside the executable.
#pragma once

#include "importer/importer_state.h"

namespace freeze::importer {

// The module's code object, its co_filename pointing at the module's file. New reference, or
// nullptr with an exception set.
PyObject* load_code(const blob::Entry& entry);

// The module's source as str, or None if it has none. New reference or nullptr.
PyObject* load_source(const blob::Entry& entry);

// Calls function(*args) through importlib's _call_with_frames_removed, as importlib's source
// loader runs and compiles modules: the import system then trims its own frames from the
// traceback of an exception raised there, as under python. Directly if that function cannot be
// had (a test that blocks _frozen_importlib in sys.modules). New reference or nullptr.
PyObject* call_with_frames_removed(PyObject* function, PyObject* args);

}  // namespace freeze::importer

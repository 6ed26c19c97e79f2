// Runs a module as __main__ the way `python -m` does (runpy._run_module_as_main with
// alter_argv=False), natively: importing runpy would import some twenty modules (importlib.util,
// pkgutil, types, contextlib, ...) that a frozen program otherwise never needs at start-up.
#pragma once

#include <Python.h>

#include <string>

namespace freeze::launcher {

// Returns the result of executing the module's code (new reference) or nullptr with an
// exception set. A package runs its __main__ submodule.
PyObject* run_module_as_main(const std::string& module);

}  // namespace freeze::launcher

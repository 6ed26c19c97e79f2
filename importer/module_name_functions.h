// format/module_names.h for Python: the conversions between dotted names and paths, as
// _freeze_importer module functions, so that python/resources.py converts as the C++ importer
// and the packager do, with no second definition. (It is imported only when importlib.resources
// or importlib.metadata ask for it: these calls cost nothing at start-up.)
#pragma once

#include "importer/python_ref.h"

namespace freeze::importer {

// directory_of(name) -> "pkg/sub" for "pkg.sub".
PyObject* module_directory_of(PyObject* module, PyObject* name);
// name_of_directory(path) -> "pkg.sub" for "pkg/sub", or None if it is no package's directory.
PyObject* module_name_of_directory(PyObject* module, PyObject* path);
// source_file_of(name, is_package) -> "pkg/mod.py" or "pkg/__init__.py".
PyObject* module_source_file_of(PyObject* module, PyObject* args);
// module_of_source_file(path) -> (name, is_package), or None if it is no module's source file.
PyObject* module_module_of_source_file(PyObject* module, PyObject* path);

}  // namespace freeze::importer

// freeze's own Python code: the importer's importlib.resources/metadata adapters
// (python/resources.py, the module _freeze_importer.resources). It is compiled to bytecode when
// freeze is built (cmake/EmbedBytecode.cmake, by the CPython the launcher links) and linked into
// the launcher, never put in a blob: no routing rule moves it, no app module of the same name
// replaces it, and the packager knows nothing of it.
#pragma once

#include <span>
#include <string_view>

#define PY_SSIZE_T_CLEAN
#include <Python.h>

namespace freeze::importer {

struct RuntimeModule {
  const char* name;                         // its __name__
  std::span<const unsigned char> bytecode;  // a marshalled code object
};

// The module's code object: new reference, or nullptr with an error set.
PyObject* runtime_module_code(const RuntimeModule& module);

// The runtime modules the import system finds: submodules of the builtin _freeze_importer,
// found by its finder before it looks at the index. No app module can take such a name (the
// builtin module comes first, so the app's own `_freeze_importer` is never imported), and
// none takes the runtime's from an app module: `_freeze_resources` of the app is the app's.
// Null if `name` is none of them; the second form takes any object and never raises.
const RuntimeModule* find_runtime_module(std::string_view name);
const RuntimeModule* find_runtime_module(PyObject* name);

// Names below _freeze_importer are the runtime's: never looked up in the index.
bool is_runtime_name(std::string_view name);

}  // namespace freeze::importer

#include "importer/runtime_module.h"

#include <marshal.h>

#include <string>

#include "importer/python_ref.h"
#include "resources_bytecode.h"

namespace freeze::importer {
namespace {

constexpr RuntimeModule kImporterModules[] = {
    {"_freeze_importer.resources", kResourcesBytecode},
};

}  // namespace

PyObject* runtime_module_code(const RuntimeModule& module) {
  Ref code(PyMarshal_ReadObjectFromString(reinterpret_cast<const char*>(module.bytecode.data()),
                                          static_cast<Py_ssize_t>(module.bytecode.size())));
  if (code && !PyCode_Check(code.get())) {
    return PyErr_Format(PyExc_ImportError, "freeze's runtime module %s is not a code object", module.name);
  }
  return code.release();
}

const RuntimeModule* find_runtime_module(std::string_view name) {
  for (const RuntimeModule& module : kImporterModules) {
    if (name == module.name) return &module;
  }
  return nullptr;
}

const RuntimeModule* find_runtime_module(PyObject* name) {
  for (const RuntimeModule& module : kImporterModules) {
    if (PyUnicode_Check(name) && PyUnicode_CompareWithASCIIString(name, module.name) == 0) return &module;
  }
  return nullptr;
}

bool is_runtime_name(std::string_view name) { return name.starts_with("_freeze_importer."); }

}  // namespace freeze::importer

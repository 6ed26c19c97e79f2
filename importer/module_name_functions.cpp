#include "importer/module_name_functions.h"

#include <string>
#include <string_view>

#include "format/module_names.h"

namespace freeze::importer {
namespace {

// The conversions work on bytes: a str's UTF-8 with surrogates passed through, so that every
// str converts and comes back as the same str ('.' and '/' are ASCII, never part of another
// character's bytes). False with TypeError set if `arg` is not a str.
bool to_bytes(PyObject* arg, std::string* out) {
  if (!PyUnicode_Check(arg)) {
    PyErr_Format(PyExc_TypeError, "expected str, not %.100s", Py_TYPE(arg)->tp_name);
    return false;
  }
  Ref bytes(PyUnicode_AsEncodedString(arg, "utf-8", "surrogatepass"));
  if (!bytes) return false;
  out->assign(PyBytes_AS_STRING(bytes.get()), static_cast<std::size_t>(PyBytes_GET_SIZE(bytes.get())));
  return true;
}

PyObject* to_str(std::string_view bytes) {
  return PyUnicode_DecodeUTF8(bytes.data(), static_cast<Py_ssize_t>(bytes.size()), "surrogatepass");
}

}  // namespace

PyObject* module_directory_of(PyObject*, PyObject* arg) {
  std::string name;
  return to_bytes(arg, &name) ? to_str(blob::directory_of(name)) : nullptr;
}

PyObject* module_name_of_directory(PyObject*, PyObject* arg) {
  std::string path;
  if (!to_bytes(arg, &path)) return nullptr;
  const auto name = blob::name_of_directory(path);
  if (!name) Py_RETURN_NONE;
  return to_str(*name);
}

PyObject* module_source_file_of(PyObject*, PyObject* args) {
  PyObject* arg = nullptr;
  int is_package = 0;
  if (!PyArg_ParseTuple(args, "Up:source_file_of", &arg, &is_package)) return nullptr;
  std::string name;
  return to_bytes(arg, &name) ? to_str(blob::source_file_of(name, is_package != 0)) : nullptr;
}

PyObject* module_module_of_source_file(PyObject*, PyObject* arg) {
  std::string path;
  if (!to_bytes(arg, &path)) return nullptr;
  const auto module = blob::module_of_source_file(path);
  if (!module) Py_RETURN_NONE;
  Ref name(to_str(module->name));
  return name ? Py_BuildValue("(OO)", name.get(), module->is_package ? Py_True : Py_False) : nullptr;
}

}  // namespace freeze::importer

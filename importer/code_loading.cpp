#include "code_loading.h"

#include <marshal.h>

namespace freeze::importer {
namespace {

// .pyc layout (PEP 552): magic, flags, then mtime+size or a hash; 16 bytes in all.
constexpr std::size_t kPycHeaderSize = 16;

PyObject* attribute_of(const char* module_name, const char* attribute) {
  PyObject* module = PyImport_ImportModule(module_name);
  if (module == nullptr) return nullptr;
  PyObject* value = PyObject_GetAttrString(module, attribute);
  Py_DECREF(module);
  return value;
}

// Points co_filename of `code` and its nested code objects at `path`, as the source loaders do.
PyObject* fix_filename(PyObject* code, const std::string& path) {
  static PyObject* fix = attribute_of("_imp", "_fix_co_filename");
  PyObject* filename = fix ? path_to_str(path) : nullptr;
  PyObject* result = filename ? PyObject_CallFunctionObjArgs(fix, code, filename, nullptr) : nullptr;
  Py_XDECREF(filename);
  if (result == nullptr) {
    Py_DECREF(code);
    return nullptr;
  }
  Py_DECREF(result);
  return code;
}

PyObject* unmarshal_code(const char* data, std::size_t size, const blob::Entry& entry) {
  PyObject* code = PyMarshal_ReadObjectFromString(data, static_cast<Py_ssize_t>(size));
  if (code != nullptr && !PyCode_Check(code)) {
    Py_DECREF(code);
    PyErr_Format(PyExc_ImportError, "bytecode of %s is not a code object", std::string(entry.name).c_str());
    return nullptr;
  }
  return code;
}

// The .pyc of a module file on disk: "dir/mod.py" -> "dir/__pycache__/mod.cpython-311[.opt-N].pyc".
std::string cached_path(const std::string& source) {
  const auto slash = source.rfind('/');
  const std::string stem = source.substr(slash + 1, source.size() - slash - 1 - 3);
  std::string tag = "cpython-" + std::to_string(PY_MAJOR_VERSION) + std::to_string(PY_MINOR_VERSION);
  if (context().optimize > 0) tag += ".opt-" + std::to_string(context().optimize);
  return source.substr(0, slash + 1) + "__pycache__/" + stem + "." + tag + ".pyc";
}

PyObject* load_code_from_disk(const blob::Entry& entry) {
  const std::string source_path = entry_file(entry);
  blob::Entry pyc = entry;
  const std::string relative_pyc = cached_path(std::string(entry.path));
  pyc.path = relative_pyc;
  if (auto bytes = read_data(pyc)) {
    static PyObject* magic = attribute_of("_frozen_importlib_external", "MAGIC_NUMBER");
    if (magic != nullptr && PyBytes_Check(magic) && bytes->size() >= kPycHeaderSize &&
        bytes->compare(0, PyBytes_GET_SIZE(magic), PyBytes_AS_STRING(magic)) == 0) {
      PyObject* code = unmarshal_code(bytes->data() + kPycHeaderSize, bytes->size() - kPycHeaderSize, entry);
      return code ? fix_filename(code, source_path) : nullptr;
    }
  }
  PyErr_Clear();
  // No usable .pyc: compile the source, as python would.
  auto source = read_data(entry);
  if (!source) return nullptr;
  PyObject* bytes = PyBytes_FromStringAndSize(source->data(), static_cast<Py_ssize_t>(source->size()));
  PyObject* code = bytes ? PyObject_CallFunction(PyDict_GetItemString(PyEval_GetBuiltins(), "compile"), "OssiOi", bytes,
                                                 source_path.c_str(), "exec", 0, Py_True, context().optimize)
                         : nullptr;
  Py_XDECREF(bytes);
  return code;
}

}  // namespace

PyObject* load_code(const blob::Entry& entry) {
  const std::string path = entry_file(entry);
  if (!entry.data.present() && entry.in_memory()) {  // a namespace package runs nothing
    return Py_CompileString("", path.c_str(), Py_file_input);
  }
  if (!entry.in_memory()) return load_code_from_disk(entry);
  const std::string bytecode = read_span(entry, entry.data);
  PyObject* code = unmarshal_code(bytecode.data(), bytecode.size(), entry);
  return code ? fix_filename(code, path) : nullptr;
}

PyObject* load_source(const blob::Entry& entry) {
  if (!entry.in_memory()) {
    auto source = read_data(entry);
    if (!source) return nullptr;
    PyObject* bytes = PyBytes_FromStringAndSize(source->data(), static_cast<Py_ssize_t>(source->size()));
    static PyObject* decode = attribute_of("_frozen_importlib_external", "decode_source");
    PyObject* text = (bytes && decode) ? PyObject_CallOneArg(decode, bytes) : nullptr;
    Py_XDECREF(bytes);
    return text;
  }
  if (!entry.aux.present()) Py_RETURN_NONE;
  const std::string source = read_span(entry, entry.aux);
  return PyUnicode_DecodeUTF8(source.data(), static_cast<Py_ssize_t>(source.size()), "replace");
}

}  // namespace freeze::importer

#include "importer/code_loading.h"

#include <marshal.h>
#include <sys/stat.h>

#include <iterator>
#include <memory>
#include <new>
#include <string_view>
#include <utility>

#include "format/pyc_file.h"
#include "importer/python_ref.h"

namespace freeze::importer {
namespace {

PyObject* attribute_of(const char* module_name, const char* attribute) {
  const Ref module(PyImport_ImportModule(module_name));
  return module ? PyObject_GetAttrString(module.get(), attribute) : nullptr;
}

// attribute_of for the running interpreter (new reference, or nullptr with an error set):
// cached for the main interpreter, where the importer runs nearly always; a subinterpreter has
// modules of its own and looks it up each time, so that no object of one interpreter is used
// in another.
PyObject* interpreter_attribute(PyObject** main_cache, const char* module_name, const char* attribute) {
  const bool main = PyInterpreterState_Get() == PyInterpreterState_Main();
  if (main && *main_cache != nullptr) return Py_NewRef(*main_cache);
  PyObject* value = attribute_of(module_name, attribute);
  if (main && value != nullptr) *main_cache = Py_NewRef(value);  // kept for the process's life
  return value;
}

// Points co_filename of `code` and its nested code objects at `path`, as the source loaders
// do. Returns the code object, or nullptr with an error set.
PyObject* fix_filename(Ref code, const std::string& path) {
  static PyObject* main_fix = nullptr;
  const Ref fix(interpreter_attribute(&main_fix, "_imp", "_fix_co_filename"));
  const Ref filename(fix ? path_to_str(path) : nullptr);
  const Ref result(filename ? PyObject_CallFunctionObjArgs(fix.get(), code.get(), filename.get(), nullptr) : nullptr);
  return result ? code.release() : nullptr;
}

// The code object in marshalled `data` (new reference), or nullptr with an error set.
Ref unmarshal_code(const char* data, std::size_t size, const blob::Entry& entry) {
  Ref code(PyMarshal_ReadObjectFromString(data, static_cast<Py_ssize_t>(size)));
  if (code && !PyCode_Check(code.get())) {
    PyErr_Format(PyExc_ImportError, "bytecode of %s is not a code object", std::string(entry.name).c_str());
    return Ref();
  }
  return code;
}

// The .pyc of a module file on disk: "dir/mod.py" -> "dir/__pycache__/mod.cpython-311[.opt-N].pyc".
std::string cached_path(std::string_view source) {
  return blob::pyc::cached_path(source, blob::pyc::cache_tag(PY_MAJOR_VERSION, PY_MINOR_VERSION), context().optimize);
}

// Compiles a module's source file bytes as python's source loader does (coding cookie, flags;
// a SyntaxError's traceback as python's).
PyObject* compile_source(const std::string& source, const std::string& path) {
  PyObject* compile = PyDict_GetItemString(PyEval_GetBuiltins(), "compile");  // borrowed
  const Ref args(compile ? Py_BuildValue("(y#ssiOi)", source.data(), static_cast<Py_ssize_t>(source.size()),
                                         path.c_str(), "exec", 0, Py_True, context().optimize)
                         : nullptr);
  return args ? call_with_frames_removed(compile, args.get()) : nullptr;
}

// Whether a .pyc may be used for its source, as importlib's SourceLoader decides (PEP 552): a
// timestamp .pyc while the source's mtime and size are those it records, a checked hash-based
// one while the source's hash is, an unchecked one always. `source` is read when needed (kept
// for compiling if it does not match). False with no error set for a stale .pyc.
bool pyc_is_current(const blob::pyc::Header& pyc, const blob::Entry& entry, std::optional<std::string>* source) {
  if (pyc.hash_based()) {
    if (!pyc.check_source()) return true;  // unchecked
    *source = read_data(entry);
    if (!*source) return false;
    static PyObject* main_hash_function = nullptr;
    static PyObject* main_key = nullptr;
    const Ref hash_function(interpreter_attribute(&main_hash_function, "_imp", "source_hash"));
    const Ref key(interpreter_attribute(&main_key, "_frozen_importlib_external", "_RAW_MAGIC_NUMBER"));
    const Ref bytes((hash_function && key) ? PyBytes_FromStringAndSize((*source)->data(), static_cast<Py_ssize_t>((*source)->size())) : nullptr);
    const Ref hash(bytes ? PyObject_CallFunctionObjArgs(hash_function.get(), key.get(), bytes.get(), nullptr) : nullptr);
    return hash && PyBytes_Check(hash.get()) &&
           std::string_view(PyBytes_AS_STRING(hash.get()), static_cast<std::size_t>(PyBytes_GET_SIZE(hash.get()))) == pyc.source_hash;
  }
  struct stat st {};
  if (::stat(entry_file(entry).c_str(), &st) != 0) return false;
  return pyc.source_mtime == static_cast<std::uint32_t>(st.st_mtime) && pyc.source_size == static_cast<std::uint32_t>(st.st_size);
}

PyObject* load_code_from_disk(const blob::Entry& entry) {
  const std::string source_path = entry_file(entry);
  blob::Entry pyc = entry;
  const std::string relative_pyc = cached_path(std::string(entry.path));
  pyc.path = relative_pyc;
  std::optional<std::string> source;
  if (auto bytes = read_data(pyc)) {
    static PyObject* main_magic = nullptr;
    const Ref magic(interpreter_attribute(&main_magic, "_frozen_importlib_external", "MAGIC_NUMBER"));
    const auto header = blob::pyc::decode(*bytes);
    const bool same_magic = magic && PyBytes_Check(magic.get()) && header &&
                            std::string_view(PyBytes_AS_STRING(magic.get()), static_cast<std::size_t>(PyBytes_GET_SIZE(magic.get()))) == header->magic;
    if (same_magic && pyc_is_current(*header, entry, &source)) {
      Ref code = unmarshal_code(header->code.data(), header->code.size(), entry);
      return code ? fix_filename(std::move(code), source_path) : nullptr;
    }
  }
  // Deliberate, as python's SourceLoader: a .pyc that cannot be read or checked is no .pyc.
  PyErr_Clear();
  // No usable .pyc: compile the source, as python would (nothing is written).
  if (!source) source = read_data(entry);
  return source ? compile_source(*source, source_path) : nullptr;
}

// importlib's _call_with_frames_removed (borrowed), or nullptr. Kept once found in the main
// interpreter, where the importer runs nearly always; other interpreters look it up each time.
PyObject* frames_removed_function() {
  static PyObject* main_interpreters = nullptr;
  const bool main = PyInterpreterState_Get() == PyInterpreterState_Main();
  if (main && main_interpreters != nullptr) return main_interpreters;
  const Ref name(PyUnicode_FromString("_frozen_importlib"));
  const Ref bootstrap(name ? PyImport_GetModule(name.get()) : nullptr);
  Ref function(bootstrap ? PyObject_GetAttrString(bootstrap.get(), "_call_with_frames_removed") : nullptr);
  PyErr_Clear();  // deliberate: without it, call_with_frames_removed calls directly (code_loading.h)
  if (!function) return nullptr;
  if (main) return main_interpreters = function.release();  // kept for the process's life
  return function.get();  // borrowed: importlib's module, alive while it runs, holds it too
}

}  // namespace

PyObject* call_with_frames_removed(PyObject* function, PyObject* args) {
  PyObject* run = frames_removed_function();
  if (run == nullptr) return PyObject_CallObject(function, args);
  // run(function, *args), with the arguments on the stack (borrowed from `args`).
  PyObject* stack[8];
  const Py_ssize_t count = PyTuple_GET_SIZE(args);
  if (count + 1 > static_cast<Py_ssize_t>(std::size(stack))) return PyObject_CallObject(function, args);
  stack[0] = function;
  for (Py_ssize_t i = 0; i < count; ++i) stack[i + 1] = PyTuple_GET_ITEM(args, i);
  return PyObject_Vectorcall(run, stack, static_cast<std::size_t>(count + 1), nullptr);
}

namespace {

PyObject* read_code(const blob::Entry& entry) {
  const std::string path = entry_file(entry);
  if (!entry.data.present() && entry.in_memory()) {
    // Source and no bytecode: a stdlib module that did not compile at build time (CPython's
    // tests have some on purpose). Compiling it again raises python's SyntaxError.
    if (entry.source().present()) return compile_source(read_span(entry, entry.source()), path);
    return Py_CompileString("", path.c_str(), Py_file_input);  // a namespace package runs nothing
  }
  if (!entry.in_memory()) return load_code_from_disk(entry);
  const std::unique_ptr<char[]> bytecode = read_span_uninitialised(entry, entry.data);
  Ref code = unmarshal_code(bytecode.get(), static_cast<std::size_t>(entry.data.raw_size), entry);
  return code ? fix_filename(std::move(code), path) : nullptr;
}

PyObject* read_source(const blob::Entry& entry) {
  if (!entry.in_memory()) {
    auto source = read_data(entry);
    if (!source) return nullptr;
    const Ref bytes(PyBytes_FromStringAndSize(source->data(), static_cast<Py_ssize_t>(source->size())));
    static PyObject* main_decode = nullptr;
    const Ref decode(bytes ? interpreter_attribute(&main_decode, "_frozen_importlib_external", "decode_source") : nullptr);
    return decode ? PyObject_CallOneArg(decode.get(), bytes.get()) : nullptr;
  }
  if (!entry.source().present()) Py_RETURN_NONE;
  const std::string source = read_span(entry, entry.source());
  return PyUnicode_DecodeUTF8(source.data(), static_cast<Py_ssize_t>(source.size()), "replace");
}

}  // namespace

// Decompressing a module's bytecode or source needs memory the size of it: without it, the
// import raises MemoryError as python's would (a C++ exception must not cross Python's frames).
PyObject* load_code(const blob::Entry& entry) {
  try {
    return read_code(entry);
  } catch (const std::bad_alloc&) {
    return no_memory();
  }
}

PyObject* load_source(const blob::Entry& entry) {
  try {
    return read_source(entry);
  } catch (const std::bad_alloc&) {
    return no_memory();
  }
}

}  // namespace freeze::importer

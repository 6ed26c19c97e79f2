#include "native_loading.h"

#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <map>
#include <set>
#include <vector>

namespace freeze::importer {
namespace {

// Memory files stay open for the life of the process: closing one would let its number be
// reused, and the dynamic loader matches already-loaded objects by path.
std::vector<int> g_memory_files;
std::set<std::string> g_loaded_libraries;
// Memory file of each entry already written: importing a module again (after it was dropped
// from sys.modules, or in a subinterpreter) reuses it instead of writing another copy, and the
// dynamic loader then hands back the object it already has.
std::map<std::pair<blob::Kind, std::string>, std::string> g_memory_file_of;

std::string basename_of(std::string_view path) {
  const auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

void write_all(int fd, const unsigned char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(std::string("writing a memory file: ") + std::strerror(errno));
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

// Decompresses `entry` straight into a new memory file; returns its /proc/self/fd path, or
// empty with `error` set.
std::string memory_file(const blob::Entry& entry, std::string* error) {
  const auto key = std::make_pair(entry.kind, std::string(entry.name));
  if (const auto it = g_memory_file_of.find(key); it != g_memory_file_of.end()) return it->second;
  const std::string name = basename_of(entry.path.empty() ? entry.name : entry.path);
  const int fd = memfd_create(name.c_str(), MFD_CLOEXEC);
  if (fd < 0) {
    *error = std::string("memfd_create: ") + std::strerror(errno);
    return {};
  }
  try {
    context().reader->read_streaming(entry.data, [fd](const unsigned char* data, std::size_t size) {
      write_all(fd, data, size);
    });
  } catch (const blob::DamagedError& damage) {
    die_damaged(context().executable,
                std::string(blob::kind_name(entry.kind)) + " '" + std::string(entry.name) + "': " + damage.what());
  } catch (const std::exception& failure) {
    *error = failure.what();
    ::close(fd);
    return {};
  }
  g_memory_files.push_back(fd);
  return g_memory_file_of[key] = "/proc/self/fd/" + std::to_string(fd);
}

// Where the dynamic loader should open `entry` from: a memory file, or its file on disk.
// `try_load` attempts the load and returns an error message (empty on success); an in-memory
// entry with a filesystem copy falls back to the copy if loading from memory fails.
std::string load_with_fallback(const blob::Entry& entry, const auto& try_load) {
  std::string error;
  if (entry.in_memory()) {
    const std::string path = memory_file(entry, &error);
    if (!path.empty()) error = try_load(path);
    if (error.empty()) return {};
    if ((entry.flags & blob::kFlagFilesystemCopy) == 0) {
      // A mapping refused by the kernel means memory files cannot be executed here.
      const bool refused = path.empty() || error.find("map") != std::string::npos ||
                           error.find("ermitted") != std::string::npos;
      if (!refused) return error;
      return error + " (loading from memory failed: is executing memory files forbidden here, e.g. "
                     "vm.memfd_noexec=2? route it to prefer-in-memory-fallback-filesystem-relative:PREFIX)";
    }
  }
  const std::string disk_error = try_load(entry_file(entry));
  return disk_error.empty() ? std::string() : (error.empty() ? disk_error : error + "; then from disk: " + disk_error);
}

// Loads the bundled shared libraries named in `entry`'s aux list, in order. Returns an error
// message, empty on success.
std::string load_needed_libraries(const blob::Entry& entry) {
  if (!entry.aux.present()) return {};
  const std::string list = read_span(entry, entry.aux);
  std::size_t start = 0;
  while (start < list.size()) {
    const auto end = list.find('\n', start);
    const std::string name = list.substr(start, end == std::string::npos ? std::string::npos : end - start);
    start = end == std::string::npos ? list.size() : end + 1;
    if (name.empty() || g_loaded_libraries.contains(name)) continue;
    const auto library = lookup(blob::Kind::SharedLibrary, name);
    if (!library) return "bundled library '" + name + "' is missing from the executable";
    const std::string error = load_with_fallback(*library, [](const std::string& path) -> std::string {
      // RTLD_GLOBAL as when the library is a DT_NEEDED of the first extension loaded.
      if (dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL) != nullptr) return {};
      const char* message = dlerror();
      return message ? message : "dlopen failed";
    });
    if (!error.empty()) return "cannot load bundled library '" + name + "': " + error;
    g_loaded_libraries.insert(name);
  }
  return {};
}

PyObject* module_spec_type() {
  static PyObject* type = [] {
    PyObject* bootstrap = PyImport_ImportModule("_frozen_importlib");
    PyObject* spec = bootstrap ? PyObject_GetAttrString(bootstrap, "ModuleSpec") : nullptr;
    Py_XDECREF(bootstrap);
    return spec;
  }();
  return type;
}

}  // namespace

PyObject* create_extension_module(const blob::Entry& entry, PyObject* spec) {
  PyObject* name = PyObject_GetAttrString(spec, "name");
  if (name == nullptr) return nullptr;
  if (const std::string error = load_needed_libraries(entry); !error.empty()) {
    PyErr_Format(PyExc_ImportError, "%U: %s", name, error.c_str());
    Py_DECREF(name);
    return nullptr;
  }
  PyObject* create = nullptr;
  if (PyObject* imp = PyImport_ImportModule("_imp")) {
    create = PyObject_GetAttrString(imp, "create_dynamic");
    Py_DECREF(imp);
  }
  PyObject* module = nullptr;
  const std::string error = load_with_fallback(entry, [&](const std::string& path) -> std::string {
    // _imp.create_dynamic reads only `name` and `origin`: a spec naming the file to dlopen.
    PyObject* origin = path_to_str(path);
    PyObject* args = Py_BuildValue("(OO)", name, Py_None);
    PyObject* kwargs = origin ? Py_BuildValue("{sO}", "origin", origin) : nullptr;
    PyObject* load_spec = (args && kwargs && create && module_spec_type())
                              ? PyObject_Call(module_spec_type(), args, kwargs)
                              : nullptr;
    Py_XDECREF(args);
    Py_XDECREF(kwargs);
    Py_XDECREF(origin);
    module = load_spec ? PyObject_CallOneArg(create, load_spec) : nullptr;
    Py_XDECREF(load_spec);
    if (module != nullptr) return {};
    // Keep Python's message (it names the missing symbol or library).
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyObject* text = value ? PyObject_Str(value) : nullptr;
    std::string message = (text && PyUnicode_Check(text)) ? PyUnicode_AsUTF8(text) : "cannot load";
    PyErr_Clear();
    Py_XDECREF(text);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(traceback);
    return message;
  });
  Py_XDECREF(create);
  // A single-phase module got the memory file's path as __file__ from create_dynamic: it is
  // its place in the installation, spec.origin, as for every other module.
  if (module != nullptr && PyModule_Check(module)) {
    PyObject* origin = PyObject_GetAttrString(spec, "origin");
    if (origin == nullptr || (origin != Py_None && PyObject_SetAttrString(module, "__file__", origin) < 0)) PyErr_Clear();
    Py_XDECREF(origin);
  }
  if (module == nullptr && !PyErr_Occurred()) {
    PyObject* message = PyUnicode_FromFormat("cannot load extension module %U: %s", name, error.c_str());
    if (message) PyErr_SetImportError(message, name, nullptr);
    Py_XDECREF(message);
  }
  Py_DECREF(name);
  return module;
}

}  // namespace freeze::importer

#include "importer/native_loading.h"

#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <stdexcept>
#include <system_error>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "format/library_list.h"
#include "importer/memory_file_hint.h"
#include "importer/python_ref.h"

namespace freeze::importer {
namespace {

// The bookkeeping below is shared by every interpreter, and isolated subinterpreters run with
// GILs of their own: g_mutex guards it, held only around the lookups and updates (never while
// Python code or the dynamic loader runs, which may import and so come back here).
std::mutex g_mutex;
std::set<std::string> g_loaded_libraries;

// A memory file is closed as soon as the dynamic loader has mapped it (the mapping keeps its
// contents), so that a process holds no descriptor per library it loaded. Its number is then
// reused by the next memory file, and glibc's dlopen first matches the path string against the
// objects already loaded: a second "/proc/self/fd/3" would hand back the first object loaded
// from descriptor 3. So no two objects are ever loaded through the same path: the n-th reuse of
// a number inserts no-op components that spell n in binary ("./" for a 1, "/" for a 0: n = 5
// gives /proc/self/fd/.//./3), which the kernel resolves to the same descriptor.
std::map<int, unsigned> g_loads_through_number;
// The path each entry was loaded through: importing the module again (after it was dropped
// from sys.modules, or in a subinterpreter) names the same object, which the dynamic loader
// hands back without opening anything, and nothing is written again.
std::map<std::pair<blob::Kind, std::string>, std::string> g_loaded_path_of;

// Closes a memory file when the load through it is over.
struct MemoryFile {
  int fd = -1;
  std::string path;
  MemoryFile() = default;
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  ~MemoryFile() {
    if (fd >= 0) ::close(fd);
  }
};

std::string basename_of(std::string_view path) {
  const auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

void write_all(int fd, const unsigned char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::system_error(n < 0 ? errno : ENOSPC, std::generic_category(), "writing a memory file");
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

// Decompresses `entry` straight into a new memory file (`file`); false with `error` and
// `error_number` (the errno, 0 if none applies) set.
bool write_memory_file(const blob::Entry& entry, MemoryFile* file, std::string* error, int* error_number) {
  const std::string name = basename_of(entry.path.empty() ? entry.name : entry.path);
  const int fd = memfd_create(name.c_str(), MFD_CLOEXEC);
  if (fd < 0) {
    *error_number = errno;
    *error = std::string("memfd_create: ") + std::strerror(errno);
    return false;
  }
  file->fd = fd;
  try {
    context().reader->read_streaming(entry.data, [fd](const unsigned char* data, std::size_t size) {
      write_all(fd, data, size);
    });
  } catch (const blob::DamagedError& damage) {
    die_damaged(context().executable,
                std::string(blob::kind_name(entry.kind)) + " '" + std::string(entry.name) + "': " + damage.what());
  } catch (const std::bad_alloc&) {
    *error_number = ENOMEM;
    *error = "decompressing into a memory file failed";
    return false;
  } catch (const std::system_error& failure) {
    *error_number = failure.code().value();
    *error = failure.what();
    return false;
  } catch (const std::exception& failure) {
    *error = failure.what();
    return false;
  }
  file->path = unique_fd_path(fd);
  return true;
}

std::optional<std::string> loaded_path_of(const std::pair<blob::Kind, std::string>& key) {
  const std::lock_guard lock(g_mutex);
  const auto it = g_loaded_path_of.find(key);
  return it == g_loaded_path_of.end() ? std::nullopt : std::optional<std::string>(it->second);
}

bool library_loaded(const std::string& name) {
  const std::lock_guard lock(g_mutex);
  return g_loaded_libraries.contains(name);
}

// Loads an in-memory entry through a memory file (or the path it was loaded through before).
// Returns an error message, empty on success; `error_number` is the errno of making the memory file.
std::string load_from_memory(const blob::Entry& entry, const auto& try_load, int* error_number) {
  const auto key = std::make_pair(entry.kind, std::string(entry.name));
  if (const std::optional<std::string> path = loaded_path_of(key)) return try_load(*path);
  MemoryFile file;
  std::string error;
  if (!write_memory_file(entry, &file, &error, error_number)) return error;
  error = try_load(file.path);
  if (error.empty()) {
    const std::lock_guard lock(g_mutex);
    g_loaded_path_of.emplace(key, file.path);
  }
  return error;  // the memory file is closed here, loaded or not
}

// Where the dynamic loader should open `entry` from: a memory file, or its file on disk.
// `try_load` attempts the load and returns an error message (empty on success); an in-memory
// entry with a filesystem copy falls back to the copy if loading from memory fails.
std::string load_with_fallback(const blob::Entry& entry, const auto& try_load) {
  std::string error;
  if (entry.in_memory()) {
    int error_number = 0;  // of making the memory file; 0 if it was made
    error = load_from_memory(entry, try_load, &error_number);
    if (error.empty()) return {};
    if ((entry.flags & blob::kFlagFilesystemCopy) == 0) return error + memory_file_hint(error_number, error);
  }
  const std::string disk_error = try_load(entry_file(entry));
  return disk_error.empty() ? std::string() : (error.empty() ? disk_error : error + "; then from disk: " + disk_error);
}

// Loads the bundled shared libraries `entry` needs (its needed-library list), in order, and the
// libraries beside it that it needs. Returns
// an error message, empty on success.
std::string load_needed_libraries(const blob::Entry& entry) {
  if (!entry.needed_libraries().present()) return {};
  for (const std::string& name : blob::decode_library_list(read_span(entry, entry.needed_libraries()))) {
    if (library_loaded(name)) continue;
    std::optional<blob::Entry> library;
    for (const auto kind : blob::kNeededLibraryKinds) {
      if ((library = lookup(kind, name))) break;
    }
    if (!library) return "bundled library '" + name + "' is missing from the executable";
    const std::string error = load_with_fallback(*library, [](const std::string& path) -> std::string {
      // RTLD_GLOBAL as when the library is a DT_NEEDED of the first extension loaded.
      if (dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL) != nullptr) return {};
      const char* message = dlerror();
      return message ? message : "dlopen failed";
    });
    if (!error.empty()) return "cannot load bundled library '" + name + "': " + error;
    const std::lock_guard lock(g_mutex);
    g_loaded_libraries.insert(name);
  }
  return {};
}

// The message of the pending exception, which is cleared: Python's own words for a failed load
// (they name the missing symbol or library), kept for the ImportError that says what was tried.
std::string take_error_message() {
  PyObject *type = nullptr, *value = nullptr, *traceback = nullptr;
  PyErr_Fetch(&type, &value, &traceback);
  const Ref owned_type(type), owned_value(value), owned_traceback(traceback);
  const Ref text(value ? PyObject_Str(value) : nullptr);
  const char* utf8 = text && PyUnicode_Check(text.get()) ? PyUnicode_AsUTF8(text.get()) : nullptr;
  const std::string message = utf8 ? utf8 : "cannot load";
  PyErr_Clear();  // deliberate: of str() above, if it failed; the message is what is kept
  return message;
}

// After a failed _imp.create_dynamic from `path`: the dynamic loader's failure (an ImportError
// whose path is `path`: dlopen's error, a missing PyInit_ function) is taken as a message, to
// try the next way or to report what was tried; an exception the module's own initialisation
// raised (its PyInit_ imported a module that is missing, say) is left set, as python raises
// it, and the result is empty: the library is loaded, no other way is tried.
std::string load_failure_message(const std::string& path) {
  PyObject *type = nullptr, *value = nullptr, *traceback = nullptr;
  PyErr_Fetch(&type, &value, &traceback);
  PyErr_NormalizeException(&type, &value, &traceback);
  bool loader_failed = true;
  if (value != nullptr && PyErr_GivenExceptionMatches(type, PyExc_ImportError)) {
    const Ref failed_path(PyObject_GetAttrString(value, "path"));
    const Ref attempted(failed_path ? path_to_str(path) : nullptr);
    loader_failed = attempted && PyObject_RichCompareBool(failed_path.get(), attempted.get(), Py_EQ) == 1;
    PyErr_Clear();  // deliberate: of the attribute lookups; the exception itself is held
  } else if (value != nullptr) {
    loader_failed = false;
  }
  PyErr_Restore(type, value, traceback);
  return loader_failed ? take_error_message() : std::string();
}

}  // namespace

PyObject* create_extension_module(const blob::Entry& entry, PyObject* spec, PyObject* module_spec_type) {
  const Ref name(PyObject_GetAttrString(spec, "name"));
  if (!name) return nullptr;
  if (const std::string error = load_needed_libraries(entry); !error.empty()) {
    PyErr_Format(PyExc_ImportError, "%U: %s", name.get(), error.c_str());
    return nullptr;
  }
  const Ref imp(PyImport_ImportModule("_imp"));
  const Ref create(imp ? PyObject_GetAttrString(imp.get(), "create_dynamic") : nullptr);
  Ref module;
  const std::string error = load_with_fallback(entry, [&](const std::string& path) -> std::string {
    // _imp.create_dynamic reads only `name` and `origin`: a spec naming the file to dlopen.
    const Ref origin(path_to_str(path));
    const Ref args(Py_BuildValue("(OO)", name.get(), Py_None));
    const Ref kwargs(origin ? Py_BuildValue("{sO}", "origin", origin.get()) : nullptr);
    const Ref load_spec(args && kwargs && create ? PyObject_Call(module_spec_type, args.get(), kwargs.get()) : nullptr);
    module.reset(load_spec ? PyObject_CallOneArg(create.get(), load_spec.get()) : nullptr);
    return module ? std::string() : load_failure_message(path);
  });
  // A single-phase module got __file__ from the path it was loaded through; it is the file's
  // place beside the executable, as spec.origin says (multi-phase modules get it from there).
  if (module && PyModule_Check(module.get()) && PyObject_HasAttrString(module.get(), "__file__")) {
    const Ref file(path_to_str(entry_file(entry)));
    if (!file || PyObject_SetAttrString(module.get(), "__file__", file.get()) < 0) return nullptr;
  }
  if (!module && !PyErr_Occurred()) {
    const Ref message(PyUnicode_FromFormat("cannot load extension module %U: %s", name.get(), error.c_str()));
    if (message) PyErr_SetImportError(message.get(), name.get(), nullptr);
  }
  return module.release();
}

std::string unique_fd_path(int fd) {
  std::string noop;
  unsigned reuse = 0;
  {
    const std::lock_guard lock(g_mutex);
    reuse = g_loads_through_number[fd]++;
  }
  for (unsigned n = reuse; n != 0; n >>= 1) noop.insert(0, (n & 1) ? "./" : "/");
  return "/proc/self/fd/" + noop + std::to_string(fd);
}

}  // namespace freeze::importer

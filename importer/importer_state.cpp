#include "importer/importer_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <cstdio>
#include <new>

#include "importer/python_ref.h"

namespace freeze::importer {
namespace {

const ImporterContext* g_context = nullptr;

}  // namespace

const ImporterContext& context() { return *g_context; }
void set_context(const ImporterContext* context) { g_context = context; }

std::optional<blob::Entry> lookup(blob::Kind kind, std::string_view name) {
  try {
    return g_context->reader->find(kind, name);
  } catch (const blob::DamagedError& error) {
    die_damaged(g_context->executable, error.what());
  }
}

std::vector<blob::Entry> lookup_prefix(blob::Kind kind, std::string_view prefix) {
  try {
    return g_context->reader->with_prefix(kind, prefix);
  } catch (const blob::DamagedError& error) {
    die_damaged(g_context->executable, error.what());
  }
}

namespace {

[[noreturn]] void die_damaged_entry(const blob::Entry& entry, const blob::DamagedError& error) {
  die_damaged(g_context->executable,
              std::string(blob::kind_name(entry.kind)) + " '" + std::string(entry.name) + "': " + error.what());
}

}  // namespace

std::string read_span(const blob::Entry& entry, const blob::Span& span) {
  try {
    return g_context->reader->read(span);
  } catch (const blob::DamagedError& error) {
    die_damaged_entry(entry, error);
  }
}

std::unique_ptr<char[]> read_span_uninitialised(const blob::Entry& entry, const blob::Span& span) {
  std::unique_ptr<char[]> out(new char[span.raw_size]);  // GCC 10 (Debian 11's) lacks make_unique_for_overwrite
  try {
    g_context->reader->read_into(span, reinterpret_cast<unsigned char*>(out.get()));
  } catch (const blob::DamagedError& error) {
    die_damaged_entry(entry, error);
  }
  return out;
}

PyObject* no_memory() {
  if (g_context->out_of_memory != nullptr) g_context->out_of_memory();
  return PyErr_NoMemory();
}

std::string entry_file(const blob::Entry& entry) { return g_context->origin_dir + "/" + std::string(entry.path); }

std::optional<std::string> read_data(const blob::Entry& entry) {
  if (entry.in_memory()) {
    try {
      return read_span(entry, entry.data);
    } catch (const std::bad_alloc&) {
      no_memory();
      return std::nullopt;
    }
  }
  // POSIX reads rather than iostreams: the launcher stays free of the C++ stream library.
  const std::string path = entry_file(entry);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    PyErr_SetFromErrnoWithFilename(PyExc_OSError, path.c_str());
    return std::nullopt;
  }
  std::string data;
  char buffer[65536];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      errno = saved;
      PyErr_SetFromErrnoWithFilename(PyExc_OSError, path.c_str());
      return std::nullopt;
    }
    if (n == 0) break;
    data.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return data;
}

PyObject* path_to_str(const std::string& path) {
  return PyUnicode_DecodeFSDefaultAndSize(path.data(), static_cast<Py_ssize_t>(path.size()));
}

PyObject* name_to_str(std::string_view name) {
  return PyUnicode_DecodeUTF8(name.data(), static_cast<Py_ssize_t>(name.size()), "surrogateescape");
}

bool parse_str(PyObject* arg, std::string* out) {
  if (!PyUnicode_Check(arg)) {
    PyErr_SetString(PyExc_TypeError, "expected a str");
    return false;
  }
  Py_ssize_t size = 0;
  // The usual case, strict UTF-8, is cached in the str object: no encoding on each import.
  if (const char* data = PyUnicode_AsUTF8AndSize(arg, &size)) {
    out->assign(data, static_cast<std::size_t>(size));
    return true;
  }
  if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) return false;
  PyErr_Clear();  // deliberate: lone surrogates, the bytes of an undecodable file name, encoded below
  const Ref bytes(PyUnicode_AsEncodedString(arg, "utf-8", "surrogateescape"));
  if (!bytes) return false;
  out->assign(PyBytes_AS_STRING(bytes.get()), static_cast<std::size_t>(PyBytes_GET_SIZE(bytes.get())));
  return true;
}

bool parse_fs_path(PyObject* arg, std::string* out) {
  PyObject* bytes = nullptr;
  if (!PyUnicode_FSConverter(arg, &bytes)) return false;
  const Ref owned(bytes);
  out->assign(PyBytes_AS_STRING(bytes), static_cast<std::size_t>(PyBytes_GET_SIZE(bytes)));
  return true;
}

bool append_module_listing(PyObject* list, PyObject* prefix, std::string_view name, bool is_package) {
  Ref text(name_to_str(name));
  if (text && prefix != nullptr) text.reset(PyUnicode_Concat(prefix, text.get()));
  const Ref item(text ? PyTuple_Pack(2, text.get(), is_package ? Py_True : Py_False) : nullptr);
  return item && PyList_Append(list, item.get()) == 0;
}

bool clear_unencodable() {
  if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) return false;
  PyErr_Clear();  // deliberate: such a name is in no index (see importer_state.h)
  return true;
}

void die_damaged(const std::string& executable, const std::string& what) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s: embedded resources are damaged: %s\n", executable.c_str(), what.c_str());
  std::fflush(stderr);
  _exit(1);
}

}  // namespace freeze::importer

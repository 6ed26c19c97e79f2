#include "importer_state.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

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

std::string read_span(const blob::Entry& entry, const blob::Span& span) {
  try {
    return g_context->reader->read(span);
  } catch (const blob::DamagedError& error) {
    die_damaged(g_context->executable,
                std::string(blob::kind_name(entry.kind)) + " '" + std::string(entry.name) + "': " + error.what());
  }
}

std::string entry_file(const blob::Entry& entry) { return g_context->origin_dir + "/" + std::string(entry.path); }

std::optional<std::string> read_data(const blob::Entry& entry) {
  if (entry.in_memory()) return read_span(entry, entry.data);
  const std::string path = entry_file(entry);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    PyErr_SetFromErrnoWithFilename(PyExc_OSError, path.c_str());
    return std::nullopt;
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

PyObject* path_to_str(const std::string& path) {
  return PyUnicode_DecodeFSDefaultAndSize(path.data(), static_cast<Py_ssize_t>(path.size()));
}

bool parse_str(PyObject* arg, std::string_view* out) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_Check(arg) ? PyUnicode_AsUTF8AndSize(arg, &size) : nullptr;
  if (data == nullptr) {
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "expected a str");
    return false;
  }
  *out = std::string_view(data, static_cast<std::size_t>(size));
  return true;
}

void die_damaged(const std::string& executable, const std::string& what) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s: embedded resources are damaged: %s\n", executable.c_str(), what.c_str());
  std::fflush(stderr);
  _exit(1);
}

}  // namespace freeze::importer

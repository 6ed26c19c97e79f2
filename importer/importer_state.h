// Shared by the parts of the importer: the blob being served and safe access to its entries.
// Damage found while reading ends the process with the one-line error (die_damaged).
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <optional>
#include <string>
#include <string_view>

#include "importer_module.h"

namespace freeze::importer {

const ImporterContext& context();
void set_context(const ImporterContext* context);

std::optional<blob::Entry> lookup(blob::Kind kind, std::string_view name);
std::vector<blob::Entry> lookup_prefix(blob::Kind kind, std::string_view prefix);

// The bytes of an entry's data: decompressed from the payload, or read from its file beside
// the executable. Returns nullopt with OSError set if the file cannot be read.
std::optional<std::string> read_data(const blob::Entry& entry);
std::string read_span(const blob::Entry& entry, const blob::Span& span);

// Absolute path of an entry's file (real, or where it would be for in-memory entries).
std::string entry_file(const blob::Entry& entry);

PyObject* path_to_str(const std::string& path);  // new reference, or nullptr with an error set

// Parses a str argument; returns false with TypeError set.
bool parse_str(PyObject* arg, std::string_view* out);

}  // namespace freeze::importer

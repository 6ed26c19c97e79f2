// Shared by the parts of the importer: the blob being served and safe access to its entries.
// Damage found while reading ends the process with the one-line error (die_damaged).
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "importer/importer_context.h"

namespace freeze::importer {

const ImporterContext& context();
void set_context(const ImporterContext* context);

std::optional<blob::Entry> lookup(blob::Kind kind, std::string_view name);
std::vector<blob::Entry> lookup_prefix(blob::Kind kind, std::string_view prefix);

// The bytes of an entry's data: decompressed from the payload, or read from its file beside
// the executable. Returns nullopt with OSError set if the file cannot be read, MemoryError if
// there is no memory to decompress it.
std::optional<std::string> read_data(const blob::Entry& entry);
std::string read_span(const blob::Entry& entry, const blob::Span& span);  // throws std::bad_alloc
// The same bytes (span.raw_size of them) in a buffer that is not zero-filled first: for the
// bytecode of every import, where filling a string only to overwrite it showed in profiles.
std::unique_ptr<char[]> read_span_uninitialised(const blob::Entry& entry, const blob::Span& span);  // throws std::bad_alloc

// MemoryError (returns nullptr), after telling the launcher (ImporterContext::out_of_memory).
PyObject* no_memory();

// Absolute path of an entry's file (real, or where it would be for in-memory entries).
std::string entry_file(const blob::Entry& entry);

PyObject* path_to_str(const std::string& path);  // new reference, or nullptr with an error set

// Names in the index (module names, file paths below the site root) are the bytes of the file
// names they come from: UTF-8, or undecodable bytes that python shows as the lone surrogates
// U+DC80..U+DCFF (os.fsdecode). These convert between the two like os.fsencode/os.fsdecode on
// a UTF-8 system, whatever the locale.
PyObject* name_to_str(std::string_view name);  // new reference, or nullptr with an error set
// Parses a str argument. Returns false with TypeError set if it is not a str, or with
// UnicodeEncodeError set if it is a str no file name gives (other lone surrogates, e.g. "\ud800"):
// no such name is in the index.
bool parse_str(PyObject* arg, std::string* out);
// Parses a path argument as os.fsencode does (str, bytes or path-like; lone surrogates are the
// bytes of undecodable file names), so that any path python can open is looked up without
// error. False with an error set if it is no path.
bool parse_fs_path(PyObject* arg, std::string* out);
// Appends (prefix + name, is_package) to `list`: an item of what pkgutil's iter_modules yields
// for a directory (`prefix` may be null). False with an error set.
bool append_module_listing(PyObject* list, PyObject* prefix, std::string_view name, bool is_package);
// After a failed parse_str: true (and the error cleared) if the str was unencodable, which
// callers treat as "not in the index"; false for other errors (left set).
bool clear_unencodable();

}  // namespace freeze::importer

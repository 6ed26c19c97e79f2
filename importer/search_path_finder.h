// The directories of the virtual installation (install_layout.h) as sys.path entries: paths of
// embedded files mapped back to their index entries, and the path-entry finder that answers
// for the directories on sys.path, as zipimport does for a zip archive there. Only what the
// index names is ever found: a file dropped into one of these directories is not imported.
#pragma once

#include <optional>
#include <string_view>
#include <utility>

#include "importer/importer_state.h"

namespace freeze::importer {

// A path below the executable's directory split into the installation directory that holds it
// and the rest ("lib/app/pkg/x.txt" -> {"lib/app", "pkg/x.txt"}); nullopt if none does.
std::optional<std::pair<std::string_view, std::string_view>> split_installation_path(std::string_view relative);

// The RESOURCE or METADATA entry whose file is `relative` (below the executable's directory).
std::optional<blob::Entry> file_entry_at(blob::Kind kind, std::string_view relative);

// The directory (below the executable's) that holds `entry`: its parent package's directory,
// or the sys.path directory of a top-level module.
std::string_view containing_directory(const blob::Entry& entry);

// The dotted name of the package whose directory is `relative` if the index has one there.
std::optional<blob::Entry> package_entry_at(std::string_view relative, std::string* name);

// module_name_of(path) -> the dotted name of the embedded Python module whose file (its
// __file__) is `path`, or None: what linecache needs to ask the loader for the source of a
// file it is given by name. A _freeze_importer module function.
PyObject* module_name_of(PyObject* module, PyObject* path);

// The finder's type, a subclass of importlib's FileFinder whose methods are bound to `module`
// (the importer module of the interpreter: kept in its state). New reference, or nullptr with
// an error set.
PyObject* make_search_path_finder_type(PyObject* module);

// A path-entry finder of `type` for `relative` if it is one of the installation's sys.path
// directories (new reference); nullptr without an error set if it is not, nullptr with an
// error on failure.
PyObject* new_search_path_finder(PyObject* type, std::string_view relative);

// From importer_module.cpp: the Python module or extension module of that name, and its spec
// with the embedded importer of `module` (the importer module) as loader (new reference, or
// nullptr with an error set).
std::optional<blob::Entry> find_importable(std::string_view name);
PyObject* embedded_spec(PyObject* module, PyObject* fullname, const blob::Entry& entry);

}  // namespace freeze::importer

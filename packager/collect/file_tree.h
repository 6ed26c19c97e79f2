// A set of files laid out like site-packages (a directory, or a wheel's members), and their
// classification into modules, package data, extension modules and distributions.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "packager/build/resource.h"
#include "packager/config/python_version.h"

namespace freeze::packager {

struct TreeFile {
  std::filesystem::path disk;  // read from here when `bytes` is empty
  std::optional<std::string> bytes;
  std::string origin;  // for messages
  unsigned mode = 0644;  // permissions a copy on the filesystem gets (see copy_mode)

  std::string read() const;  // throws UserError
};

// Key: path relative to the tree root, '/'-separated.
using FileTree = std::map<std::string, TreeFile>;

// Files below `root` (listed, not read), skipping __pycache__ and *.pyc. With `top_level`, only
// the top-level modules and packages named in it. Throws UserError if it cannot be read.
// Distribution metadata directories (*.dist-info, *.egg-info) and *.libs directories are
// listed as well when `top_level` is given.
// Hidden entries (".git", ".venv", ...) and the directories in `skip` (the build's output
// directory) are never listed. `python` tells a top-level extension module's name from its file's.
FileTree tree_from_directory(const std::filesystem::path& root,
                             const std::optional<std::set<std::string>>& top_level = std::nullopt,
                             const std::vector<std::filesystem::path>& skip = {},
                             const PythonVersion& python = PythonVersion::embedded());

struct ClassifyOptions {
  bool stdlib = false;
  bool namespace_packages = true;  // directories with modules but no __init__.py
  bool data_files = true;
  // Globs on paths below the tree (path_matches): files that belong to no package taken as
  // data all the same, at their place in the tree ([packages] data_files: sqlmap's "data/").
  std::vector<std::string> outside_packages;
  // Dotted names or fnmatch globs left out with everything below them.
  std::vector<std::string> exclude;
  PythonVersion python = PythonVersion::embedded();  // whose extension modules are recognised
};

// Modules (source in `data`), package data and extension modules of the tree. Metadata and
// .libs directories are left to distributions.h.
std::vector<Resource> classify_tree(const FileTree& tree, const ClassifyOptions& options);

// The module name an extension file name gives ("_core" for "_core.cpython-311-x86_64-linux-gnu.so"),
// or empty if the name is not an extension module for `python`.
std::string extension_module_stem(std::string_view filename, const PythonVersion& python = PythonVersion::embedded());

// True if `dir` (a site-packages or stdlib directory) holds the module `name` (dotted): a
// package directory or a .py file, or for a top-level name an extension module of any CPython
// (the hints say when one is there but for another version).
bool directory_has_module(const std::filesystem::path& dir, std::string_view name);

// True if the stdlib at `stdlib_dir` has the module `name`, in it or in its lib-dynload.
bool stdlib_has_module(const std::filesystem::path& stdlib_dir, std::string_view name);

// The permissions of a copy of a file whose mode is `source_mode`: 0644 plus the source's
// execute bits (a script or a zip with a launcher header stays runnable), never setuid, setgid,
// sticky or group/world-writable.
unsigned copy_mode(unsigned source_mode);

// True if `name` is `prefix` or below it; `prefix` may be an fnmatch glob ("*.tests").
bool name_matches(std::string_view name, std::string_view pattern);

// True if '/'-separated `path`, or a directory it lies in, matches the fnmatch glob `pattern`,
// whose '*' stays within one path component: "data" matches "data/txt/x.txt", "*.conf" matches
// "app.conf" but not "etc/app.conf".
bool path_matches(std::string_view path, std::string_view pattern);

}  // namespace freeze::packager

// Distribution metadata (*.dist-info, Debian's *.egg-info) and auditwheel's bundled shared
// libraries (*.libs/), found in a site-packages-like tree.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "packager/collect/file_tree.h"
#include "packager/build/resource.h"

namespace freeze::packager {

struct Distribution {
  std::string directory;          // "Jinja2-3.1.2.dist-info", "PyYAML-6.0.egg-info"
  std::string name;               // from METADATA/PKG-INFO "Name:"
  std::string version;
  std::set<std::string> top_level;        // importable names it provides
  std::set<std::string> library_dirs;     // "*.libs" directories its RECORD lists
  std::vector<std::string> requires_dist; // normalised names of the requirements that apply (Linux, the target CPython)
  std::vector<std::string> requirements;  // the same requirements as written ("PyYAML>=5.1 ; python_version >= '3.6'")
};

// PEP 503 normalisation: lower case, runs of -_. become one '-'.
std::string normalize_distribution_name(std::string_view name);

// Every distribution whose metadata lies at the root of `tree`, for an app frozen for `python`.
std::vector<Distribution> find_distributions(const FileTree& tree, const PythonVersion& python = PythonVersion::embedded());

// The distributions installed in the site directory `dir` (its metadata alone is read); none if
// it cannot be read.
std::vector<Distribution> installed_distributions(const std::filesystem::path& dir, const PythonVersion& python);

// When `name`, a top-level name asked of the site directory `dir` that it lacks, is the name of
// a distribution installed there ("rdiff-backup", "codespell"): "the distribution rdiff-backup
// provides rdiff_backup, rdiffbackup", to say what to include instead; else empty.
std::string distribution_named(const std::filesystem::path& dir, std::string_view name, const PythonVersion& python);

// The metadata files of `distribution` as Metadata resources.
std::vector<Resource> metadata_resources(const FileTree& tree, const Distribution& distribution);

// The files of the .libs directories `dirs` as SharedLibrary resources; `routing_name` is the
// package they serve.
std::vector<Resource> shared_library_resources(const FileTree& tree, const std::set<std::string>& dirs);

// The console_scripts entry points of the included metadata: name and "module:attr", in order.
std::vector<std::pair<std::string, std::string>> console_scripts(const std::vector<Resource>& metadata);
// The console_scripts entry point NAME of the included metadata, as "module:attr", or empty.
std::string find_console_script(const std::vector<Resource>& metadata, const std::string& name);

}  // namespace freeze::packager

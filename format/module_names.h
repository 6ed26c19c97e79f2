// Dotted module names and the '/'-separated paths of their files, as python's path finder maps
// one to the other below a search-path directory. Index names use both forms: Module and
// Extension entries are dotted names, Resource entries are paths below the site root, and a
// package's directory (its __path__, its package data) is its name with '/' for '.'. The
// packager (collect/), the importer (C++ and, through _freeze_importer, python/resources.py)
// and `freeze check` convert with these functions only.
//
// Grammar (docs/blob-format.md, "Module names and paths"):
//   name      = part *("." part)            ; "pkg.sub.mod"
//   directory = part *("/" part)            ; the package "pkg.sub" is the directory "pkg/sub"
//   source    = directory "/__init__.py"    ; the file of the package named like the directory
//             | [directory "/"] part ".py"  ; the file of the module "pkg.sub.mod": "pkg/sub/mod.py"
//   part      = 1*(any byte but "." and "/")
// The empty name is the top level, whose directory is the empty path.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace freeze::blob {

// "pkg.sub" -> "pkg/sub".
std::string directory_of(std::string_view name);
// "pkg/sub" -> "pkg.sub"; nullopt if the path is no package's directory (a part is empty or
// holds a dot: "pkg/data.v2").
std::optional<std::string> name_of_directory(std::string_view directory);

// "pkg" + "mod" -> "pkg.mod"; a top-level "mod" for the empty package.
std::string submodule_name(std::string_view package, std::string_view part);

// The source file of a module: "pkg/sub/mod.py", or "pkg/sub/__init__.py" for a package.
std::string source_file_of(std::string_view name, bool is_package);
struct ModuleOfFile {
  std::string name;
  bool is_package = false;
  bool operator==(const ModuleOfFile&) const = default;
};
// The module whose source file `path` is ("pkg/mod.py": pkg.mod, "pkg/__init__.py": the
// package pkg), or nullopt ("__init__.py" at the top, "pkg/x.tar.py", not a .py file).
std::optional<ModuleOfFile> module_of_source_file(std::string_view path);

}  // namespace freeze::blob

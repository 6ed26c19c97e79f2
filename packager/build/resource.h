// The one model of a resource, from collection to the blob writer: every module, data file,
// metadata file, extension module and bundled shared library, what it is (collect/), where it
// lives (`placement`, decided once by route()) and, for modules, its compiled form
// (compile_modules()). The layout step (layout.h) turns it into blob items and files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "format/blob_format.h"

namespace freeze::packager {

// Where routing put a resource: decided once by route() (routing.h), read by every later stage.
struct Placement {
  blob::Location location = blob::Location::InMemory;
  bool filesystem_copy = false;  // in memory, with a fallback copy on the filesystem (native code only)
  std::string path;              // its file in the installation, relative to the executable's directory,
                                 // on disk or in memory alike (what __file__ says); a namespace package's
                                 // directory (its __path__)
  int rule = -1;                 // the [[routing.rule]] that decided (0-based), -1 for routing.default

  bool in_blob() const { return location == blob::Location::InMemory; }  // its bytes are in the payload
  bool writes_file() const { return location == blob::Location::FilesystemRelative || filesystem_copy; }
};

struct Resource {
  blob::Kind kind = blob::Kind::Module;
  std::string name;           // index name (see blob::Kind)
  std::string routing_name;   // dotted module/package name that [routing] `name` globs match
  std::string relative_path;  // its path in the installation, below the executable's directory
                              // (install_layout.h): "lib/app/pkg/mod.py", "lib/python3.11/json/__init__.py",
                              // "local/lib/python3.11/dist-packages/X.dist-info/RECORD"; classify_tree()
                              // gives the path below its tree ("pkg/mod.py"), collect places it
  std::string origin;         // where it came from, for messages
  std::string data;           // file bytes (module source for modules)
  std::uint8_t flags = 0;     // blob::EntryFlags: package, namespace, stdlib
  unsigned mode = 0644;       // permissions of a copy on the filesystem (copy_mode() of the source)
  std::vector<std::string> needed_libraries;  // extension/shared library: bundled libraries to load first
  bool runs_as_main = false;  // the entry module run as __main__ (mark_main_module() in entry_resolution.h)

  Placement placement;  // set by route_resources()

  // Modules, once compiled (compile_module() in compile.h fills these; a stdlib module that
  // does not compile stays `compiled = false` and is stored as its source alone).
  bool compiled = false;
  std::string bytecode;
  std::string source_utf8;

  bool stdlib() const { return (flags & blob::kFlagStdlib) != 0; }
  bool namespace_package() const { return (flags & blob::kFlagNamespace) != 0; }
  bool native() const { return kind == blob::Kind::Extension || kind == blob::Kind::SharedLibrary; }
};

}  // namespace freeze::packager

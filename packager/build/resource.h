// What the packager collects: every module, data file, metadata file, extension module and
// bundled shared library, before routing decides where each one lives.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "format/blob_format.h"

namespace freeze::packager {

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

  // Modules, once compiled (compile_module() in build_command.cpp fills these).
  bool compiled = false;
  std::string bytecode;
  std::string source_utf8;

  bool stdlib() const { return (flags & blob::kFlagStdlib) != 0; }
};

// Where a routed resource goes.
struct Placement {
  blob::Location location = blob::Location::InMemory;
  std::string old_prefix;        // the PREFIX of an old "filesystem-relative:PREFIX", no longer used
  bool filesystem_copy = false;  // in memory, with a fallback copy on the filesystem
};

}  // namespace freeze::packager

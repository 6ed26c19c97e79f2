// What the packager collects: every module, data file, metadata file, extension module and
// bundled shared library, before routing decides where each one lives.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "blob_format.h"

namespace freeze::packager {

struct Resource {
  blob::Kind kind = blob::Kind::Module;
  std::string name;           // index name (see blob::Kind)
  std::string routing_name;   // dotted module/package name that [routing] `name` globs match
  std::string relative_path;  // package-layout path: "pkg/mod.py", "pkg/data/x", "X.dist-info/RECORD",
                              // "pkg/_c.cpython-311-x86_64-linux-gnu.so", "pkg.libs/libx.so"
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
  std::string prefix;            // for the filesystem: directory below the executable's
  bool filesystem_copy = false;  // in memory, with a fallback copy on the filesystem
};

}  // namespace freeze::packager

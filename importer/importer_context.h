// What the launcher hands the importer: the blob being served and where the executable is.
// The lowest layer of the importer: its parts (importer_state.h) and the module that brings
// them together (importer_module.h) build on it.
#pragma once

#include <string>

#include "format/blob_reader.h"

namespace freeze::importer {

struct ImporterContext {
  const blob::BlobReader* reader = nullptr;
  std::string executable;  // absolute path of the running executable (for messages)
  std::string origin_dir;  // the executable's directory: embedded paths are relative to it
  int optimize = 0;        // bytecode level, for .pyc files of modules on the filesystem
  // Told when the importer runs out of memory, before it raises MemoryError: during start-up
  // the launcher ends the process with its one line (CPython would print its path
  // configuration and a fatal error for an encodings module that did not load).
  void (*out_of_memory)() = nullptr;
};

// Prints "<exe>: embedded resources are damaged: <what>" and ends the process. Used for damage
// found lazily, when a resource is read; there is no sane way to go on.
[[noreturn]] void die_damaged(const std::string& executable, const std::string& what);

}  // namespace freeze::importer

// The `_freeze_importer` builtin module: a meta-path finder and loader that serves modules
// from the blob. The launcher calls install_inittab() before the interpreter is created and
// install_finder() in the core phase, before anything outside libpython's frozen modules is
// imported.
#pragma once

#include <string>

#include "blob_reader.h"

namespace freeze::importer {

struct ImporterContext {
  const blob::BlobReader* reader = nullptr;
  std::string executable;  // absolute path of the running executable (for messages)
  std::string origin_dir;  // directory that __file__ paths of embedded modules are placed under
};

// Registers `_freeze_importer` with PyImport_AppendInittab. `context` must outlive the
// interpreter. Returns false if the registration failed.
bool install_inittab(const ImporterContext* context);

// Imports `_freeze_importer` and puts its finder first on sys.meta_path. Returns false with a
// Python exception set on failure.
bool install_finder();

// Prints "<exe>: embedded resources are damaged: <what>" and ends the process. Used for damage
// found lazily, when a resource is read; there is no sane way to go on.
[[noreturn]] void die_damaged(const std::string& executable, const std::string& what);

}  // namespace freeze::importer

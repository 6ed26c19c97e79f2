// The `_freeze_importer` builtin module: a meta-path finder and loader that serves modules,
// extension modules, package data and distribution metadata from the blob. The launcher calls
// install_inittab() before the interpreter is created and install_finder() in the core phase,
// before anything outside libpython's frozen modules is imported.
#pragma once

#include "importer/importer_context.h"

namespace freeze::importer {

// Registers `_freeze_importer` with PyImport_AppendInittab. `context` must outlive the
// interpreter. Returns false if the registration failed.
bool install_inittab(const ImporterContext* context);

// Imports `_freeze_importer`, puts its finder on sys.meta_path (after the builtin and frozen
// importers) and its path hook first on sys.path_hooks. Returns false with a Python exception
// set on failure.
bool install_finder();

// `callback` runs each time the importer is asked for `sitecustomize`, before it looks it up:
// site's last step, in every interpreter, after its work on paths (the launcher puts back what
// it hid from site). The importer is found by reference, so no finder placed or wrapped on
// sys.meta_path changes this.
void call_before_sitecustomize(void (*callback)());

}  // namespace freeze::importer

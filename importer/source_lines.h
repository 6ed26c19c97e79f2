// Source lines of embedded modules for linecache, through linecache's own protocol.
//
// linecache asks a module's loader for its source (get_source) when it is given the module's
// globals, as tracebacks do, or when its cache holds a lazy entry for the file, the one-item
// tuple linecache.lazycache() makes. Callers that pass only a file name (warnings, tracemalloc)
// would otherwise look for the file on disk and show nothing for a module served from memory.
// So the importer seeds that lazy entry for each in-memory module it runs, once linecache is
// imported: nothing of linecache is replaced, and nothing depends on sys.meta_path's order or
// on what other code wraps or puts there.
#pragma once

#include "importer/module_state.h"

namespace freeze::importer {

// Called after the importer ran the module it knows as `name` (its spec's name) from `entry`:
// seeds its lazy linecache entry if linecache is imported; if the module is linecache itself, seeds one for every module of this
// executable imported so far. Never raises (an entry it cannot make only costs source lines).
void offer_source_lines(ModuleState& state, PyObject* name, const blob::Entry& entry);

}  // namespace freeze::importer

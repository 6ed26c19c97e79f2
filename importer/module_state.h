// The Python objects of one interpreter's `_freeze_importer` module (PEP 489 module state):
// every interpreter that imports the module gets its own, so nothing of one interpreter is
// used in another. The blob itself (ImporterContext) is process-wide and read-only.
#pragma once

#include "importer/importer_state.h"
#include "importer/python_ref.h"

namespace freeze::importer {

struct ModuleState {
  Ref module_spec_type;  // this interpreter's _frozen_importlib.ModuleSpec
  Ref finder_type;       // FreezeImporter
  Ref path_finder_type;  // FreezePathFinder
  Ref search_path_finder_type;  // FreezeSearchPathFinder (search_path_finder.cpp), made on first use
  Ref finder;            // the FreezeImporter put on sys.meta_path: the loader of every embedded module
};

}  // namespace freeze::importer

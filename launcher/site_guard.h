// What site must not see in a frozen program, and what the launcher adds to sys once the
// interpreter is initialised.
//
// Tracebacks, warnings and the unraisable and thread hooks show embedded modules' source
// lines through CPython's own printers: they open the module's file, which the virtual file
// system (virtual_files.cpp) serves from memory. No hook of CPython's is replaced.
#pragma once

namespace freeze::launcher {

// Called in every interpreter when its import system is set up, before site is imported: site
// is kept from the directories beside the executable (<prefix>/lib/python3.X/site-packages and
// the like, pyvenv.cfg), which are put back in sys when site looks up sitecustomize, its last
// step (or when the main interpreter is initialised, if site did not get that far).
void guard_site();

// Lists the embedded importer among sys.stdlib_module_names and puts back what guard_site()
// hid if site did not run. Call after initialisation.
void after_initialisation();

}  // namespace freeze::launcher

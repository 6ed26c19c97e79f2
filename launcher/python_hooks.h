// Hooks that give embedded modules the source lines python shows for modules on disk.
// CPython's C printers (the default sys.excepthook, sys.unraisablehook, the thread excepthook)
// read source lines from files only, and linecache.getline(filename) without module globals
// (as warnings and tracemalloc call it) does not ask the module's loader. The hooks print
// through `traceback`, and linecache learns to ask the embedded importer for the files it
// serves; the Python side is compiled only the first time one of them is needed.
#pragma once

#include <string>

namespace freeze::launcher {

// Called in every interpreter when its import system is set up, before site is imported: site
// is kept from the directories beside the executable (<prefix>/lib/python3.11/site-packages and
// the like, pyvenv.cfg), which are put back in sys once it has run. Also puts the launcher's
// meta-path finder (linecache's adaptation, the end of site) on sys.meta_path.
void guard_site();

// Installs sys.excepthook and sys.unraisablehook (and sys.__excepthook__, __unraisablehook__,
// the defaults code restores), _thread._excepthook (threading.excepthook) and a meta-path
// finder that adapts linecache when it is first imported. Call after initialisation.
void install_python_hooks(const std::string& origin_dir);

}  // namespace freeze::launcher

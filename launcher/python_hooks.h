// Hooks that give embedded modules the source lines python shows for modules on disk.
// CPython's C printers (the default sys.excepthook, sys.unraisablehook, the thread excepthook)
// read source lines from files only. The hooks print through `traceback`, which gets them from
// linecache, and linecache from the embedded importer (importer/source_lines.h); the Python
// side is compiled only the first time one of them is needed.
#pragma once

#include <string>

namespace freeze::launcher {

// Called in every interpreter when its import system is set up, before site is imported: site
// is kept from the directories beside the executable (<prefix>/lib/python3.11/site-packages and
// the like, pyvenv.cfg), which are put back in sys when site looks up sitecustomize, its last
// step (or when the main interpreter is initialised, if site did not get that far).
void guard_site();

// Installs sys.excepthook and sys.unraisablehook (and sys.__excepthook__, __unraisablehook__,
// the defaults code restores) and _thread._excepthook (threading.excepthook). Call after
// initialisation.
void install_python_hooks(const std::string& origin_dir);

}  // namespace freeze::launcher

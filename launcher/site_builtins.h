// The builtins `site` adds (exit, quit, help, copyright, credits, license), for a frozen program
// that does not import site. site's other work (site-packages, .pth files, sitecustomize, a
// venv's pyvenv.cfg) has no object in a frozen program, but scripts call exit() and quit().
#pragma once

namespace freeze::launcher {

// Sets the six names in builtins from CPython's own _sitebuiltins (a frozen module, as
// site.setquit(), setcopyright() and sethelper() do). Errors are cleared: a program without
// them still runs.
void install_site_builtins();

}  // namespace freeze::launcher

// The installed packages' modules that the app imports for sure: followed through the imports in
// their sources (those in functions too, but not those in a try that handles ImportError: the
// app goes on without them, as with an optional package) from the entry point, the app's own
// modules and the included distributions' entry points (plugins are imported by name). freeze
// check sets aside a failure of a dependency's module that nothing reaches so: autobahn.xbr
// needs numpy, but magic-wormhole never imports it (autobahn.wamp.cryptosign tries it, and
// goes on without), and suggesting numpy would add 20 MB to no purpose.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "packager/build/resource.h"
#include "packager/collect/reachability.h"

namespace freeze::packager {

// The names of the non-stdlib modules (and extension modules) reachable from `roots` (the entry
// module, what app.code imports), the app's own modules ([packages] paths) and the modules of
// the entry points in the included metadata (plugins: all groups but console_scripts and
// gui_scripts). Importing a.b.c reaches a and a.b. `scan` gives a compiled module's unguarded
// imports (ImportScope::Unguarded). import_module() and __import__() calls reach what a constant
// names, and for a name computed at run time the modules and subpackages of the caller's
// package (not their own modules, tests or setup scripts): docutils.parsers imports
// docutils.parsers.rst so.
std::set<std::string> reachable_third_party(const std::vector<Resource>& resources, const std::vector<std::string>& roots,
                                            const ScanImports& scan);

}  // namespace freeze::packager

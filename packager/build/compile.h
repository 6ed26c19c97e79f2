// The compiling stage: every module's bytecode and UTF-8 source, from the CPython the app is
// frozen for (target_python.h) or from the build cache of an identical earlier compilation.
#pragma once

#include <vector>

#include "packager/build/target_python.h"
#include "packager/build/resource.h"

namespace freeze::packager {

// Fills the module's bytecode and UTF-8 source, once (compiled = true). Throws UserError,
// carrying Python's message, if it does not compile.
void compile_module(TargetPython& python, Resource& module, int optimize);

// Compiles every module that is not compiled yet (reachability compiled some already), after
// routing: a stdlib module that does not compile stays uncompiled, to be stored as its source
// or copied as is (CPython's tests read test/bad_coding2.py; python fails only when it is
// imported). Throws UserError listing the app's modules that do not compile.
void compile_modules(std::vector<Resource>& resources, int optimize, TargetPython& python);

}  // namespace freeze::packager

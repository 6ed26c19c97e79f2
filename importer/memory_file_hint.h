// Why native code could not be loaded from a memory file, told from the errno: a shortage of
// descriptors or memory is not a policy forbidding memory files, and only the latter is fixed
// by routing a copy to the filesystem.
#pragma once

#include <string>

namespace freeze::importer {

// The parenthesised hint for a failure to create or write a memory file (`error_number`: its
// errno), or, with `error_number` 0, for a memory file the dynamic loader could not load
// (`loader_error`: dlerror's text; the errno of a mapping is lost by then, so it is probed; no
// /proc is said as such). Empty when the cause is not the memory file (an undefined symbol).
std::string memory_file_hint(int error_number, const std::string& loader_error);

}  // namespace freeze::importer

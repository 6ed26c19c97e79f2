// `freeze inspect EXE`: what a frozen executable carries.
#pragma once

#include <filesystem>
#include <ostream>

namespace freeze::packager {

// Writes a table (or JSON) of every embedded resource to `out`. Throws UserError.
void inspect(const std::filesystem::path& executable, bool json, std::ostream& out);

}  // namespace freeze::packager

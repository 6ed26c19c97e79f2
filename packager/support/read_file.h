// The whole content of a file, for the packager's inputs (sources, launcher, libraries).
#pragma once

#include <filesystem>
#include <string>

namespace freeze::packager {

// Throws UserError("<path>: cannot read") if the file cannot be opened or read.
std::string read_file(const std::filesystem::path& path);

}  // namespace freeze::packager

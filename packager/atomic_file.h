// Writes a file so that it appears complete or not at all: a temporary file in the target's
// directory, fsync'ed, then renamed over the target. On any failure the temporary is removed.
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

namespace freeze::packager {

// Writes the concatenation of `parts` to `target` with permissions `mode`. Throws UserError.
void write_file_atomically(const std::filesystem::path& target, const std::vector<std::string_view>& parts,
                           unsigned mode);

}  // namespace freeze::packager

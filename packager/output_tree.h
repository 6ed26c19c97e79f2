// Writes a build's output: the executable and the files routed beside it. Everything is
// written to temporary names first; the entries of the output directory freeze owns (the routing
// prefixes' top directories, or with prefix "." the packages and modules themselves) are swapped
// in whole, then the executable is renamed into place, so a failed build leaves the previous
// output as it was. Entries that the executable being replaced had written beside it (its index
// records them) and that this build does not write are removed in the same swap.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace freeze::packager {

struct OutputFile {
  std::string path;  // relative to the output directory
  std::string data;
  unsigned mode = 0644;  // shared objects (*.so, *.so.N) are always 0755
};

// Throws UserError.
void write_output(const std::filesystem::path& output_dir, const std::string& executable_name,
                  const std::vector<std::string_view>& executable_parts, const std::vector<OutputFile>& files);

}  // namespace freeze::packager

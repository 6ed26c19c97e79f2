// Writes a build's output: the executable and the files routed beside it. Everything is
// written to temporary names first; the directories freeze owns (the routing prefixes) are
// swapped in whole, then the executable is renamed into place, so a failed build leaves the
// previous output as it was.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace freeze::packager {

struct OutputFile {
  std::string path;  // relative to the output directory
  std::string data;
};

// Throws UserError.
void write_output(const std::filesystem::path& output_dir, const std::string& executable_name,
                  const std::vector<std::string_view>& executable_parts, const std::vector<OutputFile>& files);

}  // namespace freeze::packager

// Writes a build's output into the output directory, never leaving a mix of two builds:
// - an executable alone is written to `.NAME.tmp-XXXXXX` and renamed over NAME;
// - an executable with files routed beside it is written, with them, to a new directory
//   `.NAME.freeze-XXXXXX/`, and NAME becomes a symlink to the executable there by one rename.
// Then the previous output's build directory (or the files an executable of an earlier freeze
// version had written beside itself, as its index records them) is removed. Builds writing one
// output directory take turns (flock on it), and each removes what killed builds of the same app
// left under those names; nothing else in the directory is touched.
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

// `commands` ([app] commands) become symlinks to the executable beside it, written after the
// switch; a file of that name that is not such a symlink is an error, before anything is
// written. Those of the previous build that are no longer commands are removed. Throws UserError.
void write_output(const std::filesystem::path& output_dir, const std::string& executable_name,
                  const std::vector<std::string_view>& executable_parts, const std::vector<OutputFile>& files,
                  const std::vector<std::string>& commands = {});

}  // namespace freeze::packager

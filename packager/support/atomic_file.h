// Writing files so that they appear complete or not at all: a temporary file in the target's
// directory, fsync'ed, then renamed over the target. On any failure the temporary is removed.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace freeze::packager {

// A file written to a temporary name beside `target`; commit() renames it into place, and
// destruction without commit() removes it.
class PendingFile {
 public:
  PendingFile(const std::filesystem::path& target, const std::vector<std::string_view>& parts, unsigned mode);
  ~PendingFile();
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;

  void commit();  // throws UserError

 private:
  std::filesystem::path target_;
  std::string temp_path_;
  bool committed_ = false;
};

// Writes the concatenation of `parts` to `target` with permissions `mode`. Throws UserError.
void write_file_atomically(const std::filesystem::path& target, const std::vector<std::string_view>& parts,
                           unsigned mode);

}  // namespace freeze::packager

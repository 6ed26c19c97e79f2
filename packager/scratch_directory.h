// A temporary directory that is removed, with its contents, when the object goes away (unless
// keep() was called: it has become part of the result).
#pragma once

#include <filesystem>
#include <string>

namespace freeze::packager {

class ScratchDirectory {
 public:
  // Creates `parent`/`stem`XXXXXX. Throws UserError naming the parent if it cannot.
  ScratchDirectory(const std::filesystem::path& parent, const std::string& stem);
  ~ScratchDirectory();
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }
  void keep() { kept_ = true; }

 private:
  std::filesystem::path path_;
  bool kept_ = false;
};

}  // namespace freeze::packager

// A temporary directory that is removed, with its contents, when the object goes away (unless
// keep() was called: it has become part of the result). While it exists its creator holds an
// flock on it, so that remove_abandoned() can tell the directories of killed processes from
// those of running ones.
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

  // Removes the directories `parent`/`stem`XXXXXX of this user that no living process holds
  // (left by a process killed before it could remove its own) and that are over a minute old.
  // Best effort.
  static void remove_abandoned(const std::filesystem::path& parent, const std::string& stem);

 private:
  std::filesystem::path path_;
  int lock_fd_ = -1;
  bool kept_ = false;
};

}  // namespace freeze::packager

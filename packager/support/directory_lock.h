// An exclusive flock(2) on a directory, held for the object's lifetime: builds writing the same
// output directory (or cache) take turns, so that what one of them finds under freeze's own
// temporary names can only be left over by a build that was killed, never one still running.
#pragma once

#include <filesystem>

namespace freeze::packager {

class DirectoryLock {
 public:
  // Blocks until the lock is free, after calling `on_wait` once if it is not. held() is false
  // if the directory cannot be locked (a filesystem without flock): the caller must then not
  // assume it is alone.
  template <typename OnWait>
  DirectoryLock(const std::filesystem::path& directory, OnWait on_wait) {
    acquire(directory, [](void* wait) { (*static_cast<OnWait*>(wait))(); }, &on_wait);
  }
  explicit DirectoryLock(const std::filesystem::path& directory) : DirectoryLock(directory, [] {}) {}
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

  bool held() const { return fd_ >= 0; }

 private:
  void acquire(const std::filesystem::path& directory, void (*on_wait)(void*), void* context);
  int fd_ = -1;
};

}  // namespace freeze::packager

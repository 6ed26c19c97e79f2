// The running executable's own file, mapped read-only, with the blob appended to it.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace freeze::launcher {

class SelfImage {
 public:
  // Maps /proc/self/exe or, without /proc or when started as `ld.so ./app`, the file named by
  // AT_EXECFN or `argv0` (looked up in PATH) whose program headers are the running program's.
  // Throws std::runtime_error if the file cannot be found, opened or mapped.
  static SelfImage open(const std::string& argv0);
  SelfImage(SelfImage&& other) noexcept;
  SelfImage& operator=(SelfImage&&) = delete;
  SelfImage(const SelfImage&) = delete;
  ~SelfImage();

  std::span<const unsigned char> bytes() const { return {data_, size_}; }
  const std::string& path() const { return path_; }  // absolute path of the executable
  std::string directory() const;
  int fd() const { return fd_; }  // open for the life of the image, for reads that bypass the mapping
  // What opens the file again (/proc/self/exe, or its path when that was not available).
  const std::string& reopen_path() const { return reopen_path_; }

 private:
  SelfImage() = default;
  const unsigned char* data_ = nullptr;
  std::size_t size_ = 0;
  int fd_ = -1;
  std::string path_;
  std::string reopen_path_;
};

}  // namespace freeze::launcher

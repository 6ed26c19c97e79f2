#include "self_image.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

namespace freeze::launcher {
namespace {

std::string executable_path() {
  std::vector<char> buffer(4096);
  while (true) {
    const ssize_t n = readlink("/proc/self/exe", buffer.data(), buffer.size());
    if (n < 0) throw std::runtime_error(std::string("cannot resolve /proc/self/exe: ") + std::strerror(errno));
    if (static_cast<std::size_t>(n) < buffer.size()) return std::string(buffer.data(), static_cast<std::size_t>(n));
    buffer.resize(buffer.size() * 2);
  }
}

}  // namespace

SelfImage SelfImage::open() {
  SelfImage image;
  image.path_ = executable_path();
  // Open through /proc/self/exe rather than the path: it is the file that is running even if
  // the path was replaced or removed since.
  int fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + image.path_ + ": " + std::strerror(errno));
  if (fd <= 2) {
    // Started with stdin, stdout or stderr closed: the descriptor kept open must not take their
    // place, or sys.stdin & co. would read and write this file where python has None.
    const int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    ::close(fd);
    if (high < 0) throw std::runtime_error("cannot open " + image.path_ + ": " + std::strerror(errno));
    fd = high;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw std::runtime_error("cannot stat " + image.path_ + ": " + std::strerror(err));
  }
  image.size_ = static_cast<std::size_t>(st.st_size);
  if (image.size_ > 0) {
    void* map = mmap(nullptr, image.size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      throw std::runtime_error("cannot map " + image.path_ + ": " + std::strerror(err));
    }
    image.data_ = static_cast<const unsigned char*>(map);
    // Only the trailer and index are read through the mapping (payload reads use pread): keep
    // the kernel from mapping whole large folios or reading ahead around them.
    madvise(map, image.size_, MADV_RANDOM);
    madvise(map, image.size_, MADV_NOHUGEPAGE);
  }
  image.fd_ = fd;
  return image;
}

SelfImage::SelfImage(SelfImage&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)) {}

SelfImage::~SelfImage() {
  if (data_ != nullptr) munmap(const_cast<unsigned char*>(data_), size_);
  if (fd_ >= 0) ::close(fd_);
}

std::string SelfImage::directory() const {
  const auto slash = path_.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path_.substr(0, slash);
}

}  // namespace freeze::launcher

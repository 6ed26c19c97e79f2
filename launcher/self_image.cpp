#include "launcher/self_image.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

namespace freeze::launcher {
namespace {

std::string proc_self_exe_target() {
  std::vector<char> buffer(4096);
  while (true) {
    const ssize_t n = readlink("/proc/self/exe", buffer.data(), buffer.size());
    if (n < 0) return {};
    if (static_cast<std::size_t>(n) < buffer.size()) return std::string(buffer.data(), static_cast<std::size_t>(n));
    buffer.resize(buffer.size() * 2);
  }
}

// True if `fd` is the file the running program was loaded from, as far as can be told without
// /proc: its program headers are the ones the loader mapped (AT_PHDR). (Any file with the same
// launcher passes; the blob appended to it then says what it is, and it was found by the path
// this process was started with.)
bool is_running_program(int fd) {
  const auto* loaded = reinterpret_cast<const unsigned char*>(getauxval(AT_PHDR));
  const unsigned long count = getauxval(AT_PHNUM);
  Elf64_Ehdr header;
  if (loaded == nullptr || count == 0 || pread(fd, &header, sizeof header, 0) != static_cast<ssize_t>(sizeof header) ||
      std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 || header.e_phnum != count ||
      header.e_phentsize != sizeof(Elf64_Phdr)) {
    return false;
  }
  std::vector<unsigned char> in_file(count * sizeof(Elf64_Phdr));
  return pread(fd, in_file.data(), in_file.size(), static_cast<off_t>(header.e_phoff)) ==
             static_cast<ssize_t>(in_file.size()) &&
         std::memcmp(in_file.data(), loaded, in_file.size()) == 0;
}

// `argv[0]` as the shell found it: a name without a slash is looked up in PATH.
std::vector<std::string> argv0_candidates(const std::string& argv0) {
  if (argv0.empty()) return {};
  if (argv0.find('/') != std::string::npos) return {argv0};
  std::vector<std::string> found;
  const char* path = std::getenv("PATH");
  std::string directories = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= directories.size()) {
    const std::size_t colon = std::min(directories.find(':', start), directories.size());
    const std::string directory = directories.substr(start, colon - start);
    found.push_back((directory.empty() ? "." : directory) + "/" + argv0);
    start = colon + 1;
  }
  return found;
}

std::string absolute(const std::string& path) {
  if (char* resolved = realpath(path.c_str(), nullptr)) {
    std::string result(resolved);
    std::free(resolved);
    return result;
  }
  if (path.starts_with('/')) return path;
  std::vector<char> cwd(4096);
  return getcwd(cwd.data(), cwd.size()) != nullptr ? std::string(cwd.data()) + "/" + path : path;
}

// Moves a descriptor that took the place of stdin, stdout or stderr (started with them closed)
// above them: sys.stdin & co. must not read and write this file where python has None.
int above_standard_streams(int fd) {
  if (fd > 2) return fd;
  const int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  ::close(fd);
  return high;
}

}  // namespace

SelfImage SelfImage::open(const std::string& argv0) {
  SelfImage image;
  // The kernel loaded no interpreter for the executed file only if that file is the dynamic
  // loader itself, started as a program ("ld.so ./app"): /proc/self/exe is then ld.so, and
  // AT_EXECFN (which ld.so rewrites) and argv[0] name the program.
  const bool started_by_loader = getauxval(AT_BASE) == 0;
  int fd = -1;
  if (!started_by_loader) {
    // Through /proc/self/exe rather than the path: it is the file that is running even if
    // the path was replaced or removed since.
    image.path_ = proc_self_exe_target();
    if (!image.path_.empty()) fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) image.reopen_path_ = "/proc/self/exe";
  }
  if (fd < 0) {
    // No /proc (a chroot, a container without it), or started by ld.so: the path this process
    // was started with, then argv[0] (searched in PATH), if it is the program that is running.
    std::vector<std::string> candidates;
    if (const auto* execfn = reinterpret_cast<const char*>(getauxval(AT_EXECFN)); execfn != nullptr && *execfn) {
      candidates.emplace_back(execfn);
    }
    for (auto& candidate : argv0_candidates(argv0)) candidates.push_back(std::move(candidate));
    for (const std::string& candidate : candidates) {
      fd = ::open(candidate.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      if (is_running_program(fd)) {
        image.path_ = absolute(candidate);
        image.reopen_path_ = image.path_;
        break;
      }
      ::close(fd);
      fd = -1;
    }
    if (fd < 0) {
      throw std::runtime_error(started_by_loader
                                   ? "started by the dynamic loader, and neither AT_EXECFN nor argv[0] names this program's file"
                                   : "cannot find this program's file: /proc/self/exe is unavailable (is /proc mounted?) "
                                     "and neither AT_EXECFN nor argv[0] names it");
    }
  }
  fd = above_standard_streams(fd);
  if (fd < 0) throw std::runtime_error("cannot open " + image.path_ + ": " + std::strerror(errno));
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
      if (err == ENOMEM) {
        throw std::runtime_error("out of memory while mapping " + image.path_ + " (" +
                                 std::to_string(image.size_ >> 20) + " MiB)");
      }
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
      path_(std::move(other.path_)),
      reopen_path_(std::move(other.reopen_path_)) {}

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

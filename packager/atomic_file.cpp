#include "atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "user_error.h"

namespace freeze::packager {
namespace {

namespace fs = std::filesystem;

class TempFile {
 public:
  explicit TempFile(const fs::path& target) {
    std::string pattern = (target.parent_path() / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
    fd_ = mkstemp(pattern.data());
    if (fd_ < 0) throw UserError(target.string() + ": cannot create a temporary file beside it: " + std::strerror(errno));
    path_ = pattern;
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  void close() {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw UserError(path_ + ": " + std::strerror(errno));
  }
  void commit() { committed_ = true; }

 private:
  int fd_ = -1;
  std::string path_;
  bool committed_ = false;
};

void write_all(int fd, std::string_view data, const fs::path& target) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw UserError(target.string() + ": write failed: " + std::strerror(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

void write_file_atomically(const fs::path& target, const std::vector<std::string_view>& parts, unsigned mode) {
  TempFile temp(target);
  for (const auto part : parts) write_all(temp.fd(), part, target);
  if (::fchmod(temp.fd(), mode) != 0 || ::fsync(temp.fd()) != 0) {
    throw UserError(target.string() + ": " + std::strerror(errno));
  }
  temp.close();
  if (::rename(temp.path().c_str(), target.c_str()) != 0) {
    throw UserError(target.string() + ": cannot replace it: " + std::strerror(errno));
  }
  temp.commit();
}

}  // namespace freeze::packager

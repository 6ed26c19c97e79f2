#include "packager/support/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "packager/support/user_error.h"

namespace freeze::packager {
namespace {

namespace fs = std::filesystem;

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

PendingFile::PendingFile(const fs::path& target, const std::vector<std::string_view>& parts, unsigned mode)
    : target_(target) {
  std::string pattern = (target.parent_path() / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  const int fd = mkstemp(pattern.data());
  if (fd < 0) throw UserError(target.string() + ": cannot create a temporary file beside it: " + std::strerror(errno));
  temp_path_ = pattern;
  try {
    for (const auto part : parts) write_all(fd, part, target);
    if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) throw UserError(target.string() + ": " + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    ::unlink(temp_path_.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    ::unlink(temp_path_.c_str());
    throw UserError(target.string() + ": " + std::strerror(errno));
  }
}

PendingFile::~PendingFile() {
  if (!committed_) ::unlink(temp_path_.c_str());
}

void PendingFile::commit() {
  if (::rename(temp_path_.c_str(), target_.c_str()) != 0) {
    throw UserError(target_.string() + ": cannot replace it: " + std::strerror(errno));
  }
  committed_ = true;
}

void write_file_atomically(const fs::path& target, const std::vector<std::string_view>& parts, unsigned mode) {
  PendingFile file(target, parts, mode);
  file.commit();
}

}  // namespace freeze::packager

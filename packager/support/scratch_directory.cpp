#include "packager/support/scratch_directory.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "packager/support/user_error.h"

namespace freeze::packager {

ScratchDirectory::ScratchDirectory(const std::filesystem::path& parent, const std::string& stem) {
  std::string pattern = (parent / (stem + "XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw UserError("cannot create a temporary directory in " + parent.string() + ": " + std::strerror(errno));
  }
  path_ = pattern;
  lock_fd_ = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lock_fd_ >= 0) ::flock(lock_fd_, LOCK_EX | LOCK_NB);  // just created: nobody else has it
}

ScratchDirectory::~ScratchDirectory() {
  if (!kept_) {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void ScratchDirectory::remove_abandoned(const std::filesystem::path& parent, const std::string& stem) {
  std::error_code error;
  for (std::filesystem::directory_iterator it(parent, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.size() != stem.size() + 6 || !name.starts_with(stem) ||
        !std::all_of(name.begin() + static_cast<std::ptrdiff_t>(stem.size()), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; })) {
      continue;
    }
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) continue;
    // One created a moment ago may not be locked yet (mkdtemp, then flock): left for next time.
    if (st.st_mtime > ::time(nullptr) - 60) continue;
    const int fd = ::open(it->path().c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {  // nobody holds it: its creator is gone
      std::error_code ignored;
      std::filesystem::remove_all(it->path(), ignored);
    }
    ::close(fd);
  }
}

}  // namespace freeze::packager

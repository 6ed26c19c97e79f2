#include "scratch_directory.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>

#include "user_error.h"

namespace freeze::packager {

ScratchDirectory::ScratchDirectory(const std::filesystem::path& parent, const std::string& stem) {
  std::string pattern = (parent / (stem + "XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw UserError("cannot create a temporary directory in " + parent.string() + ": " + std::strerror(errno));
  }
  path_ = pattern;
}

ScratchDirectory::~ScratchDirectory() {
  if (kept_) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace freeze::packager

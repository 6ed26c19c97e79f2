#include "packager/support/read_file.h"

#include <fstream>
#include <sstream>

#include "packager/support/user_error.h"

namespace freeze::packager {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(path.string() + ": cannot read");
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) throw UserError(path.string() + ": cannot read");
  return out.str();
}

}  // namespace freeze::packager

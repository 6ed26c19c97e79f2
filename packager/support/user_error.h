// An error the user can act on: the message names the culprit (file, key, resource) and says
// what to do. main() prints it as one line and exits non-zero; nothing else reaches the user.
#pragma once

#include <stdexcept>
#include <string>

namespace freeze::packager {

class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace freeze::packager

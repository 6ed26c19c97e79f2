// TOML text that freeze writes for the user to read or paste: init's app.toml, check's
// suggested site_packages setting.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace freeze::packager {

std::string quote(std::string_view text);                          // a TOML basic string, escaped
std::string quoted_items(const std::vector<std::string>& items);   // "a", "b"
std::string quoted_list(const std::vector<std::string>& items);    // ["a", "b"]

}  // namespace freeze::packager

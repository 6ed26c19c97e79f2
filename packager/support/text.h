// Small text helpers that the packager's parsers and messages share.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace freeze::packager {

// The text without its leading and trailing white space.
inline std::string trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return std::string(text);
}

// The items, strings or string views, one after another with `separator` between: "a, b, c".
template <typename Items>
std::string join(const Items& items, std::string_view separator = ", ") {
  std::string out;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += separator;
    out += item;
    first = false;
  }
  return out;
}

}  // namespace freeze::packager

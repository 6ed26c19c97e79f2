// Every occurrence of one text in another replaced, left to right.
#pragma once

#include <string>
#include <string_view>

namespace freeze::packager {

inline std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  if (from.empty()) return text;
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace freeze::packager

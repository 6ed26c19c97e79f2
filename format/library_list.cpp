#include "format/library_list.h"

#include <stdexcept>

namespace freeze::blob {

namespace {
constexpr char kSeparator = '\n';
}  // namespace

std::string encode_library_list(const std::vector<std::string>& names) {
  std::string list;
  for (const auto& name : names) {
    if (name.empty() || name.find(kSeparator) != std::string::npos) {
      throw std::invalid_argument("a library name cannot be empty or hold a line break: '" + name + "'");
    }
    if (!list.empty()) list += kSeparator;
    list += name;
  }
  return list;
}

std::vector<std::string> decode_library_list(std::string_view bytes) {
  std::vector<std::string> names;
  while (!bytes.empty()) {
    const auto end = bytes.find(kSeparator);
    const std::string_view name = bytes.substr(0, end);
    if (!name.empty()) names.emplace_back(name);
    bytes.remove_prefix(end == std::string_view::npos ? bytes.size() : end + 1);
  }
  return names;
}

}  // namespace freeze::blob

// Hexadecimal text to bytes ("a70d0d0a": a bytecode magic number in manifest.json and in the
// target interpreter's replies).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace freeze::packager {

// The bytes `hex` spells (two digits each, either case), or nothing if it is not hexadecimal.
inline std::optional<std::string> decode_hex(std::string_view hex) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int high = digit(hex[i]), low = digit(hex[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
  }
  return out;
}

}  // namespace freeze::packager

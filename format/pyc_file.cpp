#include "format/pyc_file.h"

namespace freeze::blob::pyc {
namespace {

constexpr std::string_view kSourceSuffix = ".py";
constexpr std::string_view kCacheSuffix = ".pyc";
// Header fields (PEP 552).
constexpr std::size_t kFlagsOffset = 4;
constexpr std::size_t kValidationOffset = 8;

void put_u32(std::string& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
}
std::uint32_t get_u32(std::string_view in, std::size_t offset) {
  std::uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(in[offset + static_cast<std::size_t>(i)]);
  return value;
}

}  // namespace

std::string cache_tag(int major, int minor) { return "cpython-" + std::to_string(major) + std::to_string(minor); }

std::string cached_path(std::string_view source_path, std::string_view cache_tag, int optimize) {
  const auto slash = source_path.rfind('/');
  const std::string_view dir = slash == std::string_view::npos ? std::string_view() : source_path.substr(0, slash + 1);
  std::string_view stem = source_path.substr(slash == std::string_view::npos ? 0 : slash + 1);
  if (stem.ends_with(kSourceSuffix)) stem.remove_suffix(kSourceSuffix.size());
  std::string path(dir);
  path += kCacheDirectory;
  path += '/';
  path += stem;
  path += '.';
  path += cache_tag;
  if (optimize != 0) path += ".opt-" + std::to_string(optimize);
  path += kCacheSuffix;
  return path;
}

std::string encode_checked_hash(std::string_view magic, std::string_view source_hash, std::string_view bytecode) {
  std::string out(magic);
  put_u32(out, kFlagHashBased | kFlagCheckSource);
  out += source_hash;
  out += bytecode;
  return out;
}

std::optional<Header> decode(std::string_view file) {
  if (file.size() < kHeaderSize) return std::nullopt;
  Header header;
  header.magic = file.substr(0, kMagicSize);
  header.flags = get_u32(file, kFlagsOffset);
  if (header.hash_based()) {
    header.source_hash = file.substr(kValidationOffset, kSourceHashSize);
  } else {
    header.source_mtime = get_u32(file, kValidationOffset);
    header.source_size = get_u32(file, kValidationOffset + 4);
  }
  header.code = file.substr(kHeaderSize);
  return header;
}

}  // namespace freeze::blob::pyc

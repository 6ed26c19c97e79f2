#include "build_cache.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace freeze::packager {
namespace {

namespace fs = std::filesystem;

// Bumped whenever what is cached changes meaning (format of entries, compression settings).
constexpr std::string_view kCacheVersion = "freeze-cache-1";
// Each entry ends with a hash of its content: a torn or damaged file is a miss, not a bad build.
constexpr std::size_t kTrailerSize = sizeof(XXH64_hash_t);

fs::path default_directory() {
  if (const char* dir = std::getenv("FREEZE_CACHE_DIR"); dir && *dir) return dir;
  if (const char* dir = std::getenv("XDG_CACHE_HOME"); dir && *dir) return fs::path(dir) / "freeze";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".cache" / "freeze";
  return {};
}

}  // namespace

BuildCache& BuildCache::instance() {
  static BuildCache cache;
  return cache;
}

BuildCache::BuildCache() : default_dir_(default_directory()), dir_(default_dir_) {}

void BuildCache::configure(bool enabled) { dir_ = enabled ? default_dir_ : fs::path(); }

std::string BuildCache::key(std::initializer_list<std::string_view> parts) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_128bits_reset(state);
  XXH3_128bits_update(state, kCacheVersion.data(), kCacheVersion.size());
  for (const auto part : parts) {
    const std::uint64_t size = part.size();
    XXH3_128bits_update(state, &size, sizeof size);
    XXH3_128bits_update(state, part.data(), part.size());
  }
  const XXH128_hash_t hash = XXH3_128bits_digest(state);
  XXH3_freeState(state);
  char text[33];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(hash.high64),
                static_cast<unsigned long long>(hash.low64));
  return text;
}

fs::path BuildCache::path_of(const std::string& key) const { return dir_ / key.substr(0, 2) / key.substr(2); }

std::optional<std::string> BuildCache::get(const std::string& key) const {
  if (!enabled()) return std::nullopt;
  std::ifstream in(path_of(key), std::ios::binary);
  if (!in) {
    ++misses_;
    return std::nullopt;
  }
  std::ostringstream out;
  out << in.rdbuf();
  std::string data = out.str();
  XXH64_hash_t stored = 0;
  const bool has_trailer = data.size() >= kTrailerSize;
  if (has_trailer) {
    std::memcpy(&stored, data.data() + data.size() - kTrailerSize, kTrailerSize);
    data.resize(data.size() - kTrailerSize);
  }
  if (!has_trailer || XXH3_64bits(data.data(), data.size()) != stored) {
    ++misses_;
    return std::nullopt;
  }
  ++hits_;
  return data;
}

void BuildCache::put(const std::string& key, std::string_view value) const {
  if (!enabled()) return;
  // Best effort: a cache that cannot be written only costs time.
  const fs::path target = path_of(key);
  std::error_code error;
  fs::create_directories(target.parent_path(), error);
  if (error) return;
  std::string temp = target.string() + ".tmp-XXXXXX";
  const int fd = mkstemp(temp.data());
  if (fd < 0) return;
  const XXH64_hash_t hash = XXH3_64bits(value.data(), value.size());
  bool ok = ::write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size()) &&
            ::write(fd, &hash, sizeof hash) == static_cast<ssize_t>(sizeof hash);
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(temp.c_str(), target.c_str()) != 0) ::unlink(temp.c_str());
}

}  // namespace freeze::packager

#include "packager/build/build_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <cstring>

#include "packager/build/cache_maintenance.h"

namespace freeze::packager {
namespace {

namespace fs = std::filesystem;

// Bumped whenever what is cached changes meaning (format of entries, compression settings).
constexpr std::string_view kCacheVersion = "freeze-cache-1";
// Each entry ends with a hash of its content: a torn or damaged file is a miss, not a bad build.
constexpr std::size_t kTrailerSize = sizeof(XXH64_hash_t);

}  // namespace

fs::path default_cache_directory() {
  if (const char* dir = std::getenv("FREEZE_CACHE_DIR"); dir && *dir) return dir;
  if (const char* dir = std::getenv("XDG_CACHE_HOME"); dir && *dir) return fs::path(dir) / "freeze";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".cache" / "freeze";
  return {};
}

BuildCache& BuildCache::instance() {
  static BuildCache cache;
  return cache;
}

BuildCache::BuildCache() : default_dir_(default_cache_directory()), dir_(default_dir_) {}

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
  const int fd = ::open(path_of(key).c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (fd >= 0) ::close(fd);
    ++misses_;
    return std::nullopt;
  }
  std::string data(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::read(fd, data.data() + done, data.size() - done);
    if (n <= 0 && !(n < 0 && errno == EINTR)) break;
    if (n > 0) done += static_cast<std::size_t>(n);
  }
  data.resize(done);
  // The entry's mtime is its last use, for eviction (cache_maintenance.h); refreshed at most
  // hourly, so that a rebuild does not rewrite every inode it reads.
  if (std::time(nullptr) - st.st_mtime > 3600) ::futimens(fd, nullptr);
  ::close(fd);
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
  if (!ok || ::rename(temp.c_str(), target.c_str()) != 0) {
    ::unlink(temp.c_str());
    return;
  }
  stored_bytes_ += value.size() + sizeof hash;
  ++stored_entries_;
}

void BuildCache::finish() {
  if (!enabled()) return;
  const std::size_t hits = hits_, misses = misses_;  // hits() and misses() stay the build's totals
  record_build(dir_, hits - recorded_hits_, misses - recorded_misses_, stored_bytes_.exchange(0), stored_entries_.exchange(0));
  recorded_hits_ = hits;
  recorded_misses_ = misses;
}

}  // namespace freeze::packager

// A content-addressed cache of build work (compiled bytecode, compressed frames), so that a
// rebuild only redoes what changed. Entries are files named by a 128-bit hash of everything
// that determines their content, written atomically; a missing, unreadable or corrupt entry
// is simply recomputed. Safe to share between builds and processes; safe to delete. Its size
// is bounded (least recently used entries go first) and `freeze cache` shows and clears it.
#pragma once

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace freeze::packager {

// freeze's cache directory: $FREEZE_CACHE_DIR, else $XDG_CACHE_HOME/freeze, else ~/.cache/freeze
// (empty if none can be told). The build cache's entries live in it, and beside them the
// distributions and build roots of distribution/freeze_distribution.py.
std::filesystem::path default_cache_directory();

class BuildCache {
 public:
  // The cache in $FREEZE_CACHE_DIR, else $XDG_CACHE_HOME/freeze, else ~/.cache/freeze; disabled
  // (every lookup misses, nothing is stored) if none can be determined or `enabled` is false.
  static BuildCache& instance();
  void configure(bool enabled);

  // Key for `parts` (each part is length-prefixed, so concatenations cannot collide).
  static std::string key(std::initializer_list<std::string_view> parts);

  std::optional<std::string> get(const std::string& key) const;
  void put(const std::string& key, std::string_view value) const;

  // At the end of a build: its hits, misses and stores go to the cache's statistics, and the
  // cache is kept within its size limit (cache_maintenance.h). Best effort.
  void finish();

  bool enabled() const { return !dir_.empty(); }
  std::size_t hits() const { return hits_; }
  std::size_t misses() const { return misses_; }
  const std::filesystem::path& directory() const { return dir_; }

 private:
  BuildCache();
  std::filesystem::path path_of(const std::string& key) const;
  std::filesystem::path default_dir_;
  std::filesystem::path dir_;
  mutable std::atomic<std::size_t> hits_{0};
  mutable std::atomic<std::size_t> misses_{0};
  mutable std::atomic<std::uint64_t> stored_bytes_{0};
  mutable std::atomic<std::uint64_t> stored_entries_{0};
  std::size_t recorded_hits_ = 0;  // what finish() has already added to the statistics
  std::size_t recorded_misses_ = 0;
};

}  // namespace freeze::packager

// A content-addressed cache of build work (compiled bytecode, compressed frames), so that a
// rebuild only redoes what changed. Entries are files named by a 128-bit hash of everything
// that determines their content, written atomically; a missing, unreadable or corrupt entry
// is simply recomputed. Safe to share between builds and processes; safe to delete.
#pragma once

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace freeze::packager {

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
};

}  // namespace freeze::packager

// Keeping the build cache (build_cache.h) bounded and accounted for, as ccache does: a size
// limit with least-recently-used eviction, statistics, and the removal of the temporary files
// that builds killed while storing an entry leave behind.
//
// In the cache directory: entries `xx/<30 hex digits>` (mtime = last use), `stats` (counters and
// the size as of the last scan plus what builds stored since), `freeze.conf` (`max_size = N`,
// bytes, written by `freeze cache -M`). Nothing else in the directory is ever touched, so a cache
// directory pointed at by mistake (FREEZE_CACHE_DIR=$HOME) loses nothing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace freeze::packager {

// 1 GiB: a full-stdlib build stores about 34 MiB (1,800 entries), so the default holds some
// thirty builds' worth of distinct content (apps, compression levels, optimisation levels).
constexpr std::uint64_t kDefaultCacheLimit = std::uint64_t{1} << 30;

struct CacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t size = 0;     // bytes in entries
  std::uint64_t entries = 0;
  std::int64_t scanned = 0;   // when the cache was last scanned (seconds since the epoch); 0: never
};

// Statistics as recorded (zeros if there are none yet).
CacheStats read_cache_stats(const std::filesystem::path& dir);

// The configured limit in bytes (0: none), or the default. Throws UserError naming freeze.conf
// if it cannot be read.
std::uint64_t cache_limit(const std::filesystem::path& dir);
bool cache_limit_is_set(const std::filesystem::path& dir);
void set_cache_limit(const std::filesystem::path& dir, std::uint64_t limit);  // throws UserError

// "5G", "500M", "1.5GiB", "200kB", "0" (no limit); without a unit, GiB (as ccache). nullopt if
// it is not a size.
std::optional<std::uint64_t> parse_size(std::string_view text);
std::string format_bytes(std::uint64_t bytes);  // "34.2 MiB"

// After a build: adds its counts to the statistics and, when the cache may be over its limit
// or was not scanned for a day, scans it (collect_cache() with eviction). Best effort, under
// the cache directory's lock; never throws.
void record_build(const std::filesystem::path& dir, std::uint64_t hits, std::uint64_t misses,
                  std::uint64_t stored_bytes, std::uint64_t stored_entries);

struct CacheScan {
  std::uint64_t size = 0;
  std::uint64_t entries = 0;
  std::uint64_t orphans_removed = 0;  // temporary files of builds killed over an hour ago
  std::uint64_t evicted = 0;
};

// Counts the entries; with `collect`, removes orphaned temporary files and, if the entries
// exceed `limit` (0: none), the least recently used ones until they fill 90% of it.
CacheScan scan_cache(const std::filesystem::path& dir, bool collect, std::uint64_t limit);

// Removes every entry and the statistics (the limit stays). Returns what was removed.
CacheScan clear_cache(const std::filesystem::path& dir);

}  // namespace freeze::packager

#include "packager/commands/cache_command.h"

#include <cstdio>
#include <ostream>

#include "packager/build/build_cache.h"
#include "packager/build/cache_maintenance.h"
#include "packager/support/user_error.h"

namespace freeze::packager {

void cache_command(const CacheOptions& options, std::ostream& out) {
  const std::filesystem::path dir = BuildCache::instance().directory();
  if (dir.empty()) throw UserError("no cache directory: set FREEZE_CACHE_DIR, XDG_CACHE_HOME or HOME");
  if (options.clear) {
    const CacheScan removed = clear_cache(dir);
    out << "cleared " << dir.string() << ": " << removed.entries << (removed.entries == 1 ? " entry, " : " entries, ")
        << format_bytes(removed.size) << "\n";
  }
  if (options.max_size) {
    const auto limit = parse_size(*options.max_size);
    if (!limit) {
      throw UserError("--max-size: '" + *options.max_size +
                      "' is not a size (a number with an optional unit: 500M, 5G, 1.5GiB; 0 for no limit)");
    }
    set_cache_limit(dir, *limit);
    // Applied now, not at the next build: the cache is scanned and trimmed to the new bound.
    record_build(dir, 0, 0, 0, 0);
    out << "cache size limit: " << (*limit == 0 ? std::string("none") : format_bytes(*limit)) << "\n";
  }
  if (!options.show && (options.clear || options.max_size)) return;

  const std::uint64_t limit = cache_limit(dir);
  const CacheScan scan = scan_cache(dir, false, 0);
  const CacheStats stats = read_cache_stats(dir);
  out << "cache directory:  " << dir.string() << "\n";
  out << "size:             " << format_bytes(scan.size) << " in " << scan.entries << (scan.entries == 1 ? " entry" : " entries")
      << "\n";
  out << "size limit:       " << (limit == 0 ? std::string("none") : format_bytes(limit))
      << (cache_limit_is_set(dir) ? "" : " (the default; freeze cache --max-size SIZE sets it)") << "\n";
  const std::uint64_t lookups = stats.hits + stats.misses;
  out << "hits:             " << stats.hits;
  if (lookups != 0) {
    char rate[16];
    std::snprintf(rate, sizeof rate, "%.1f", 100.0 * static_cast<double>(stats.hits) / static_cast<double>(lookups));
    out << " of " << lookups << " lookups (" << rate << "%)";
  }
  out << ", since the cache was created or last cleared\n";
}

}  // namespace freeze::packager

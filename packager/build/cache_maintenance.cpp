#include "packager/build/cache_maintenance.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include "packager/support/atomic_file.h"
#include "packager/support/directory_lock.h"
#include "packager/support/user_error.h"

namespace freeze::packager {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kOrphanAge = 3600;       // a store takes milliseconds: an older temporary is orphaned
constexpr std::int64_t kScanInterval = 86400;   // rescan at least daily: orphans, and entries removed by hand
constexpr double kEvictTo = 0.9;                // of the limit, so that eviction does not run on every build

std::int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool all_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) && !std::isupper(static_cast<unsigned char>(c)); });
}

bool random_suffix(std::string_view text) {  // mkstemp's six letters and digits
  return text.size() == 6 && std::all_of(text.begin(), text.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
}

// An entry (30 hex digits in a directory of 2), or a temporary file beside one.
enum class Name { Entry, Temporary, Other };
Name classify_entry_name(const std::string& name) {
  if (name.size() == 30 && all_hex(name)) return Name::Entry;
  if (name.size() == 30 + 5 + 6 && all_hex(name.substr(0, 30)) && name.compare(30, 5, ".tmp-") == 0 &&
      random_suffix(name.substr(35))) {
    return Name::Temporary;
  }
  return Name::Other;
}

// The temporaries write_file_atomically() makes for the stats and config files.
bool is_top_level_temporary(const std::string& name) {
  for (const std::string prefix : {".stats.tmp-", ".freeze.conf.tmp-"}) {
    if (name.size() == prefix.size() + 6 && name.starts_with(prefix) && random_suffix(name.substr(prefix.size()))) return true;
  }
  return false;
}

// One of the 256 directories `xx/` of entries; never through a symlink.
bool is_entry_directory(const fs::directory_entry& entry, const std::string& name) {
  std::error_code error;
  return name.size() == 2 && all_hex(name) && entry.symlink_status(error).type() == fs::file_type::directory;
}

void write_stats(const fs::path& dir, const CacheStats& stats) {
  const std::string text = "hits " + std::to_string(stats.hits) + "\nmisses " + std::to_string(stats.misses) + "\nsize " +
                           std::to_string(stats.size) + "\nentries " + std::to_string(stats.entries) + "\nscanned " +
                           std::to_string(stats.scanned) + "\n";
  write_file_atomically(dir / "stats", {text}, 0644);
}

struct Found {
  std::int64_t mtime;
  std::uint64_t size;
  fs::path path;
};

}  // namespace

CacheStats read_cache_stats(const fs::path& dir) {
  CacheStats stats;
  std::ifstream in(dir / "stats");
  std::string key;
  std::int64_t value = 0;
  while (in >> key >> value) {
    if (value < 0) continue;
    if (key == "hits") stats.hits = static_cast<std::uint64_t>(value);
    if (key == "misses") stats.misses = static_cast<std::uint64_t>(value);
    if (key == "size") stats.size = static_cast<std::uint64_t>(value);
    if (key == "entries") stats.entries = static_cast<std::uint64_t>(value);
    if (key == "scanned") stats.scanned = value;
  }
  return stats;
}

bool cache_limit_is_set(const fs::path& dir) {
  std::error_code error;
  return fs::exists(dir / "freeze.conf", error);
}

std::uint64_t cache_limit(const fs::path& dir) {
  const fs::path file = dir / "freeze.conf";
  std::ifstream in(file);
  if (!in) return kDefaultCacheLimit;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string key, equals;
    std::uint64_t value = 0;
    if (!(words >> key) || key.starts_with("#")) continue;
    if (key == "max_size" && words >> equals >> value && equals == "=" && (words >> std::ws).eof()) return value;
    throw UserError(file.string() + ": cannot read '" + line + "' (expected max_size = BYTES; freeze cache -M SIZE writes it)");
  }
  return kDefaultCacheLimit;
}

void set_cache_limit(const fs::path& dir, std::uint64_t limit) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) throw UserError(dir.string() + ": cannot create the cache directory: " + error.message());
  const DirectoryLock lock(dir);
  write_file_atomically(dir / "freeze.conf", {"# written by freeze cache --max-size; 0 is no limit\nmax_size = " + std::to_string(limit) + "\n"}, 0644);
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) ++digits;
  if (digits == 0 || std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(digits), '.') > 1) return std::nullopt;
  const double number = std::strtod(std::string(text.substr(0, digits)).c_str(), nullptr);
  std::string unit(text.substr(digits));
  if (unit.ends_with("B") || unit.ends_with("b")) unit.pop_back();
  double scale = 0;
  if (unit.empty()) {
    scale = 1024.0 * 1024 * 1024;  // as ccache: GiB
  } else {
    static constexpr std::string_view kUnits = "KMGT";
    const auto power = kUnits.find(static_cast<char>(std::toupper(static_cast<unsigned char>(unit[0]))));
    const bool binary = unit.size() == 2 && unit[1] == 'i';
    if (power == std::string_view::npos || (unit.size() != 1 && !binary)) return std::nullopt;
    scale = std::pow(binary ? 1024.0 : 1000.0, static_cast<double>(power + 1));
  }
  const double bytes = number * scale;
  if (!(bytes < 1.8e19)) return std::nullopt;
  return static_cast<std::uint64_t>(std::llround(bytes));
}

std::string format_bytes(std::uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " bytes";
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes) / 1024;
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", value, kUnits[unit]);
  return text;
}

CacheScan scan_cache(const fs::path& dir, bool collect, std::uint64_t limit) {
  CacheScan scan;
  std::vector<Found> entries;
  const std::int64_t orphan_before = now() - kOrphanAge;
  std::error_code error;
  for (fs::directory_iterator top(dir, error), end; !error && top != end; top.increment(error)) {
    const std::string name = top->path().filename().string();
    struct stat st {};
    if (is_top_level_temporary(name)) {
      if (collect && ::lstat(top->path().c_str(), &st) == 0 && st.st_mtime < orphan_before && ::unlink(top->path().c_str()) == 0) {
        ++scan.orphans_removed;
      }
      continue;
    }
    if (!is_entry_directory(*top, name)) continue;
    std::error_code inner_error;
    for (fs::directory_iterator it(top->path(), inner_error); !inner_error && it != end; it.increment(inner_error)) {
      const Name kind = classify_entry_name(it->path().filename().string());
      if (kind == Name::Other || ::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      if (kind == Name::Temporary) {
        if (collect && st.st_mtime < orphan_before && ::unlink(it->path().c_str()) == 0) ++scan.orphans_removed;
        continue;
      }
      entries.push_back({st.st_mtime, static_cast<std::uint64_t>(st.st_size), it->path()});
      scan.size += static_cast<std::uint64_t>(st.st_size);
    }
  }
  scan.entries = entries.size();
  if (collect && limit != 0 && scan.size > limit) {
    std::sort(entries.begin(), entries.end(), [](const Found& a, const Found& b) { return a.mtime < b.mtime; });
    const auto target = static_cast<std::uint64_t>(static_cast<double>(limit) * kEvictTo);
    for (const auto& entry : entries) {
      if (scan.size <= target) break;
      if (::unlink(entry.path.c_str()) != 0) continue;
      scan.size -= entry.size;
      --scan.entries;
      ++scan.evicted;
    }
  }
  return scan;
}

void record_build(const fs::path& dir, std::uint64_t hits, std::uint64_t misses, std::uint64_t stored_bytes,
                  std::uint64_t stored_entries) {
  try {
    const DirectoryLock lock(dir);
    if (!lock.held()) return;  // without it two builds could lose each other's counts: no harm
    CacheStats stats = read_cache_stats(dir);
    stats.hits += hits;
    stats.misses += misses;
    stats.size += stored_bytes;
    stats.entries += stored_entries;
    const std::uint64_t limit = cache_limit(dir);
    if (stats.scanned == 0 || now() - stats.scanned > kScanInterval || (limit != 0 && stats.size > limit)) {
      const CacheScan scan = scan_cache(dir, true, limit);
      stats.size = scan.size;
      stats.entries = scan.entries;
      stats.scanned = now();
    }
    write_stats(dir, stats);
  } catch (const std::exception&) {  // a cache that cannot be maintained only costs space
  }
}

CacheScan clear_cache(const fs::path& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) return {};
  const DirectoryLock lock(dir);
  CacheScan removed = scan_cache(dir, true, 0);  // counts, and collects old orphans
  for (fs::directory_iterator top(dir, error), end; !error && top != end; top.increment(error)) {
    const std::string name = top->path().filename().string();
    if (!is_entry_directory(*top, name)) continue;
    std::error_code inner_error;
    for (fs::directory_iterator it(top->path(), inner_error); !inner_error && it != end; it.increment(inner_error)) {
      if (classify_entry_name(it->path().filename().string()) == Name::Entry) ::unlink(it->path().c_str());
    }
    fs::remove(top->path(), inner_error);  // only if empty now
  }
  fs::remove(dir / "stats", error);
  return removed;
}

}  // namespace freeze::packager

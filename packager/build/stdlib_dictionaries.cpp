#include "packager/build/stdlib_dictionaries.h"

#include <sys/stat.h>
#include <xxhash.h>
#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "packager/build/build_cache.h"
#include "packager/build/compile.h"
#include "packager/collect/collect.h"
#include "packager/collect/file_tree.h"
#include "packager/support/console.h"
#include "packager/support/user_error.h"

namespace freeze::packager {
namespace {

namespace fs = std::filesystem;

// Bumped whenever what the dictionaries are trained on changes (default_stdlib(), samples).
constexpr std::string_view kSamplesVersion = "stdlib-dictionaries-2";

// What identifies the stdlib's sources without reading them: every .py's path, size and
// modification time (a package update rewrites them all), hashed. Listing and stat()ing them
// costs milliseconds; reading and hashing all of them would cost more than the rest of a
// rebuild. (A file rewritten in place with the same size within the same nanosecond would go
// unnoticed: its dictionary would still be a valid one, only not the one a cold build trains.)
std::string stdlib_fingerprint(const fs::path& stdlib_dir) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_128bits_reset(state);
  for (const auto& [relative, file] : tree_from_directory(stdlib_dir)) {
    if (!relative.ends_with(".py")) continue;
    struct stat st {};
    if (::stat(file.disk.c_str(), &st) != 0) continue;
    const std::int64_t facts[] = {static_cast<std::int64_t>(st.st_size), static_cast<std::int64_t>(st.st_mtim.tv_sec),
                                  static_cast<std::int64_t>(st.st_mtim.tv_nsec)};
    XXH3_128bits_update(state, relative.data(), relative.size() + 1);  // with its NUL: no ambiguity
    XXH3_128bits_update(state, facts, sizeof facts);
  }
  const XXH128_hash_t digest = XXH3_128bits_digest(state);
  XXH3_freeState(state);
  return std::string(reinterpret_cast<const char*>(&digest), sizeof digest);
}

std::vector<ModuleDictionaries> train_on_stdlib(TargetPython& python, const fs::path& stdlib_dir, int level, int optimize) {
  detail("training zstd dictionaries on the standard library (once per interpreter and level)");
  std::vector<Resource> modules = default_stdlib(stdlib_dir, python.version());
  std::vector<const std::string*> bytecode, source;
  for (Resource& module : modules) {
    if (module.kind != blob::Kind::Module || module.namespace_package()) continue;
    try {
      compile_module(python, module, optimize);
    } catch (const UserError&) {
      continue;  // the stdlib has files that deliberately do not compile
    }
    bytecode.push_back(&module.bytecode);
    source.push_back(&module.source_utf8);
  }
  // The small ones from a spread of the samples, about 100 times their size (zstd's advice):
  // as good, and a fraction of the training time.
  auto spread = [](const std::vector<const std::string*>& samples) {
    std::size_t total = 0;
    for (const std::string* sample : samples) total += sample->size();
    const std::size_t step = std::max<std::size_t>(1, total / (100 * kSmallDictionary));
    std::vector<const std::string*> out;
    for (std::size_t i = 0; i < samples.size(); i += step) out.push_back(samples[i]);
    return out;
  };
  return {train_module_dictionaries(bytecode, source, level),
          train_module_dictionaries(spread(bytecode), spread(source), level, kSmallDictionary)};
}

void append_u32(std::string& out, std::uint32_t value) { out.append(reinterpret_cast<const char*>(&value), sizeof value); }

bool read_u32(std::string_view& in, std::uint32_t& value) {
  if (in.size() < sizeof value) return false;
  std::memcpy(&value, in.data(), sizeof value);
  in.remove_prefix(sizeof value);
  return true;
}

constexpr double kPpm = 1e6;

}  // namespace

// The number of pairs; then per pair, per dictionary (bytecode, then source): its size (0:
// none), its saving in millionths, its bytes.
std::string encode_dictionaries(const std::vector<ModuleDictionaries>& pairs) {
  std::string out;
  append_u32(out, static_cast<std::uint32_t>(pairs.size()));
  for (const ModuleDictionaries& pair : pairs) {
    for (const auto* dictionary : {&pair.bytecode, &pair.source}) {
      append_u32(out, *dictionary ? static_cast<std::uint32_t>((*dictionary)->content.size()) : 0);
      append_u32(out, *dictionary ? static_cast<std::uint32_t>((*dictionary)->saving * kPpm + 0.5) : 0);
      if (*dictionary) out += (*dictionary)->content;
    }
  }
  return out;
}

std::optional<std::vector<ModuleDictionaries>> decode_dictionaries(std::string_view in) {
  std::uint32_t count = 0;
  if (!read_u32(in, count) || count > 16) return std::nullopt;
  std::vector<ModuleDictionaries> out(count);
  for (ModuleDictionaries& pair : out) {
    for (auto* dictionary : {&pair.bytecode, &pair.source}) {
      std::uint32_t size = 0, ppm = 0;
      if (!read_u32(in, size) || !read_u32(in, ppm) || in.size() < size) return std::nullopt;
      if (size > 0) *dictionary = TrainedDictionary{std::string(in.substr(0, size)), ppm / kPpm};
      in.remove_prefix(size);
    }
  }
  if (!in.empty()) return std::nullopt;
  return out;
}

std::vector<ModuleDictionaries> stdlib_dictionaries(TargetPython& python, const fs::path& stdlib_dir, int level, int optimize) {
  BuildCache& cache = BuildCache::instance();
  const std::string key = cache.key({kSamplesVersion, ZSTD_versionString(), std::to_string(level), std::to_string(optimize),
                                     python.magic_number(), stdlib_dir.string(),
                                     stdlib_fingerprint(stdlib_dir)});
  if (const auto hit = cache.get(key)) {
    if (auto decoded = decode_dictionaries(*hit)) return std::move(*decoded);
  }
  std::vector<ModuleDictionaries> trained = train_on_stdlib(python, stdlib_dir, level, optimize);
  cache.put(key, encode_dictionaries(trained));
  return trained;
}

}  // namespace freeze::packager

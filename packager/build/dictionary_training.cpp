#include "packager/build/dictionary_training.h"

#include <xxhash.h>

#define ZDICT_STATIC_LINKING_ONLY  // ZDICT_trainFromBuffer_fastCover; zstd is linked statically
#include <zdict.h>
#include <zstd.h>

#include <algorithm>

#include "packager/build/build_cache.h"
#include "packager/support/console.h"

namespace freeze::packager {
namespace {

// Below this much sample data a dictionary costs about what it saves.
constexpr std::size_t kMinimumSamples = 1 << 20;
// zstd's advice: a dictionary of about 1/100 of the samples, and ~100 KiB is plenty.
constexpr std::size_t kMaximumDictionary = 112 * 1024;
constexpr std::size_t kMinimumDictionary = 16 * 1024;

// fastCover with fixed parameters: deterministic, single-threaded, a fraction of a second for
// the whole stdlib. k=200, d=8 did as well as zstd's parameter search on the stdlib's bytecode.
std::string train(const std::string& joined, const std::vector<std::size_t>& sizes, std::size_t capacity, int level) {
  ZDICT_fastCover_params_t params{};
  params.k = 200;
  params.d = 8;
  params.f = 20;
  params.steps = 1;
  params.nbThreads = 1;
  params.splitPoint = 1.0;
  params.accel = 1;
  params.zParams.compressionLevel = level;  // tunes the dictionary's entropy tables for it
  std::string dictionary(capacity, '\0');
  const std::size_t size = ZDICT_trainFromBuffer_fastCover(dictionary.data(), dictionary.size(), joined.data(),
                                                           sizes.data(), static_cast<unsigned>(sizes.size()), params);
  if (ZDICT_isError(size)) {
    detail(std::string("no zstd dictionary: ") + ZDICT_getErrorName(size));
    return {};
  }
  dictionary.resize(size);
  return dictionary;
}

// Whether `dictionary` saves more than its own size over all the samples, estimated by
// compressing a spread of up to 2 MiB of them with and without it. Samples that compress well
// on their own (each one repetitive) gain less than a dictionary costs.
bool pays_for_itself(const std::vector<const std::string*>& samples, std::size_t total, const std::string& dictionary,
                     int level) {
  constexpr std::size_t kProbe = 2 << 20;
  const std::size_t step = std::max<std::size_t>(1, total / kProbe);
  ZSTD_CCtx* context = ZSTD_createCCtx();
  ZSTD_CDict* prepared = ZSTD_createCDict(dictionary.data(), dictionary.size(), level);
  std::size_t probed = 0, plain = 0, with_dictionary = 0;
  std::string out;
  for (std::size_t i = 0; i < samples.size() && context && prepared; i += step) {
    const std::string& sample = *samples[i];
    out.resize(ZSTD_compressBound(sample.size()));
    const std::size_t a = ZSTD_compressCCtx(context, out.data(), out.size(), sample.data(), sample.size(), level);
    const std::size_t b = ZSTD_compress_usingCDict(context, out.data(), out.size(), sample.data(), sample.size(), prepared);
    if (ZSTD_isError(a) || ZSTD_isError(b)) break;
    probed += sample.size();
    plain += a;
    with_dictionary += b;
  }
  ZSTD_freeCDict(prepared);
  ZSTD_freeCCtx(context);
  if (probed == 0 || with_dictionary >= plain) return false;
  const double saved = static_cast<double>(plain - with_dictionary) * static_cast<double>(total) / static_cast<double>(probed);
  return saved > static_cast<double>(dictionary.size());
}

}  // namespace

std::optional<std::string> train_dictionary(const std::vector<const std::string*>& samples, int level) {
  std::size_t total = 0;
  for (const std::string* sample : samples) total += sample->size();
  if (total < kMinimumSamples || samples.size() < 64) return std::nullopt;
  const std::size_t capacity = std::clamp(total / 100, kMinimumDictionary, kMaximumDictionary);

  // Cached by the samples' content: hashing them is far cheaper than training.
  XXH3_state_t* state = XXH3_createState();
  XXH3_128bits_reset(state);
  std::string joined;
  joined.reserve(total);
  std::vector<std::size_t> sizes;
  for (const std::string* sample : samples) {
    const std::uint64_t size = sample->size();
    XXH3_128bits_update(state, &size, sizeof size);
    XXH3_128bits_update(state, sample->data(), sample->size());
    joined += *sample;
    sizes.push_back(sample->size());
  }
  const XXH128_hash_t digest = XXH3_128bits_digest(state);
  XXH3_freeState(state);
  BuildCache& cache = BuildCache::instance();
  const std::string key = cache.key({"zdict-2", ZSTD_versionString(), std::to_string(capacity), std::to_string(level),
                                     std::string_view(reinterpret_cast<const char*>(&digest), sizeof digest)});
  if (auto hit = cache.get(key)) return hit->empty() ? std::nullopt : std::optional<std::string>(std::move(*hit));
  std::string dictionary = train(joined, sizes, capacity, level);
  if (!dictionary.empty() && !pays_for_itself(samples, total, dictionary, level)) {
    detail("no zstd dictionary: it would save less than its own size");
    dictionary.clear();
  }
  cache.put(key, dictionary);  // empty: none, which is worth remembering too
  if (dictionary.empty()) return std::nullopt;
  return dictionary;
}

}  // namespace freeze::packager

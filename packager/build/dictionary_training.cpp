#include "packager/build/dictionary_training.h"

#include <xxhash.h>

#define ZDICT_STATIC_LINKING_ONLY  // ZDICT_trainFromBuffer_fastCover; zstd is linked statically
#include <zdict.h>
#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <exception>
#include <thread>

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

// What `dictionary` saves per byte of the samples, in millionths (so that a cached estimate
// and a fresh one are the same number), estimated by compressing a spread of up to 2 MiB of
// them with and without it. Samples that compress well on their own (each one repetitive) gain
// less than a dictionary costs.
std::uint32_t saving_ppm(const std::vector<const std::string*>& samples, std::size_t total, const std::string& dictionary,
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
  if (probed == 0 || with_dictionary >= plain) return 0;
  return static_cast<std::uint32_t>(static_cast<double>(plain - with_dictionary) * 1e6 / static_cast<double>(probed));
}

constexpr double kPpm = 1e6;

}  // namespace

std::optional<TrainedDictionary> train_dictionary(const std::vector<const std::string*>& samples, int level,
                                                  std::size_t capacity) {
  std::size_t total = 0;
  for (const std::string* sample : samples) total += sample->size();
  if (total < kMinimumSamples || samples.size() < 64) return std::nullopt;
  const std::size_t automatic = std::clamp(total / 100, kMinimumDictionary, kMaximumDictionary);
  capacity = capacity == 0 ? automatic : std::min(capacity, automatic);

  // Cached by the samples' content: hashing them is far cheaper than training.
  XXH3_state_t* state = XXH3_createState();
  XXH3_128bits_reset(state);
  for (const std::string* sample : samples) {
    const std::uint64_t size = sample->size();
    XXH3_128bits_update(state, &size, sizeof size);
    XXH3_128bits_update(state, sample->data(), sample->size());
  }
  const XXH128_hash_t digest = XXH3_128bits_digest(state);
  XXH3_freeState(state);
  BuildCache& cache = BuildCache::instance();
  const std::string key = cache.key({"zdict-3", ZSTD_versionString(), std::to_string(capacity), std::to_string(level),
                                     std::string_view(reinterpret_cast<const char*>(&digest), sizeof digest)});
  // An entry is the saving estimate (4 bytes) and the dictionary, or empty: none, which is
  // worth remembering too.
  if (auto hit = cache.get(key); hit && (hit->empty() || hit->size() > sizeof(std::uint32_t))) {
    if (hit->empty()) return std::nullopt;
    std::uint32_t ppm = 0;
    std::memcpy(&ppm, hit->data(), sizeof ppm);
    return TrainedDictionary{hit->substr(sizeof ppm), ppm / kPpm};
  }
  std::string joined;  // zstd trains on the samples end to end
  joined.reserve(total);
  std::vector<std::size_t> sizes;
  for (const std::string* sample : samples) {
    joined += *sample;
    sizes.push_back(sample->size());
  }
  std::string dictionary = train(joined, sizes, capacity, level);
  const std::uint32_t ppm = dictionary.empty() ? 0 : saving_ppm(samples, total, dictionary, level);
  TrainedDictionary trained{std::move(dictionary), ppm / kPpm};
  if (!trained.content.empty() && !expected_to_pay(trained, total)) {
    detail("no zstd dictionary: it would save less than its own size");
    trained.content.clear();
  }
  if (trained.content.empty()) {
    cache.put(key, "");
    return std::nullopt;
  }
  std::string entry(sizeof ppm, '\0');
  std::memcpy(entry.data(), &ppm, sizeof ppm);
  cache.put(key, entry + trained.content);
  return trained;
}

double expected_net_saving(const TrainedDictionary& dictionary, std::size_t bytes) {
  return dictionary.saving * static_cast<double>(bytes) - static_cast<double>(dictionary.content.size());
}

bool expected_to_pay(const TrainedDictionary& dictionary, std::size_t bytes) {
  return expected_net_saving(dictionary, bytes) > 0;
}

ModuleDictionaries train_module_dictionaries(const std::vector<const std::string*>& bytecode,
                                             const std::vector<const std::string*>& source, int level,
                                             std::size_t capacity) {
  ModuleDictionaries out;
  std::exception_ptr source_failure;
  std::thread source_training([&] {
    try {
      out.source = train_dictionary(source, level, capacity);
    } catch (...) {
      source_failure = std::current_exception();
    }
  });
  try {
    out.bytecode = train_dictionary(bytecode, level, capacity);
  } catch (...) {
    source_training.join();
    throw;
  }
  source_training.join();
  if (source_failure) std::rethrow_exception(source_failure);
  return out;
}

}  // namespace freeze::packager

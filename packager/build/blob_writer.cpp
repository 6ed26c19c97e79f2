#include "packager/build/blob_writer.h"

#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <atomic>
#include <exception>
#include <stdexcept>
#include <memory>
#include <optional>
#include <mutex>
#include <thread>
#include <tuple>

#include "packager/build/build_cache.h"
#include "packager/build/dictionary_training.h"
#include "format/library_list.h"
#include "packager/support/console.h"
#include "packager/support/user_error.h"

namespace freeze::packager {
namespace {

constexpr int kWindowLog = 18;  // 256 KiB

// A trained dictionary, a digest of it for cache keys, and its preparation for compression,
// made on first use: preparing one at a high level costs ~10 ms, which a rebuild that finds
// every frame in the cache need not pay.
class Dictionary {
 public:
  Dictionary(std::string trained, int level)
      : content_(std::move(trained)), digest_(BuildCache::key({"dictionary", content_})), level_(level) {}
  Dictionary(const Dictionary&) = delete;
  Dictionary& operator=(const Dictionary&) = delete;
  ~Dictionary() { ZSTD_freeCDict(prepared_); }

  const std::string& content() const { return content_; }
  const std::string& digest() const { return digest_; }
  const ZSTD_CDict* prepared() const {  // thread-safe
    std::call_once(prepare_once_, [this] { prepared_ = ZSTD_createCDict(content_.data(), content_.size(), level_); });
    if (prepared_ == nullptr) throw UserError("zstd could not prepare a dictionary");
    return prepared_;
  }

 private:
  std::string content_;
  std::string digest_;
  int level_;
  mutable std::once_flag prepare_once_;
  mutable ZSTD_CDict* prepared_ = nullptr;
};

std::string compress_uncached(const std::string& raw, ZSTD_CCtx* context, int level, const Dictionary* dictionary) {
  ZSTD_CCtx_reset(context, ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1);      // the reader verifies it
  ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 1);   // the reader checks it against the index
  // A small window bounds the memory that streaming decompression of a large resource (a shared
  // library loaded from memory) needs at run time; modules are far smaller than it anyway.
  ZSTD_CCtx_setParameter(context, ZSTD_c_windowLog, kWindowLog);
  // The frame header names the dictionary (its ID) for the reader.
  if (dictionary != nullptr) ZSTD_CCtx_refCDict(context, dictionary->prepared());
  std::string out(ZSTD_compressBound(raw.size()), '\0');
  const std::size_t size = ZSTD_compress2(context, out.data(), out.size(), raw.data(), raw.size());
  if (ZSTD_isError(size)) throw UserError(std::string("zstd compression failed: ") + ZSTD_getErrorName(size));
  out.resize(size);
  return out;
}

std::string compress(const std::string& raw, ZSTD_CCtx* context, int level, const Dictionary* dictionary) {
  if (level == 0) return blob::uncompressed_frame(raw, kWindowLog);  // a copy: not worth a cache entry
  BuildCache& cache = BuildCache::instance();
  const std::string key = cache.key({"zstd", ZSTD_versionString(), std::to_string(level), std::to_string(kWindowLog),
                                     dictionary ? dictionary->digest() : "", raw});
  if (auto hit = cache.get(key)) return std::move(*hit);
  std::string compressed = compress_uncached(raw, context, level, dictionary);
  cache.put(key, compressed);
  return compressed;
}

// The dictionaries for the modules' bytecode and source, prepared; null where there is none.
// Third-party modules have their own when they pay for themselves, else share the others.
struct PreparedDictionaries {
  std::unique_ptr<Dictionary> bytecode;
  std::unique_ptr<Dictionary> source;
  std::unique_ptr<Dictionary> third_party_bytecode;
  std::unique_ptr<Dictionary> third_party_source;

  const Dictionary* for_data(const BlobItem& item) const { return pick(item, bytecode, third_party_bytecode); }
  const Dictionary* for_aux(const BlobItem& item) const { return pick(item, source, third_party_source); }

 private:
  static const Dictionary* pick(const BlobItem& item, const std::unique_ptr<Dictionary>& general,
                                const std::unique_ptr<Dictionary>& third_party) {
    if (item.kind != blob::Kind::Module) return nullptr;
    return item.third_party && third_party ? third_party.get() : general.get();
  }
};

// The modules' bytecode and source, as training samples, with their sizes.
struct ModuleSamples {
  std::vector<const std::string*> bytecode, source;
  std::size_t bytecode_size = 0, source_size = 0;

  void add(const BlobItem& item) {
    if (item.data) {
      bytecode.push_back(&*item.data);
      bytecode_size += item.data->size();
    }
    if (item.source) {
      source.push_back(&*item.source);
      source_size += item.source->size();
    }
  }
};

std::unique_ptr<Dictionary> prepared(std::optional<TrainedDictionary>& dictionary, int level) {
  return dictionary ? std::make_unique<Dictionary>(std::move(dictionary->content), level) : nullptr;
}

// Without given dictionaries: ones trained on all the items' modules. With them: those for the
// third-party modules trained on these alone (they change when a package is upgraded, not when
// the app is edited: cached by content, they stay the same), where they pay for themselves, and
// the given ones for the rest, each if expected to pay for itself on the modules it compresses.
PreparedDictionaries module_dictionaries(const std::vector<BlobItem>& items, const BlobOptions& options) {
  const int level = options.compression_level;
  ModuleSamples all, third_party;
  for (const auto& item : items) {
    if (item.kind != blob::Kind::Module) continue;
    all.add(item);
    if (item.third_party) third_party.add(item);
  }
  PreparedDictionaries out;
  if (!options.given_dictionaries) {
    ModuleDictionaries trained = train_module_dictionaries(all.bytecode, all.source, level);
    out.bytecode = prepared(trained.bytecode, level);
    out.source = prepared(trained.source, level);
    return out;
  }
  ModuleDictionaries own = train_module_dictionaries(third_party.bytecode, third_party.source, level);
  // What the given ones would compress: every module but those that have their own.
  const std::size_t bytecode_left = all.bytecode_size - (own.bytecode ? third_party.bytecode_size : 0);
  const std::size_t source_left = all.source_size - (own.source ? third_party.source_size : 0);
  ModuleDictionaries given;  // for each kind, the candidate expected to save most, if any pays
  for (auto [name, chosen, left, kind] : {std::tuple{"bytecode", &given.bytecode, bytecode_left, &ModuleDictionaries::bytecode},
                                          {"source", &given.source, source_left, &ModuleDictionaries::source}}) {
    double best = 0;
    for (const ModuleDictionaries& candidate : *options.given_dictionaries) {
      const std::optional<TrainedDictionary>& dictionary = candidate.*kind;
      if (!dictionary) continue;
      const double net = expected_net_saving(*dictionary, left);
      char line[160];
      std::snprintf(line, sizeof line, "zstd dictionary for %s (%s): saves %.1f%% of %s, %+.0f KiB net", name,
                    human_size(dictionary->content.size()).c_str(), dictionary->saving * 100, human_size(left).c_str(),
                    net / 1024);
      detail(line);
      if (net > best) {
        best = net;
        *chosen = dictionary;
      }
    }
  }
  out.bytecode = prepared(given.bytecode, level);
  out.source = prepared(given.source, level);
  out.third_party_bytecode = prepared(own.bytecode, level);
  out.third_party_source = prepared(own.source, level);
  return out;
}

struct Compressed {
  std::string data;
  std::string aux;
};

// The bytes of each item's aux span, by its kind (blob_format.h): a module's source, or the
// encoded list of the libraries an extension or library needs. In item order.
std::vector<std::optional<std::string>> aux_parts(std::vector<BlobItem>& items) {
  std::vector<std::optional<std::string>> out(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    BlobItem& item = items[i];
    const bool native = item.kind == blob::Kind::Extension || item.kind == blob::Kind::SharedLibrary;
    if ((item.source && item.kind != blob::Kind::Module) || (!item.needed_libraries.empty() && !native)) {
      throw std::logic_error(std::string(blob::kind_name(item.kind)) + " '" + item.name + "' has an aux part its kind cannot hold");
    }
    if (item.source) out[i] = std::move(item.source);
    if (!item.needed_libraries.empty()) {
      try {
        out[i] = blob::encode_library_list(item.needed_libraries);
      } catch (const std::invalid_argument& error) {
        throw UserError(std::string(blob::kind_name(item.kind)) + " '" + item.name + "': " + error.what());
      }
    }
  }
  return out;
}

// Compresses every item's parts on `threads` workers; the result is in item order.
std::vector<Compressed> compress_all(const std::vector<BlobItem>& items, const std::vector<std::optional<std::string>>& aux,
                                     const BlobOptions& options, const PreparedDictionaries& dictionaries) {
  std::vector<Compressed> out(items.size());
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto worker = [&] {
    ZSTD_CCtx* context = ZSTD_createCCtx();
    try {
      for (std::size_t i = next++; i < items.size(); i = next++) {
        const Dictionary* data_dictionary = dictionaries.for_data(items[i]);
        const Dictionary* aux_dictionary = dictionaries.for_aux(items[i]);
        if (items[i].kind == blob::Kind::Dictionary) {
          out[i].data = blob::uncompressed_frame(*items[i].data, kWindowLog);
        } else if (items[i].data) {
          out[i].data = compress(*items[i].data, context, options.compression_level, data_dictionary);
        }
        if (aux[i]) out[i].aux = compress(*aux[i], context, options.compression_level, aux_dictionary);
        if (options.on_item_done) options.on_item_done();
      }
    } catch (...) {
      std::lock_guard lock(failure_mutex);
      failure = std::current_exception();
    }
    ZSTD_freeCCtx(context);
  };
  unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(1, items.size())));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& thread : pool) thread.join();
  if (failure) std::rethrow_exception(failure);
  return out;
}

std::uint32_t checked_u32(std::size_t value, const std::string& what) {
  if (value > UINT32_MAX) throw UserError(what + " is larger than 4 GiB, which the format cannot hold");
  return static_cast<std::uint32_t>(value);
}

}  // namespace

std::string write_blob(std::vector<BlobItem> items, const BlobOptions& options) {
  const PreparedDictionaries dictionaries = options.dictionaries && options.compression_level > 0
                                               ? module_dictionaries(items, options)
                                               : PreparedDictionaries{};
  for (const auto& [name, dictionary] : {std::pair{"bytecode", dictionaries.bytecode.get()},
                                         {"source", dictionaries.source.get()},
                                         {"third-party-bytecode", dictionaries.third_party_bytecode.get()},
                                         {"third-party-source", dictionaries.third_party_source.get()}}) {
    if (dictionary == nullptr) continue;
    BlobItem item;
    item.kind = blob::Kind::Dictionary;
    item.name = name;
    item.data = dictionary->content();
    items.push_back(std::move(item));
  }
  std::sort(items.begin(), items.end(), [](const BlobItem& a, const BlobItem& b) {
    return blob::entry_less(a.kind, a.name, b.kind, b.name);
  });
  for (std::size_t i = 1; i < items.size(); ++i) {
    if (items[i].kind == items[i - 1].kind && items[i].name == items[i - 1].name) {
      throw UserError(std::string(blob::kind_name(items[i].kind)) + " '" + items[i].name + "' is included twice");
    }
  }
  const std::vector<std::optional<std::string>> aux = aux_parts(items);
  const std::vector<Compressed> compressed = compress_all(items, aux, options, dictionaries);

  std::string blob;  // the payload, then the index and the trailer
  std::vector<blob::Entry> entries(items.size());
  auto append_span = [&blob](const std::optional<std::string>& raw, const std::string& stored, const std::string& name) {
    blob::Span span;
    if (!raw) return span;
    span.offset = blob.size();
    span.stored_size = checked_u32(stored.size(), name);
    span.raw_size = checked_u32(raw->size(), name);
    blob += stored;
    return span;
  };
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto& entry = entries[i];
    entry.kind = items[i].kind;
    entry.flags = items[i].flags;
    entry.location = items[i].location;
    entry.name = items[i].name;
    entry.path = items[i].path;
    entry.data = append_span(items[i].data, compressed[i].data, items[i].name);
    entry.aux = append_span(aux[i], compressed[i].aux, items[i].name);
  }
  try {
    blob::append_index_and_trailer(blob, entries);
  } catch (const std::length_error& error) {
    throw UserError(error.what());
  }
  return blob;
}

}  // namespace freeze::packager

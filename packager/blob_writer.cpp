#include "blob_writer.h"

#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "build_cache.h"
#include "user_error.h"

namespace freeze::packager {
namespace {

constexpr int kWindowLog = 18;  // 256 KiB

std::string compress_uncached(const std::string& raw, ZSTD_CCtx* context, int level) {
  ZSTD_CCtx_reset(context, ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1);      // the reader verifies it
  ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 1);   // the reader checks it against the index
  // A small window bounds the memory that streaming decompression of a large resource (a shared
  // library loaded from memory) needs at run time; modules are far smaller than it anyway.
  ZSTD_CCtx_setParameter(context, ZSTD_c_windowLog, kWindowLog);
  std::string out(ZSTD_compressBound(raw.size()), '\0');
  const std::size_t size = ZSTD_compress2(context, out.data(), out.size(), raw.data(), raw.size());
  if (ZSTD_isError(size)) throw UserError(std::string("zstd compression failed: ") + ZSTD_getErrorName(size));
  out.resize(size);
  return out;
}

std::string compress(const std::string& raw, ZSTD_CCtx* context, int level) {
  BuildCache& cache = BuildCache::instance();
  const std::string key = cache.key({"zstd", ZSTD_versionString(), std::to_string(level), std::to_string(kWindowLog), raw});
  if (auto hit = cache.get(key)) return std::move(*hit);
  std::string compressed = compress_uncached(raw, context, level);
  cache.put(key, compressed);
  return compressed;
}

struct Compressed {
  std::string data;
  std::string aux;
};

// Compresses every item's parts on `threads` workers; the result is in item order.
std::vector<Compressed> compress_all(const std::vector<BlobItem>& items, const BlobOptions& options) {
  std::vector<Compressed> out(items.size());
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto worker = [&] {
    ZSTD_CCtx* context = ZSTD_createCCtx();
    try {
      for (std::size_t i = next++; i < items.size(); i = next++) {
        if (items[i].data) out[i].data = compress(*items[i].data, context, options.compression_level);
        if (items[i].aux) out[i].aux = compress(*items[i].aux, context, options.compression_level);
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
  std::sort(items.begin(), items.end(), [](const BlobItem& a, const BlobItem& b) {
    return blob::entry_less(a.kind, a.name, b.kind, b.name);
  });
  for (std::size_t i = 1; i < items.size(); ++i) {
    if (items[i].kind == items[i - 1].kind && items[i].name == items[i - 1].name) {
      throw UserError(std::string(blob::kind_name(items[i].kind)) + " '" + items[i].name + "' is included twice");
    }
  }
  const std::vector<Compressed> compressed = compress_all(items, options);

  std::string blob;
  std::vector<blob::RawEntry> entries(items.size());
  std::string strings;
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
    entry.name_offset = checked_u32(strings.size(), "the name table");
    entry.name_size = checked_u32(items[i].name.size(), items[i].name);
    strings += items[i].name;
    entry.path_offset = checked_u32(strings.size(), "the name table");
    entry.path_size = checked_u32(items[i].path.size(), items[i].path);
    strings += items[i].path;
    entry.data = append_span(items[i].data, compressed[i].data, items[i].name);
    entry.aux = append_span(items[i].aux, compressed[i].aux, items[i].name);
  }

  blob::Trailer trailer;
  trailer.entry_count = checked_u32(entries.size(), "the index");
  trailer.payload_offset = 0;
  trailer.payload_size = blob.size();
  trailer.index_offset = blob.size();
  std::string index(entries.size() * blob::kEntrySize, '\0');
  for (std::size_t i = 0; i < entries.size(); ++i) {
    blob::encode_entry(entries[i], reinterpret_cast<unsigned char*>(index.data()) + i * blob::kEntrySize);
  }
  index += strings;
  trailer.index_size = index.size();
  trailer.index_crc32 = blob::crc32(index.data(), index.size());
  blob += index;
  trailer.blob_size = blob.size() + blob::kTrailerSize;
  unsigned char encoded[blob::kTrailerSize];
  blob::encode_trailer(trailer, encoded);
  blob.append(reinterpret_cast<const char*>(encoded), sizeof encoded);
  return blob;
}

}  // namespace freeze::packager

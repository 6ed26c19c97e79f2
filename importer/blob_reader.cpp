#include "blob_reader.h"

// ZSTD_getFrameHeader is in the "static linking only" API; zstd is linked statically.
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

namespace freeze::blob {
namespace {

// zstd decompression context reused by each thread (creating one costs more than a small read).
ZSTD_DCtx* thread_dctx() {
  struct Holder {
    ZSTD_DCtx* ctx = ZSTD_createDCtx();
    ~Holder() { ZSTD_freeDCtx(ctx); }
  };
  thread_local Holder holder;
  return holder.ctx;
}

}  // namespace

bool BlobReader::has_blob(std::span<const unsigned char> file) {
  return file.size() >= kTrailerSize && has_magic(file.data() + file.size() - kTrailerSize);
}

BlobReader BlobReader::open(std::span<const unsigned char> file) {
  if (file.size() < kTrailerSize) throw DamagedError("file too small to hold resources");
  BlobReader reader;
  const Trailer trailer = decode_trailer(file.data() + file.size() - kTrailerSize);
  if (trailer.blob_size > file.size() || trailer.blob_size < kTrailerSize) {
    throw DamagedError("blob size exceeds the file (truncated?)");
  }
  const std::uint64_t body = trailer.blob_size - kTrailerSize;
  const auto within = [body](std::uint64_t offset, std::uint64_t size) {
    return offset <= body && size <= body - offset;
  };
  if (!within(trailer.payload_offset, trailer.payload_size)) throw DamagedError("payload out of range");
  if (!within(trailer.index_offset, trailer.index_size)) throw DamagedError("index out of range");
  if (trailer.index_size / kEntrySize < trailer.entry_count) throw DamagedError("index too small for its entries");

  const unsigned char* blob = file.data() + (file.size() - trailer.blob_size);
  const unsigned char* index = blob + trailer.index_offset;
  if (crc32(index, trailer.index_size) != trailer.index_crc32) throw DamagedError("index checksum mismatch");

  reader.trailer_ = trailer;
  reader.blob_offset_ = file.size() - trailer.blob_size;
  reader.payload_ = blob + trailer.payload_offset;
  reader.entries_ = index;
  reader.strings_ = index + std::size_t{trailer.entry_count} * kEntrySize;
  reader.strings_size_ = trailer.index_size - std::size_t{trailer.entry_count} * kEntrySize;
  return reader;
}

Entry BlobReader::decode(std::size_t index) const {
  const RawEntry raw = decode_entry(entries_ + index * kEntrySize);
  if (raw.name_offset > strings_size_ || raw.name_size > strings_size_ - raw.name_offset) {
    throw DamagedError("index entry " + std::to_string(index) + " has a name out of range");
  }
  Entry entry;
  entry.kind = raw.kind;
  entry.flags = raw.flags;
  entry.location = raw.location;
  entry.name = std::string_view(reinterpret_cast<const char*>(strings_) + raw.name_offset, raw.name_size);
  entry.data = raw.data;
  entry.source = raw.source;
  for (const Span* span : {&entry.data, &entry.source}) {
    if (span->present() && (span->offset > trailer_.payload_size ||
                            span->stored_size > trailer_.payload_size - span->offset)) {
      throw DamagedError("resource '" + std::string(entry.name) + "' lies outside the payload");
    }
  }
  return entry;
}

Entry BlobReader::entry_at(std::size_t index) const {
  if (index >= trailer_.entry_count) throw DamagedError("entry index out of range");
  return decode(index);
}

std::optional<Entry> BlobReader::find(Kind kind, std::string_view name) const {
  // Only the kind byte and the name of each probed entry are looked at; the full entry is
  // decoded (and bounds-checked) once it matches.
  std::size_t low = 0;
  std::size_t high = trailer_.entry_count;
  while (low < high) {
    const std::size_t mid = low + (high - low) / 2;
    const unsigned char* raw = entries_ + mid * kEntrySize;
    const RawEntry probe = decode_entry(raw);
    if (probe.name_offset > strings_size_ || probe.name_size > strings_size_ - probe.name_offset) {
      throw DamagedError("index entry " + std::to_string(mid) + " has a name out of range");
    }
    const std::string_view probe_name(reinterpret_cast<const char*>(strings_) + probe.name_offset,
                                      probe.name_size);
    if (entry_less(probe.kind, probe_name, kind, name)) {
      low = mid + 1;
    } else if (entry_less(kind, name, probe.kind, probe_name)) {
      high = mid;
    } else {
      return decode(mid);
    }
  }
  return std::nullopt;
}

void BlobReader::read_into(const Span& span, unsigned char* out) const {
  if (!span.present()) {
    if (span.raw_size != 0) throw DamagedError("empty span with a non-empty size");
    return;
  }
  const unsigned char* frame = payload_ + span.offset;
  ZSTD_frameHeader header;
  if (ZSTD_getFrameHeader(&header, frame, span.stored_size) != 0 || header.frameType != ZSTD_frame ||
      !header.checksumFlag || header.frameContentSize != span.raw_size) {
    throw DamagedError("resource frame header is invalid");
  }
  const std::size_t written = ZSTD_decompressDCtx(thread_dctx(), out, span.raw_size, frame, span.stored_size);
  if (ZSTD_isError(written)) {
    throw DamagedError(std::string("resource does not decompress: ") + ZSTD_getErrorName(written));
  }
  if (written != span.raw_size) throw DamagedError("resource has the wrong size");
}

std::string BlobReader::read(const Span& span) const {
  std::string out(span.raw_size, '\0');
  read_into(span, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

}  // namespace freeze::blob

#include "format/blob_format.h"

#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_getFrameHeader; zstd is linked statically
#include <zstd.h>
#define XXH_INLINE_ALL  // header-only: the launcher links no libxxhash
#include <xxhash.h>

#include <algorithm>
#include <cstring>

namespace freeze::blob {
namespace {

void put_u32(unsigned char* out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<unsigned char>(v >> (8 * i));
}
void put_u64(unsigned char* out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<unsigned char>(v >> (8 * i));
}
std::uint32_t get_u32(const unsigned char* in) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | in[i];
  return v;
}
std::uint64_t get_u64(const unsigned char* in) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | in[i];
  return v;
}

void put_span(unsigned char* out, const Span& span) {
  put_u64(out, span.offset);
  put_u32(out + 8, span.stored_size);
  put_u32(out + 12, span.raw_size);
}
Span get_span(const unsigned char* in) {
  return Span{get_u64(in), get_u32(in + 8), get_u32(in + 12)};
}

constexpr std::size_t kTrailerCrcOffset = 52;
constexpr std::size_t kTrailerMagicOffset = 56;

std::uint32_t trailer_crc(const unsigned char* trailer) {
  // Everything but the checksum field itself.
  std::uint32_t crc = ::crc32(0L, Z_NULL, 0);
  crc = ::crc32(crc, trailer, kTrailerCrcOffset);
  crc = ::crc32(crc, trailer + kTrailerMagicOffset, kMagic.size());
  return crc;
}

}  // namespace

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::Settings: return "settings";
    case Kind::Module: return "module";
    case Kind::Resource: return "resource";
    case Kind::Metadata: return "metadata";
    case Kind::Extension: return "extension";
    case Kind::SharedLibrary: return "shared-library";
    case Kind::Dictionary: return "dictionary";
  }
  return "unknown";
}

// frame = magic(4) descriptor(1) [window(1)] content_size(u64) *block checksum(u32)
// block = header(3: last bit, type 0 = raw, size << 3) size*byte    ; RFC 8878 3.1.1; docs/blob-format.md, "Frames"
std::string uncompressed_frame(std::string_view raw, int window_log) {
  constexpr std::size_t kMaxBlock = 128 * 1024;  // zstd's largest block
  const bool one_block = raw.size() <= kMaxBlock;
  // Frame header descriptor: 8-byte content size, content checksum, no dictionary ID; single
  // segment (no window descriptor) only for one block.
  unsigned char header[14];
  put_u32(header, ZSTD_MAGICNUMBER);
  header[4] = static_cast<unsigned char>(0xC0 | (one_block ? 0x20 : 0) | 0x04);
  std::size_t header_size = 5;
  if (!one_block) header[header_size++] = static_cast<unsigned char>((window_log - 10) << 3);  // 2^window_log
  put_u64(header + header_size, raw.size());
  header_size += 8;
  std::string frame(reinterpret_cast<const char*>(header), header_size);
  std::size_t offset = 0;
  do {
    const std::size_t size = std::min(kMaxBlock, raw.size() - offset);
    const bool last = offset + size == raw.size();
    unsigned char block[4];
    put_u32(block, static_cast<std::uint32_t>((size << 3) | (0 /* raw block */ << 1) | (last ? 1 : 0)));
    frame.append(reinterpret_cast<const char*>(block), 3);
    frame.append(raw.substr(offset, size));
    offset += size;
  } while (offset < raw.size());
  unsigned char checksum[4];
  put_u32(checksum, static_cast<std::uint32_t>(XXH64(raw.data(), raw.size(), 0)));
  frame.append(reinterpret_cast<const char*>(checksum), 4);
  return frame;
}

const unsigned char* single_raw_block(const unsigned char* frame, const Span& span) {
  ZSTD_frameHeader header;
  if (ZSTD_getFrameHeader(&header, frame, span.stored_size) != 0 || header.dictID != 0) return nullptr;
  const std::size_t block = header.headerSize;
  if (span.stored_size != std::uint64_t{block} + 3 + span.raw_size + 4) return nullptr;
  const std::uint32_t block_header = frame[block] | (frame[block + 1] << 8) | (std::uint32_t{frame[block + 2]} << 16);
  const bool last = (block_header & 1) != 0;
  const unsigned type = (block_header >> 1) & 3;
  if (!last || type != 0 /* raw */ || (block_header >> 3) != span.raw_size) return nullptr;
  return frame + block + 3;
}

std::uint32_t crc32(const void* data, std::size_t size) {
  std::uint32_t crc = ::crc32(0L, Z_NULL, 0);
  const auto* bytes = static_cast<const unsigned char*>(data);
  while (size > 0) {  // zlib takes uInt lengths
    const auto chunk = static_cast<uInt>(size > (1u << 30) ? (1u << 30) : size);
    crc = ::crc32(crc, bytes, chunk);
    bytes += chunk;
    size -= chunk;
  }
  return crc;
}

// entry = name_offset(u32) name_size(u32) kind(u8) flags(u8) location(u8) reserved(5)
//         data(span) aux(span) path_offset(u32) path_size(u32)     ; docs/blob-format.md, "Index entry"
void encode_entry(const RawEntry& entry, unsigned char* out) {
  std::memset(out, 0, kEntrySize);
  put_u32(out, entry.name_offset);
  put_u32(out + 4, entry.name_size);
  out[8] = static_cast<unsigned char>(entry.kind);
  out[9] = entry.flags;
  out[10] = static_cast<unsigned char>(entry.location);
  put_span(out + 16, entry.data);
  put_span(out + 32, entry.aux);
  put_u32(out + 48, entry.path_offset);
  put_u32(out + 52, entry.path_size);
}

RawEntry decode_entry(const unsigned char* in) {
  RawEntry entry;
  entry.name_offset = get_u32(in);
  entry.name_size = get_u32(in + 4);
  entry.kind = static_cast<Kind>(in[8]);
  entry.flags = in[9];
  entry.location = static_cast<Location>(in[10]);
  entry.data = get_span(in + 16);
  entry.aux = get_span(in + 32);
  entry.path_offset = get_u32(in + 48);
  entry.path_size = get_u32(in + 52);
  return entry;
}

// trailer = format_version(u32) entry_count(u32) blob_size(u64) payload_offset(u64) payload_size(u64)
//           index_offset(u64) index_size(u64) index_crc32(u32) trailer_crc32(u32) magic(8)
//                                                                  ; docs/blob-format.md, "Trailer"
void encode_trailer(const Trailer& trailer, unsigned char* out) {
  std::memset(out, 0, kTrailerSize);
  put_u32(out, trailer.format_version);
  put_u32(out + 4, trailer.entry_count);
  put_u64(out + 8, trailer.blob_size);
  put_u64(out + 16, trailer.payload_offset);
  put_u64(out + 24, trailer.payload_size);
  put_u64(out + 32, trailer.index_offset);
  put_u64(out + 40, trailer.index_size);
  put_u32(out + 48, trailer.index_crc32);
  std::memcpy(out + kTrailerMagicOffset, kMagic.data(), kMagic.size());
  put_u32(out + kTrailerCrcOffset, trailer_crc(out));
}

bool has_magic(const unsigned char* trailer) {
  return std::memcmp(trailer + kTrailerMagicOffset, kMagic.data(), kMagic.size()) == 0;
}

Trailer decode_trailer_fields(const unsigned char* in) {
  Trailer trailer;
  trailer.format_version = get_u32(in);
  trailer.entry_count = get_u32(in + 4);
  trailer.blob_size = get_u64(in + 8);
  trailer.payload_offset = get_u64(in + 16);
  trailer.payload_size = get_u64(in + 24);
  trailer.index_offset = get_u64(in + 32);
  trailer.index_size = get_u64(in + 40);
  trailer.index_crc32 = get_u32(in + 48);
  return trailer;
}

Trailer decode_trailer(const unsigned char* in) {
  if (!has_magic(in)) throw DamagedError("no resource trailer at the end of the file (truncated?)");
  if (get_u32(in + kTrailerCrcOffset) != trailer_crc(in)) throw DamagedError("trailer checksum mismatch");
  const Trailer trailer = decode_trailer_fields(in);
  if (trailer.format_version != kFormatVersion) {
    throw DamagedError("format version " + std::to_string(trailer.format_version) +
                       " is not the version this launcher reads (" + std::to_string(kFormatVersion) + ")");
  }
  return trailer;
}

// index = count*entry strings, then the trailer (docs/blob-format.md, "Blob", "Index").
void append_index_and_trailer(std::string& blob, const std::vector<Entry>& entries) {
  constexpr std::uint64_t kMax32 = UINT32_MAX;
  if (entries.size() > kMax32) throw std::length_error("the index has more entries than the format can hold (2^32)");
  std::string index(entries.size() * kEntrySize, '\0');
  std::string strings;
  auto string_offset = [&strings](std::string_view text) {
    if (strings.size() + text.size() > kMax32) {
      throw std::length_error("the index's names and paths are larger than 4 GiB, which the format cannot hold");
    }
    const auto offset = static_cast<std::uint32_t>(strings.size());
    strings += text;
    return offset;
  };
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Entry& entry = entries[i];
    RawEntry raw;
    raw.kind = entry.kind;
    raw.flags = entry.flags;
    raw.location = entry.location;
    raw.data = entry.data;
    raw.aux = entry.aux;
    raw.name_offset = string_offset(entry.name);
    raw.name_size = static_cast<std::uint32_t>(entry.name.size());
    raw.path_offset = string_offset(entry.path);
    raw.path_size = static_cast<std::uint32_t>(entry.path.size());
    encode_entry(raw, reinterpret_cast<unsigned char*>(index.data()) + i * kEntrySize);
  }
  index += strings;
  Trailer trailer;
  trailer.entry_count = static_cast<std::uint32_t>(entries.size());
  trailer.payload_offset = 0;
  trailer.payload_size = blob.size();
  trailer.index_offset = blob.size();
  trailer.index_size = index.size();
  trailer.index_crc32 = crc32(index.data(), index.size());
  blob += index;
  trailer.blob_size = blob.size() + kTrailerSize;
  unsigned char encoded[kTrailerSize];
  encode_trailer(trailer, encoded);
  blob.append(reinterpret_cast<const char*>(encoded), sizeof encoded);
}

}  // namespace freeze::blob

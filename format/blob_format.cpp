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

Trailer decode_trailer(const unsigned char* in) {
  if (!has_magic(in)) throw DamagedError("no resource trailer at the end of the file (truncated?)");
  if (get_u32(in + kTrailerCrcOffset) != trailer_crc(in)) throw DamagedError("trailer checksum mismatch");
  Trailer trailer;
  trailer.format_version = get_u32(in);
  if (trailer.format_version != kFormatVersion) {
    throw DamagedError("format version " + std::to_string(trailer.format_version) +
                       " is not the version this launcher reads (" + std::to_string(kFormatVersion) + ")");
  }
  trailer.entry_count = get_u32(in + 4);
  trailer.blob_size = get_u64(in + 8);
  trailer.payload_offset = get_u64(in + 16);
  trailer.payload_size = get_u64(in + 24);
  trailer.index_offset = get_u64(in + 32);
  trailer.index_size = get_u64(in + 40);
  trailer.index_crc32 = get_u32(in + 48);
  return trailer;
}

std::string encode_settings(const Settings& settings) {
  std::string out;
  unsigned char size[4];
  for (const auto& [key, value] : settings) {
    put_u32(size, static_cast<std::uint32_t>(key.size()));
    out.append(reinterpret_cast<const char*>(size), 4).append(key);
    put_u32(size, static_cast<std::uint32_t>(value.size()));
    out.append(reinterpret_cast<const char*>(size), 4).append(value);
  }
  return out;
}

Settings decode_settings(std::string_view bytes) {
  Settings settings;
  auto take = [&bytes]() -> std::string {
    if (bytes.size() < 4) throw DamagedError("settings record is truncated");
    const auto size = get_u32(reinterpret_cast<const unsigned char*>(bytes.data()));
    bytes.remove_prefix(4);
    if (size > bytes.size()) throw DamagedError("settings record is truncated");
    std::string value(bytes.substr(0, size));
    bytes.remove_prefix(size);
    return value;
  };
  while (!bytes.empty()) {
    auto key = take();
    settings[key] = take();
  }
  return settings;
}

}  // namespace freeze::blob

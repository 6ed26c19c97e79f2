// Fuzz target: the blob trailer and index reader (format/blob_reader, blob_format), the launch
// settings and the needed-library lists, as the launcher, the importer and `freeze inspect` use
// them on a file they did not write.
//
// Input: one mode byte, then the file. Mode bit 0 set: before opening, the harness rewrites the
// trailer's magic, version and both CRC-32s to match the (mutated) bytes, so that the fuzzer
// explores hostile-but-checksummed indexes (what an attacker writes) and not only the
// "checksum mismatch" path (what random damage produces). The only exception the reader may
// throw is DamagedError; anything else (or a crash, a read out of bounds, a leak) is a bug.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "format/blob_format.h"
#include "format/blob_reader.h"
#include "format/launch_settings.h"
#include "format/library_list.h"

namespace blob = freeze::blob;

namespace {

// Decompressed sizes above this are not read: a hostile index may declare up to 4 GiB per
// resource, which is a valid allocation request and not a bug, but too slow for fuzzing.
constexpr std::uint32_t kMaxRead = 1u << 20;
constexpr std::size_t kMaxEntries = 4096;

// Makes the trailer valid for whatever its fields say, and the index CRC match when the index
// lies inside the file.
void fix_checksums(std::vector<unsigned char>& file) {
  if (file.size() < blob::kTrailerSize) return;
  unsigned char* raw = file.data() + file.size() - blob::kTrailerSize;
  blob::Trailer trailer = blob::decode_trailer_fields(raw);
  trailer.format_version = blob::kFormatVersion;
  if (trailer.blob_size <= file.size() && trailer.blob_size >= blob::kTrailerSize) {
    const std::uint64_t blob_start = file.size() - trailer.blob_size;
    const std::uint64_t body = trailer.blob_size - blob::kTrailerSize;
    if (trailer.index_offset <= body && trailer.index_size <= body - trailer.index_offset) {
      trailer.index_crc32 = blob::crc32(file.data() + blob_start + trailer.index_offset, trailer.index_size);
    }
  }
  blob::encode_trailer(trailer, raw);
}

// The bytes of `span`, or nullopt if it is too large to read here or damaged.
std::optional<std::string> read_span(const blob::BlobReader& reader, const blob::Span& span) {
  if (span.raw_size > kMaxRead) return std::nullopt;
  try {
    std::string bytes = reader.read(span);
    if (bytes.size() != span.raw_size) __builtin_trap();
    return bytes;
  } catch (const blob::DamagedError&) {
    return std::nullopt;
  }
}

void exercise(const blob::BlobReader& reader) {
  const std::size_t count = reader.entry_count() < kMaxEntries ? reader.entry_count() : kMaxEntries;
  for (std::size_t i = 0; i < count; ++i) {
    blob::Entry entry;
    try {
      entry = reader.entry_at(i);
    } catch (const blob::DamagedError&) {
      continue;
    }
    try {
      const auto found = reader.find(entry.kind, entry.name);
      if (found && (found->name != entry.name || found->kind != entry.kind)) __builtin_trap();
      const auto prefixed = reader.with_prefix(entry.kind, entry.name.substr(0, entry.name.size() / 2));
      for (const auto& other : prefixed) {
        if (other.kind != entry.kind) __builtin_trap();
      }
    } catch (const blob::DamagedError&) {
    }
    const auto data = read_span(reader, entry.data);
    const auto aux = read_span(reader, entry.aux);
    if (aux && entry.needed_libraries().present()) {
      for (const auto& name : blob::decode_library_list(*aux)) {
        if (name.empty() || name.find('\n') != std::string::npos) __builtin_trap();
      }
    }
    if (entry.kind == blob::Kind::Settings && data) {
      try {
        const auto settings = blob::decode_settings(*data);
        (void)blob::LaunchSettings::from(settings);
      } catch (const blob::DamagedError&) {
      }
    }
  }
  try {
    (void)blob::read_settings(reader);
  } catch (const blob::DamagedError&) {
  }
  try {
    (void)reader.find(blob::Kind::Module, "encodings");
    (void)reader.entry_at(reader.entry_count());  // must throw
    __builtin_trap();
  } catch (const blob::DamagedError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  std::vector<unsigned char> file(data + 1, data + size);
  if (mode & 1) fix_checksums(file);
  const std::span<const unsigned char> bytes(file.data(), file.size());
  (void)blob::BlobReader::has_blob(bytes);
  try {
    const blob::BlobReader reader = blob::BlobReader::open(bytes);
    if (reader.blob_offset() > file.size()) __builtin_trap();
    exercise(reader);
  } catch (const blob::DamagedError&) {
  }
  return 0;
}

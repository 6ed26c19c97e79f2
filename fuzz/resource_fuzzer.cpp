// Fuzz target: resource decompression (BlobReader::read / read_into: zstd frame header checks,
// decompression, content checksum, size checks) on arbitrary stored bytes.
//
// Input: u32 little-endian raw_size, then the stored frame. The harness wraps it in a valid
// blob (one module entry whose data span is the frame) and reads it back through the reader,
// exactly as the importer does for a module it imports.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "format/blob_format.h"
#include "format/blob_reader.h"

namespace blob = freeze::blob;

namespace {

constexpr std::uint32_t kMaxRead = 1u << 22;  // see blob_reader_fuzzer.cpp

// The blob the writer would make of one module whose data span is the frame.
std::string wrap(const unsigned char* frame, std::size_t frame_size, std::uint32_t raw_size) {
  std::string file(reinterpret_cast<const char*>(frame), frame_size);  // the payload starts the blob
  blob::Entry entry;
  entry.kind = blob::Kind::Module;
  entry.name = "m";
  entry.data = {0, static_cast<std::uint32_t>(frame_size), raw_size};
  blob::append_index_and_trailer(file, {entry});
  return file;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4 || size - 4 > UINT32_MAX) return 0;
  std::uint32_t raw_size = 0;
  for (int i = 3; i >= 0; --i) raw_size = (raw_size << 8) | data[i];
  if (raw_size > kMaxRead) return 0;
  const std::string file = wrap(data + 4, size - 4, raw_size);
  const blob::BlobReader reader = blob::BlobReader::open(
      std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(file.data()), file.size()));
  const auto entry = reader.find(blob::Kind::Module, "m");
  if (!entry) __builtin_trap();
  try {
    const std::string bytes = reader.read(entry->data);
    if (bytes.size() != raw_size) __builtin_trap();
  } catch (const blob::DamagedError&) {
  }
  // read_into a buffer of exactly raw_size bytes: the bounds an address sanitizer checks.
  std::vector<unsigned char> out(raw_size);
  try {
    reader.read_into(entry->data, out.data());
  } catch (const blob::DamagedError&) {
  }
  return 0;
}

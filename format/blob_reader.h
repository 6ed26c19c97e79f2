// Reads a blob that is already in memory (mmap'ed by the launcher, or a file read by
// `freeze inspect`). Opening checks the trailer and the index checksum; lookups binary-search
// the index in place; reads decompress one span and verify its checksum. Every offset taken
// from the file is bounds-checked, so a damaged or hostile file yields DamagedError, never a
// read outside the buffer. Running out of memory is std::bad_alloc (zstd's allocation errors
// included), never DamagedError: it is not the file's fault.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "format/blob_format.h"

struct ZSTD_DDict_s;  // zstd.h

namespace freeze::blob {

class BlobReader {
 public:
  // `file` is the whole file (or at least its tail that holds the blob); it must outlive the
  // reader. Throws DamagedError.
  static BlobReader open(std::span<const unsigned char> file);

  // True when `file` ends with a blob trailer magic (an intact or damaged blob is present).
  static bool has_blob(std::span<const unsigned char> file);

  std::optional<Entry> find(Kind kind, std::string_view name) const;
  // Every entry of `kind` whose name starts with `prefix`, in name order.
  std::vector<Entry> with_prefix(Kind kind, std::string_view prefix) const;
  std::size_t entry_count() const { return trailer_.entry_count; }
  Entry entry_at(std::size_t index) const;  // throws DamagedError
  const Trailer& trailer() const { return trailer_; }
  // Offset of the blob within the file given to open(), i.e. the launcher's size.
  std::uint64_t blob_offset() const { return blob_offset_; }

  // Reads stored bytes with pread(2) from `fd` (the file given to open()) instead of from the
  // mapping: touching mapped pages would count whole page-cache folios in RSS, while a read
  // copies just the bytes needed. `fd` must stay open while the reader is used.
  // If the descriptor stops being the file (a daemon closing every descriptor, its number
  // reused), the reader notices (a failed read or a bad frame, confirmed with fstat) and opens
  // `reopen_path` again, provided it is the same file.
  void read_payload_from(int fd, std::string reopen_path = "/proc/self/exe");

  // Decompresses `span` into `out`, which must hold exactly span.raw_size bytes.
  void read_into(const Span& span, unsigned char* out) const;
  std::string read(const Span& span) const;
  // Decompresses `span` in pieces of at most 256 KiB handed to `sink`, so that large resources
  // (shared libraries) never sit whole in memory, compressed or not. Throws DamagedError; `sink` may throw too.
  void read_streaming(const Span& span, const std::function<void(const unsigned char*, std::size_t)>& sink) const;

 private:
  BlobReader() = default;
  Entry decode(std::size_t index) const;
  // The stored bytes of `span` after checking its frame header: in the mapping, or read with
  // pread into `buffer` (the per-thread one, or a caller's that must outlive the bytes).
  const unsigned char* stored_frame(const Span& span, std::vector<unsigned char>& buffer) const;
  std::string_view name_at(std::size_t index, Kind* kind) const;
  // Index of the first entry not ordered before (kind, name).
  std::size_t lower_bound(Kind kind, std::string_view name) const;

  const unsigned char* payload_ = nullptr;
  std::uint64_t payload_file_offset_ = 0;
  mutable int payload_fd_ = -1;  // replaced by refresh_payload_fd()
  std::string reopen_path_;
  std::uint64_t file_device_ = 0;
  std::uint64_t file_inode_ = 0;
  // Reopens the payload's file if payload_fd_ no longer refers to it; true if it did.
  bool refresh_payload_fd() const;
  void read_frame_start(const Span& span, unsigned char* out, std::size_t size) const;
  // The zstd dictionary with this ID (a Dictionary entry), loaded on first use; throws
  // DamagedError if the executable has none with that ID.
  const ZSTD_DDict_s* dictionary(std::uint32_t id) const;
  struct Dictionaries;
  std::shared_ptr<Dictionaries> dictionaries_;
  const unsigned char* entries_ = nullptr;
  const unsigned char* strings_ = nullptr;
  std::size_t strings_size_ = 0;
  std::uint64_t blob_offset_ = 0;
  Trailer trailer_;
};

}  // namespace freeze::blob

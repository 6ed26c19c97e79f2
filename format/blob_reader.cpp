#include "format/blob_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

// ZSTD_getFrameHeader is in the "static linking only" API; zstd is linked statically.
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zstd_errors.h>

namespace freeze::blob {
namespace {

// zstd decompression context reused by each thread (creating one costs more than a small read).
// Out of memory is std::bad_alloc (the next read tries again), never a null context.
ZSTD_DCtx* thread_dctx() {
  struct Holder {
    ZSTD_DCtx* ctx = nullptr;
    ~Holder() { ZSTD_freeDCtx(ctx); }
  };
  thread_local Holder holder;
  if (holder.ctx == nullptr) holder.ctx = ZSTD_createDCtx();
  if (holder.ctx == nullptr) throw std::bad_alloc();
  return holder.ctx;
}

// A zstd error is damage, except a failed allocation: that is out of memory, not the file's fault.
void throw_unless_allocation(std::size_t result) {
  if (ZSTD_isError(result) && ZSTD_getErrorCode(result) == ZSTD_error_memory_allocation) throw std::bad_alloc();
}

// zstd's allocator, noting a failure: a dictionary that does not load for lack of memory
// (ZSTD_createDDict returns null either way) must not be reported as invalid.
void* noting_malloc(void* failed, std::size_t size) {
  void* memory = std::malloc(size);
  if (memory == nullptr) *static_cast<bool*>(failed) = true;
  return memory;
}
void plain_free(void*, void* memory) { std::free(memory); }  // the DDict keeps it: no use of the flag

// Reads and decompresses in pieces of this size: big enough for few system calls, small enough
// that nothing large stays resident once a library is loaded.
constexpr std::size_t kPiece = 256 * 1024;

// The per-thread buffer for the stored bytes of the span being read. It keeps its memory
// between reads (most are a few KiB) unless a large one grew it.
std::vector<unsigned char>& stored_buffer() {
  thread_local std::vector<unsigned char> buffer;
  return buffer;
}

void release_large_stored_buffer() {
  if (stored_buffer().capacity() > kPiece) std::vector<unsigned char>().swap(stored_buffer());
}

bool pread_fully(int fd, unsigned char* out, std::size_t size, std::uint64_t offset) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = pread(fd, out + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// `available` bytes of the frame start at `frame` (at least its header, unless truncated).
bool frame_header_matches(const unsigned char* frame, std::size_t available, const Span& span) {
  ZSTD_frameHeader header;
  return frame != nullptr && ZSTD_getFrameHeader(&header, frame, available) == 0 &&
         header.frameType == ZSTD_frame && header.checksumFlag && header.frameContentSize == span.raw_size;
}

}  // namespace

// Dictionaries are shared by copies of a reader and by threads; each is loaded once.
struct BlobReader::Dictionaries {
  std::mutex mutex;
  std::map<std::uint32_t, ZSTD_DDict*> by_id;
  std::vector<std::vector<unsigned char>> buffers;  // referenced by the DDicts
  ~Dictionaries() {
    for (auto& [id, dictionary] : by_id) ZSTD_freeDDict(dictionary);
  }
};

const ZSTD_DDict* BlobReader::dictionary(std::uint32_t id) const {
  std::lock_guard lock(dictionaries_->mutex);
  if (const auto it = dictionaries_->by_id.find(id); it != dictionaries_->by_id.end()) return it->second;
  // A blob holds at most four (bytecode, source, their third-party kin): reading each to learn
  // its ID is cheap. Each is
  // stored as one raw block (blob_format.h): it is used in place, with no copy. (Its checksum
  // is not verified: damage to a dictionary shows in the checksum of every frame decompressed
  // with it.) The per-thread stored buffer holds the caller's frame meanwhile, so the
  // dictionary is read into a buffer of its own, kept as long as the reader.
  for (const Entry& entry : with_prefix(Kind::Dictionary, "")) {
    if (!entry.in_memory() || !entry.data.present()) continue;
    const Span& span = entry.data;
    std::vector<unsigned char> stored;
    const unsigned char* content = single_raw_block(stored_frame(span, stored), span);
    if (content == nullptr) {
      throw DamagedError("zstd dictionary '" + std::string(entry.name) + "' is not stored as one raw block");
    }
    if (ZSTD_getDictID_fromDict(content, span.raw_size) != id) continue;
    bool allocation_failed = false;
    const ZSTD_customMem noting{noting_malloc, plain_free, &allocation_failed};
    ZSTD_DDict* loaded = ZSTD_createDDict_advanced(content, span.raw_size, ZSTD_dlm_byRef, ZSTD_dct_auto, noting);
    if (loaded == nullptr && allocation_failed) throw std::bad_alloc();
    if (loaded == nullptr) throw DamagedError("zstd dictionary '" + std::string(entry.name) + "' is invalid");
    if (!stored.empty()) dictionaries_->buffers.push_back(std::move(stored));  // moving keeps its bytes in place
    dictionaries_->by_id.emplace(id, loaded);
    return loaded;
  }
  throw DamagedError("resource needs zstd dictionary " + std::to_string(id) + ", which the executable lacks");
}

bool BlobReader::has_blob(std::span<const unsigned char> file) {
  return file.size() >= kTrailerSize && has_magic(file.data() + file.size() - kTrailerSize);
}

BlobReader BlobReader::open(std::span<const unsigned char> file) {
  if (file.size() < kTrailerSize) throw DamagedError("file too small to hold resources");
  BlobReader reader;
  reader.dictionaries_ = std::make_shared<Dictionaries>();
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
  reader.payload_file_offset_ = reader.blob_offset_ + trailer.payload_offset;
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
  if (raw.path_offset > strings_size_ || raw.path_size > strings_size_ - raw.path_offset) {
    throw DamagedError("index entry " + std::to_string(index) + " has a path out of range");
  }
  entry.path = std::string_view(reinterpret_cast<const char*>(strings_) + raw.path_offset, raw.path_size);
  entry.data = raw.data;
  entry.aux = raw.aux;
  for (const Span* span : {&entry.data, &entry.aux}) {
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

std::string_view BlobReader::name_at(std::size_t index, Kind* kind) const {
  const RawEntry raw = decode_entry(entries_ + index * kEntrySize);
  if (raw.name_offset > strings_size_ || raw.name_size > strings_size_ - raw.name_offset) {
    throw DamagedError("index entry " + std::to_string(index) + " has a name out of range");
  }
  *kind = raw.kind;
  return {reinterpret_cast<const char*>(strings_) + raw.name_offset, raw.name_size};
}

std::size_t BlobReader::lower_bound(Kind kind, std::string_view name) const {
  // Only the kind byte and the name of each probed entry are looked at.
  std::size_t low = 0;
  std::size_t high = trailer_.entry_count;
  while (low < high) {
    const std::size_t mid = low + (high - low) / 2;
    Kind probe_kind;
    const std::string_view probe_name = name_at(mid, &probe_kind);
    if (entry_less(probe_kind, probe_name, kind, name)) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return low;
}

std::optional<Entry> BlobReader::find(Kind kind, std::string_view name) const {
  const std::size_t index = lower_bound(kind, name);
  if (index >= trailer_.entry_count) return std::nullopt;
  Kind found_kind;
  if (name_at(index, &found_kind) != name || found_kind != kind) return std::nullopt;
  return decode(index);
}

std::vector<Entry> BlobReader::with_prefix(Kind kind, std::string_view prefix) const {
  std::vector<Entry> entries;
  for (std::size_t i = lower_bound(kind, prefix); i < trailer_.entry_count; ++i) {
    Kind found_kind;
    const std::string_view name = name_at(i, &found_kind);
    if (found_kind != kind || !name.starts_with(prefix)) break;
    entries.push_back(decode(i));
  }
  return entries;
}

void BlobReader::read_payload_from(int fd, std::string reopen_path) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return;  // keep reading through the mapping
  payload_fd_ = fd;
  reopen_path_ = std::move(reopen_path);
  file_device_ = st.st_dev;
  file_inode_ = st.st_ino;
}

bool BlobReader::refresh_payload_fd() const {
  struct stat st {};
  if (payload_fd_ >= 0 && fstat(payload_fd_, &st) == 0 && st.st_dev == file_device_ && st.st_ino == file_inode_) {
    return false;  // still the file: the damage is real
  }
  const int fd = ::open(reopen_path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  if (fstat(fd, &st) != 0 || st.st_dev != file_device_ || st.st_ino != file_inode_) {
    ::close(fd);
    return false;
  }
  payload_fd_ = fd;  // the old number is no longer ours: leave it alone
  return true;
}


// The first `size` stored bytes of `span` at `out` (from the mapping or read with pread), after
// checking its frame header; reopens the file once if the descriptor is no longer it.
void BlobReader::read_frame_start(const Span& span, unsigned char* out, std::size_t size) const {
  bool read = pread_fully(payload_fd_, out, size, payload_file_offset_ + span.offset);
  if ((!read || !frame_header_matches(out, size, span)) && refresh_payload_fd()) {
    read = pread_fully(payload_fd_, out, size, payload_file_offset_ + span.offset);
  }
  if (!read) throw DamagedError("resource cannot be read from the executable (truncated?)");
  if (!frame_header_matches(out, size, span)) throw DamagedError("resource frame header is invalid");
}

const unsigned char* BlobReader::stored_frame(const Span& span, std::vector<unsigned char>& buffer) const {
  if (payload_fd_ < 0) {
    const unsigned char* frame = payload_ + span.offset;
    if (!frame_header_matches(frame, span.stored_size, span)) throw DamagedError("resource frame header is invalid");
    return frame;
  }
  buffer.resize(span.stored_size);
  read_frame_start(span, buffer.data(), span.stored_size);
  return buffer.data();
}

void BlobReader::read_into(const Span& span, unsigned char* out) const {
  if (!span.present()) {
    if (span.raw_size != 0) throw DamagedError("empty span with a non-empty size");
    return;
  }
  // A frame compressed with a dictionary names it. (Loading the dictionary reads with buffers
  // of its own: the frame stays in the per-thread buffer.)
  auto decompress = [&](const unsigned char* frame) {
    const std::uint32_t id = ZSTD_getDictID_fromFrame(frame, span.stored_size);
    return id != 0 ? ZSTD_decompress_usingDDict(thread_dctx(), out, span.raw_size, frame, span.stored_size, dictionary(id))
                   : ZSTD_decompressDCtx(thread_dctx(), out, span.raw_size, frame, span.stored_size);
  };
  struct Release {  // a large buffer goes even when out of memory ends the read
    ~Release() { release_large_stored_buffer(); }
  } release;
  std::size_t written = decompress(stored_frame(span, stored_buffer()));
  throw_unless_allocation(written);
  if ((ZSTD_isError(written) || written != span.raw_size) && payload_fd_ >= 0 && refresh_payload_fd()) {
    written = decompress(stored_frame(span, stored_buffer()));  // the descriptor had been replaced under us: read again
  }
  throw_unless_allocation(written);
  if (ZSTD_isError(written)) {
    throw DamagedError(std::string("resource does not decompress: ") + ZSTD_getErrorName(written));
  }
  if (written != span.raw_size) throw DamagedError("resource has the wrong size");
}

void BlobReader::read_streaming(const Span& span,
                                const std::function<void(const unsigned char*, std::size_t)>& sink) const {
  if (!span.present()) return;
  // Native code runs to megabytes: neither its stored bytes nor a decompression window (the
  // streaming context keeps one) may stay resident once it is loaded. So the frame is read in
  // pieces and decompressed with a context made for this read alone.
  std::unique_ptr<ZSTD_DCtx, std::size_t (*)(ZSTD_DCtx*)> context(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!context) throw std::bad_alloc();
  std::unique_ptr<unsigned char[]> input;  // not zero-filled: every byte used is read first
  ZSTD_inBuffer in{nullptr, 0, 0};
  std::uint64_t consumed = 0;  // stored bytes handed to zstd so far
  auto refill = [&] {
    const std::size_t size = static_cast<std::size_t>(std::min<std::uint64_t>(span.stored_size - consumed, kPiece));
    if (!input) input.reset(new unsigned char[size]);  // not make_unique_for_overwrite: GCC 10 (the launcher is built on Debian 11) lacks it
    if (consumed == 0) {
      read_frame_start(span, input.get(), size);
    } else if (!pread_fully(payload_fd_, input.get(), size, payload_file_offset_ + span.offset + consumed)) {
      throw DamagedError("resource cannot be read from the executable (truncated?)");
    }
    in = ZSTD_inBuffer{input.get(), size, 0};
    consumed += size;
  };
  auto use_dictionary = [&] {
    if (const std::uint32_t id = ZSTD_getDictID_fromFrame(in.src, in.size); id != 0) {
      throw_unless_allocation(ZSTD_DCtx_refDDict(context.get(), dictionary(id)));
    }
  };
  if (payload_fd_ < 0) {
    in = ZSTD_inBuffer{stored_frame(span, stored_buffer()), span.stored_size, 0};
    consumed = span.stored_size;
  } else {
    refill();
  }
  use_dictionary();
  const std::size_t piece_size = std::min<std::size_t>(span.raw_size, kPiece) + 1;
  const std::unique_ptr<unsigned char[]> piece(new unsigned char[piece_size]);  // uninitialised, as above
  std::uint64_t total = 0;
  std::size_t remaining = 1;
  while (remaining != 0) {
    if (in.pos == in.size && consumed < span.stored_size) refill();
    ZSTD_outBuffer out{piece.get(), piece_size, 0};
    remaining = ZSTD_decompressStream(context.get(), &out, &in);  // verifies the checksum at the end
    throw_unless_allocation(remaining);
    if (ZSTD_isError(remaining)) {
      throw DamagedError(std::string("resource does not decompress: ") + ZSTD_getErrorName(remaining));
    }
    total += out.pos;
    if (total > span.raw_size) throw DamagedError("resource has the wrong size");
    if (out.pos > 0) sink(piece.get(), out.pos);
    if (remaining != 0 && in.pos == in.size && consumed == span.stored_size && out.pos < out.size) {
      throw DamagedError("resource is truncated");
    }
  }
  if (total != span.raw_size) throw DamagedError("resource has the wrong size");
}

std::string BlobReader::read(const Span& span) const {
  std::string out(span.raw_size, '\0');
  read_into(span, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

}  // namespace freeze::blob

// The blob format: the one definition shared by the writer (packager) and the reader
// (launcher/importer). The specification, with every byte offset, is docs/blob-format.md;
// the sub-records have files of their own beside this one: library_list.h (an extension's
// needed libraries), launch_settings.h (the Settings entry), module_names.h (names and paths),
// pyc_file.h (bytecode caches beside modules on disk). A frozen executable is
//
//   file    = launcher payload index trailer   ; launcher: the ELF stub, any size
//   payload = *frame                            ; one zstd frame per stored span
//   index   = count*entry strings               ; entry: 56 bytes; strings: names and paths
//   trailer = 64 bytes, at the very end
//
// The trailer sits at the very end of the file, so the launcher finds it from /proc/self/exe
// without knowing its own size. The index is an array of fixed-size entries sorted by
// (kind, name) followed by a string table, so the reader binary-searches it in place: nothing
// is parsed or copied at start-up. All integers are little-endian.
//
// Integrity: the trailer carries a CRC-32 of itself and of the index (checked at open, the
// index is a few tens of KiB); every stored span is a zstd frame with its content checksum
// (checked when that resource is read), so damage anywhere is detected before it is used.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace freeze::blob {

inline constexpr std::array<unsigned char, 8> kMagic = {0x89, 'F', 'R', 'Z', 'B', 'L', 'O', 'B'};
inline constexpr std::uint32_t kFormatVersion = 1;
inline constexpr std::size_t kTrailerSize = 64;
inline constexpr std::size_t kEntrySize = 56;

// What an index entry describes. The numeric values are part of the format.
enum class Kind : std::uint8_t {
  Settings = 0,       // launch settings (launch_settings.h): entry point, interpreter options
  Module = 1,         // Python module or package: data = bytecode, aux = UTF-8 source
  Resource = 2,       // package data file: name = its path below the site root ("pkg/data/x.txt")
  Metadata = 3,       // distribution metadata file: name = "X.dist-info/METADATA" (or .egg-info)
  Extension = 4,      // extension module (.so): name = dotted module name; aux = needed libraries (library_list.h)
  SharedLibrary = 5,  // shared library bundled for extensions ("pkg.libs/libx.so"); aux = needed libraries
  Dictionary = 6,     // zstd dictionary (name: what it compresses, "bytecode", "source", "third-party-...")
};
// A frame compressed with a dictionary carries the dictionary's ID in its header; the reader
// finds the Dictionary entry with that ID. A dictionary is stored as a frame of one raw block
// (no compression, so that the reader uses it in place), at most 128 KiB.
// Only Module, Extension and SharedLibrary entries have an `aux` span; what it holds depends on
// the kind, so readers take it through Entry::source() and Entry::needed_libraries().
inline constexpr std::uint8_t kKindCount = 7;

std::string_view kind_name(Kind kind);

enum EntryFlags : std::uint8_t {
  kFlagPackage = 1 << 0,    // a package (has __path__)
  kFlagNamespace = 1 << 1,  // a namespace package (directory without __init__.py)
  kFlagStdlib = 1 << 2,     // comes from the standard library
  kFlagFilesystemCopy = 1 << 3,  // in memory, with a copy at `path` to fall back on
};

enum class Location : std::uint8_t {
  InMemory = 0,            // stored in the payload
  FilesystemRelative = 1,  // a file at `path`, relative to the executable's directory
};

// A stored byte range. offset is relative to the payload start. stored_size == 0 means the
// entry has no such part (a module compiled without its source, for instance).
struct Span {
  std::uint64_t offset = 0;
  std::uint32_t stored_size = 0;
  std::uint32_t raw_size = 0;

  bool present() const { return stored_size != 0; }
};

// One decoded index entry. `name` and `path` point into the index's string table.
struct Entry {
  Kind kind = Kind::Module;
  std::uint8_t flags = 0;
  Location location = Location::InMemory;
  std::string_view name;
  std::string_view path;  // relative to the executable's directory; empty unless on the filesystem
  Span data;
  Span aux;  // the second stored part: use source() or needed_libraries(), which say what it is

  bool is_package() const { return (flags & kFlagPackage) != 0; }
  bool in_memory() const { return location == Location::InMemory; }
  // A module's UTF-8 source (absent: a namespace package, or bytecode without source); an
  // absent span for every other kind.
  Span source() const { return kind == Kind::Module ? aux : Span{}; }
  // An extension module's or bundled library's needed-library list (library_list.h); an
  // absent span for every other kind.
  Span needed_libraries() const {
    return kind == Kind::Extension || kind == Kind::SharedLibrary ? aux : Span{};
  }
};

struct Trailer {
  std::uint32_t format_version = kFormatVersion;
  std::uint32_t entry_count = 0;
  std::uint64_t blob_size = 0;       // bytes from the blob start to the end of file (all parts)
  std::uint64_t payload_offset = 0;  // relative to the blob start
  std::uint64_t payload_size = 0;
  std::uint64_t index_offset = 0;    // relative to the blob start
  std::uint64_t index_size = 0;      // entries + string table
  std::uint32_t index_crc32 = 0;
};

// Thrown for anything that is not a valid blob: the message says what is wrong.
class DamagedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Fixed-layout encoders/decoders (docs/blob-format.md, "Index entry"). The entry (56 bytes):
//   entry = name_offset(u32) name_size(u32) kind(u8) flags(u8) location(u8) reserved(5)
//           data(span) aux(span) path_offset(u32) path_size(u32)
//   span  = offset(u64) stored_size(u32) raw_size(u32)   ; offset from the payload start
// at byte offsets 0, 4, 8, 9, 10, 11, 16, 32, 48, 52; names and paths are offsets into the
// string table that follows the entries.
struct RawEntry {
  std::uint32_t name_offset = 0;
  std::uint32_t name_size = 0;
  Kind kind = Kind::Module;
  std::uint8_t flags = 0;
  Location location = Location::InMemory;
  Span data;
  Span aux;
  std::uint32_t path_offset = 0;
  std::uint32_t path_size = 0;
};

void encode_entry(const RawEntry& entry, unsigned char* out);  // writes kEntrySize bytes
RawEntry decode_entry(const unsigned char* in);                // reads kEntrySize bytes

// The trailer (docs/blob-format.md, "Trailer"), 64 bytes:
//   trailer = format_version(u32) entry_count(u32) blob_size(u64) payload_offset(u64)
//             payload_size(u64) index_offset(u64) index_size(u64) index_crc32(u32)
//             trailer_crc32(u32) magic(8)
// at byte offsets 0, 4, 8, 16, 24, 32, 40, 48, 52, 56; trailer_crc32 covers bytes 0-51 and
// the magic.
void encode_trailer(const Trailer& trailer, unsigned char* out);  // writes kTrailerSize bytes
// Validates magic, checksum and version; throws DamagedError with the reason.
Trailer decode_trailer(const unsigned char* in);
// The fields as they are, nothing checked (for tools that repair or forge trailers: the fuzzers).
Trailer decode_trailer_fields(const unsigned char* in);
bool has_magic(const unsigned char* trailer);

// Appends the index and the trailer to `blob`, which holds the payload (it starts the blob):
// the entries, which must be in index order (entry_less), then the string table, each entry's
// name then its path. Throws std::length_error if the index outgrows its 32-bit fields.
void append_index_and_trailer(std::string& blob, const std::vector<Entry>& entries);

std::uint32_t crc32(const void* data, std::size_t size);

// A zstd frame that stores `raw` as it is, in raw blocks (RFC 8878 section 3.1.1), with its
// content size and checksum like every frame zstd writes: reading it is a copy. Blocks go
// through a window of 2^window_log bytes; a frame of one block (up to 128 KiB) needs none.
// Dictionaries are stored so, in one block, and everything at compression level 0.
std::string uncompressed_frame(std::string_view raw, int window_log);
// The bytes inside `frame` (described by `span`) if it is a frame of one raw block, as
// uncompressed_frame writes one; nullptr if it is not. The reader uses dictionaries in place so.
const unsigned char* single_raw_block(const unsigned char* frame, const Span& span);

// Orders entries in the index: by kind, then bytewise by name.
inline bool entry_less(Kind a_kind, std::string_view a_name, Kind b_kind, std::string_view b_name) {
  if (a_kind != b_kind) return a_kind < b_kind;
  return a_name < b_name;
}

}  // namespace freeze::blob

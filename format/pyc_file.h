// The bytecode cache files written beside modules routed to the filesystem, as CPython's
// importlib reads and writes them (PEP 3147 paths, PEP 552 headers). The packager writes them
// (packager/build/layout.cpp); the importer reads them back (importer/code_loading.cpp),
// as python's SourceFileLoader would. No Python here: the interpreter's magic number, version
// and source hash are parameters.
//
// Grammar (docs/blob-format.md, "Bytecode cache files"):
//   path   = [dir "/"] "__pycache__/" stem "." tag [".opt-" level] ".pyc"   ; for dir/stem.py
//   tag    = "cpython-" major minor                                         ; "cpython-311"
//   file   = magic(4) flags(u32 LE) validation(8) code                      ; 16-byte header
//   flags  = 0: validation = mtime(u32 LE) source size(u32 LE)
//            bit 0 set (hash-based): validation = importlib.util.source_hash(source);
//            bit 1 set with it: checked (used only while the source has that hash)
//   code   = marshal.dumps(code object)
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace freeze::blob::pyc {

inline constexpr std::string_view kCacheDirectory = "__pycache__";  // beside the source
inline constexpr std::size_t kHeaderSize = 16;
inline constexpr std::size_t kMagicSize = 4;
inline constexpr std::size_t kSourceHashSize = 8;
inline constexpr std::uint32_t kFlagHashBased = 1u << 0;
inline constexpr std::uint32_t kFlagCheckSource = 1u << 1;

// sys.implementation.cache_tag of CPython major.minor: "cpython-311".
std::string cache_tag(int major, int minor);
// importlib.util.cache_from_source: "dir/mod.py" -> "dir/__pycache__/mod.cpython-311[.opt-N].pyc".
std::string cached_path(std::string_view source_path, std::string_view cache_tag, int optimize);

// A checked hash-based .pyc (flags 0b11), as `py_compile --invalidation-mode checked-hash`
// writes: `magic` is importlib.util.MAGIC_NUMBER, `source_hash` importlib.util.source_hash(source).
std::string encode_checked_hash(std::string_view magic, std::string_view source_hash, std::string_view bytecode);

struct Header {
  std::string_view magic;        // kMagicSize bytes
  std::uint32_t flags = 0;
  std::uint32_t source_mtime = 0;  // flags == 0
  std::uint32_t source_size = 0;   // flags == 0
  std::string_view source_hash;    // kFlagHashBased: kSourceHashSize bytes
  std::string_view code;           // what follows the header (marshalled code)

  bool hash_based() const { return (flags & kFlagHashBased) != 0; }
  bool check_source() const { return (flags & kFlagCheckSource) != 0; }
};
// The header of `file` (views into it), or nullopt if it is shorter than a header.
std::optional<Header> decode(std::string_view file);

}  // namespace freeze::blob::pyc

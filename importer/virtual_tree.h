// The embedded files as a read-only directory tree at the paths the importer hands out
// (__file__, __path__, package data, metadata, extension modules), for the launcher's file
// system layer (launcher/virtual_files.cpp). It is built once, lazily, from the index alone:
// every path comes from entry_file(), the importer's one mapping from an entry to its file, so
// the tree follows whatever layout the packager chose. Directories are every parent of an
// embedded file up to the executable's directory (the root, which is real).
//
// No Python: it is used from any thread, with or without the GIL, and from C libraries'
// calls to open() and stat(). Lookups take no lock once the tree is built.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "format/blob_format.h"

namespace freeze::importer {

class VirtualTree {
 public:
  static constexpr std::uint32_t kNone = UINT32_MAX;

  struct Node {
    std::string path;       // absolute, normalised (no trailing slash)
    std::string_view name;  // last component (points into `path`)
    std::uint32_t parent = kNone;
    bool directory = false;
    blob::Span content;     // files: the stored bytes of the file
    std::vector<std::uint32_t> children;  // directories: sorted by name
  };

  // The tree of the running executable's embedded files (built on first use; thread-safe).
  // Only valid once the importer's context is set.
  static const VirtualTree& instance();

  // The node at `path` (absolute and lexically normalised, see normalise()), or kNone.
  std::uint32_t find(std::string_view path) const;
  const Node& node(std::uint32_t index) const { return nodes_[index]; }
  std::uint32_t root() const { return 0; }
  // True if `path` (absolute, normalised) is the root or below it: only such paths can be virtual.
  bool under_root(std::string_view path) const;

  // Hands the content of a file node to `sink` in pieces (decompressed, checksum verified).
  // Damage ends the process with the one-line message, as everywhere else.
  void read(std::uint32_t index, const std::function<void(const unsigned char*, std::size_t)>& sink) const;

  // Lexical normalisation of an absolute path: no "//", ".", ".." (a ".." above "/" stays at
  // "/") and no trailing slash. The virtual tree has no symbolic links, so below its root this
  // is exactly what the kernel would resolve.
  static std::string normalise(std::string_view absolute);

 private:
  VirtualTree();
  std::uint32_t add_directory(const std::string& path);
  std::vector<Node> nodes_;
  std::unordered_map<std::string, std::uint32_t> by_path_;
  std::string root_;  // the executable's directory
};

}  // namespace freeze::importer

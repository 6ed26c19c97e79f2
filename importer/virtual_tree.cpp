#include "importer/virtual_tree.h"

#include <algorithm>

#include "importer/importer_state.h"

namespace freeze::importer {
namespace {

// The stored bytes a file at the entry's path has, if the entry is a file held in memory.
// A module's file is its source (absent when the build kept none); package data, metadata,
// extension modules and bundled libraries are their data. Namespace packages have no file.
std::optional<blob::Span> file_content(const blob::Entry& entry) {
  if (!entry.in_memory() || entry.path.empty()) return std::nullopt;
  switch (entry.kind) {
    case blob::Kind::Module:
      if (entry.flags & blob::kFlagNamespace) return std::nullopt;
      if (!entry.source().present()) return std::nullopt;
      return entry.source();
    case blob::Kind::Resource:
    case blob::Kind::Metadata:
    case blob::Kind::Extension:
    case blob::Kind::SharedLibrary:
      return entry.data;
    default:
      return std::nullopt;  // settings, dictionaries: not files
  }
}

constexpr std::uint32_t kWholeReadLimit = 1 << 20;

std::string_view parent_of(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == 0 ? std::string_view("/") : path.substr(0, slash);
}

}  // namespace

std::string VirtualTree::normalise(std::string_view absolute) {
  std::string out;
  out.reserve(absolute.size());
  std::size_t i = 0;
  while (i < absolute.size()) {
    while (i < absolute.size() && absolute[i] == '/') ++i;
    const std::size_t end = std::min(absolute.find('/', i), absolute.size());
    const std::string_view part = absolute.substr(i, end - i);
    i = end;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      const std::size_t slash = out.rfind('/');
      out.resize(slash == std::string::npos ? 0 : slash);
      continue;
    }
    out += '/';
    out += part;
  }
  return out.empty() ? "/" : out;
}

const VirtualTree& VirtualTree::instance() {
  // A function-local static rather than std::call_once: call_once runs its function inside
  // glibc's pthread_once, and an exception (std::bad_alloc) crossing glibc's frames needs
  // libgcc_s, which cannot be loaded when memory is short: glibc then aborts. A construction
  // that throws is tried again by the next call.
  static const VirtualTree* const tree = new VirtualTree();  // never freed: C code may call in at exit
  return *tree;
}

bool VirtualTree::under_root(std::string_view path) const {
  if (!path.starts_with(root_)) return false;
  return path.size() == root_.size() || root_ == "/" || path[root_.size()] == '/';
}

std::uint32_t VirtualTree::find(std::string_view path) const {
  const auto it = by_path_.find(std::string(path));
  return it == by_path_.end() ? kNone : it->second;
}

std::uint32_t VirtualTree::add_directory(const std::string& path) {
  if (const auto it = by_path_.find(path); it != by_path_.end()) {
    return nodes_[it->second].directory ? it->second : kNone;  // a file there: no directory
  }
  const std::uint32_t parent = add_directory(std::string(parent_of(path)));
  if (parent == kNone) return kNone;
  const auto index = static_cast<std::uint32_t>(nodes_.size());
  nodes_.push_back(Node{path, {}, parent, true, {}, {}});
  nodes_[parent].children.push_back(index);
  by_path_.emplace(path, index);
  return index;
}

VirtualTree::VirtualTree() : root_(normalise(context().origin_dir)) {
  nodes_.push_back(Node{root_, {}, kNone, true, {}, {}});
  by_path_.emplace(root_, 0);
  const blob::BlobReader& reader = *context().reader;
  for (std::size_t i = 0; i < reader.entry_count(); ++i) {
    blob::Entry entry;
    try {
      entry = reader.entry_at(i);
    } catch (const blob::DamagedError& error) {
      die_damaged(context().executable, error.what());
    }
    const auto content = file_content(entry);
    if (!content) {
      // A module without its source still makes its package's directory exist.
      if (entry.kind == blob::Kind::Module && entry.in_memory() && !entry.path.empty()) {
        const std::string file = normalise(entry_file(entry));
        if (under_root(file) && file != root_) add_directory(std::string(parent_of(file)));
      }
      continue;
    }
    const std::string file = normalise(entry_file(entry));
    if (!under_root(file) || file == root_ || by_path_.contains(file)) continue;  // the first entry at a path wins
    const std::uint32_t parent = add_directory(std::string(parent_of(file)));
    if (parent == kNone) continue;
    const auto index = static_cast<std::uint32_t>(nodes_.size());
    nodes_.push_back(Node{file, {}, parent, false, *content, {}});
    nodes_[parent].children.push_back(index);
    by_path_.emplace(file, index);
  }
  // Names point into the nodes' paths, which no longer move.
  for (Node& node : nodes_) {
    const std::size_t slash = node.path.rfind('/');
    node.name = std::string_view(node.path).substr(slash + 1);
  }
  for (Node& node : nodes_) {
    std::sort(node.children.begin(), node.children.end(),
              [this](std::uint32_t a, std::uint32_t b) { return nodes_[a].name < nodes_[b].name; });
  }
}

void VirtualTree::read(std::uint32_t index, const std::function<void(const unsigned char*, std::size_t)>& sink) const {
  const Node& file = nodes_[index];
  try {
    // Small files (most) in one piece with the thread's reused zstd context; large ones (shared
    // libraries) streamed, so that they never sit whole in memory.
    if (file.content.raw_size <= kWholeReadLimit) {
      const std::string bytes = context().reader->read(file.content);
      sink(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
      return;
    }
    context().reader->read_streaming(file.content, sink);
  } catch (const blob::DamagedError& error) {
    die_damaged(context().executable, file.path + ": " + error.what());
  }
}

}  // namespace freeze::importer

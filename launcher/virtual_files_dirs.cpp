// Directory streams of the virtual tree (see virtual_files.cpp): opendir() of a virtual
// directory returns a stream of ours, listing its embedded files and subdirectories; opendir()
// of a real directory that is also a virtual one (the executable's directory, a directory
// holding files routed beside the executable) lists both, the real entries first. Every
// function taking a DIR* tells ours from glibc's by a registry that is consulted only while
// one of ours is open.
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "launcher/virtual_files_internal.h"

using namespace freeze::launcher::vfs;

namespace {

struct VirtualStream {
  std::vector<dirent64> entries;
  std::size_t position = 0;
  std::uint32_t node = VirtualTree::kNone;
  DIR* real = nullptr;  // merged with a real directory: its stream, already read (for dirfd)
  int fd = -1;          // dirfd() of a virtual directory: made on demand, closed with the stream
};

std::mutex g_streams_mutex;
std::atomic<int> g_stream_count{0};
std::unordered_set<const void*>& streams() {
  static auto* set = new std::unordered_set<const void*>();  // outlives exit-time calls
  return *set;
}

VirtualStream* ours(DIR* dir) {
  if (g_stream_count.load(std::memory_order_acquire) == 0 || dir == nullptr) return nullptr;
  std::lock_guard lock(g_streams_mutex);
  return streams().contains(dir) ? reinterpret_cast<VirtualStream*>(dir) : nullptr;
}

DIR* registered(VirtualStream* stream) {
  std::lock_guard lock(g_streams_mutex);
  streams().insert(stream);
  g_stream_count.fetch_add(1, std::memory_order_release);
  return reinterpret_cast<DIR*>(stream);
}

void add_entry(VirtualStream& stream, std::string_view name, ino64_t inode, unsigned char type) {
  dirent64 entry{};
  entry.d_ino = inode;
  entry.d_off = static_cast<off64_t>(stream.entries.size() + 1);
  entry.d_reclen = sizeof entry;
  entry.d_type = type;
  memcpy(entry.d_name, name.data(), std::min(name.size(), sizeof entry.d_name - 1));
  stream.entries.push_back(entry);
}

void add_children(VirtualStream& stream, const std::unordered_set<std::string>& skip) {
  for (const std::uint32_t child : tree().node(stream.node).children) {
    const VirtualTree::Node& node = tree().node(child);
    if (skip.contains(std::string(node.name))) continue;
    add_entry(stream, node.name, inode_of(child), node.directory ? DT_DIR : DT_REG);
  }
}

// The stream of a virtual directory (which does not exist for real).
DIR* virtual_stream(std::uint32_t node, int fd) {
  auto* stream = new VirtualStream();
  stream->node = node;
  stream->fd = fd;
  const std::uint32_t parent = tree().node(node).parent;
  add_entry(*stream, ".", inode_of(node), DT_DIR);
  add_entry(*stream, "..", parent == VirtualTree::kNone ? inode_of(node) : inode_of(parent), DT_DIR);
  add_children(*stream, {});
  return registered(stream);
}

// A real directory that is a virtual one too: its real entries, then the virtual ones it lacks.
DIR* merged_stream(DIR* real, std::uint32_t node) {
  FREEZE_REAL(readdir64);
  auto* stream = new VirtualStream();
  stream->node = node;
  stream->real = real;
  std::unordered_set<std::string> names;
  const int saved = errno;
  while (const dirent64* entry = real_readdir64(real)) {
    names.insert(entry->d_name);
    stream->entries.push_back(*entry);
    stream->entries.back().d_off = static_cast<off64_t>(stream->entries.size());
  }
  errno = saved;
  add_children(*stream, names);
  return registered(stream);
}

// The stream for `path` once libc's opendir failed: a virtual directory's, or nullptr with
// libc's errno (ENOTDIR for a virtual file).
DIR* open_virtual_stream(const char* path) {
  const int saved = errno;
  const std::uint32_t node = find_virtual(AT_FDCWD, path);
  if (node == VirtualTree::kNone) {
    errno = saved;
    return nullptr;
  }
  if (!tree().node(node).directory) {
    errno = ENOTDIR;
    return nullptr;
  }
  return virtual_stream(node, -1);
}

}  // namespace

// Exported (the launcher's own code is hidden by default): extension modules and the shared
// libraries they load bind to these.
#pragma GCC visibility push(default)
extern "C" {

DIR* opendir(const char* given) {
  return without_exceptions<DIR*>(nullptr, [&]() -> DIR* {
    FREEZE_REAL(opendir);
    const PathArg arg(AT_FDCWD, given);
    const char* path = arg.get();
    DIR* real = real_opendir(path);
    if (real == nullptr) return missing(errno) ? open_virtual_stream(path) : nullptr;
    if (!g_enabled.load(std::memory_order_acquire)) return real;
    const int saved = errno;
    const auto candidate = virtual_candidate(AT_FDCWD, path);
    const std::uint32_t node = candidate ? tree().find(*candidate) : VirtualTree::kNone;
    errno = saved;
    if (node == VirtualTree::kNone || !tree().node(node).directory) return real;
    return merged_stream(real, node);
  });
}

DIR* fdopendir(int fd) {
  return without_exceptions<DIR*>(nullptr, [&]() -> DIR* {
    FREEZE_REAL(fdopendir);
    DIR* real = real_fdopendir(fd);
    if (real != nullptr || errno != ENOTDIR) return real;
    const std::uint32_t node = node_of_fd(fd);
    if (node == VirtualTree::kNone || !tree().node(node).directory) return nullptr;
    return virtual_stream(node, fd);  // the stream owns the descriptor, as with fdopendir
  });
}

dirent64* readdir64(DIR* dir) {
  FREEZE_REAL(readdir64);
  VirtualStream* stream = ours(dir);
  if (stream == nullptr) return real_readdir64(dir);
  if (stream->position >= stream->entries.size()) return nullptr;  // the end: errno unchanged
  return &stream->entries[stream->position++];
}

// struct dirent and dirent64 are one layout on x86-64.
dirent* readdir(DIR* dir) {
  FREEZE_REAL(readdir);
  if (ours(dir) == nullptr) return real_readdir(dir);
  return reinterpret_cast<dirent*>(readdir64(dir));
}

// Deprecated in glibc, still used by old C code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
int readdir64_r(DIR* dir, dirent64* entry, dirent64** result) {
  FREEZE_REAL(readdir64_r);
  if (ours(dir) == nullptr) return real_readdir64_r(dir, entry, result);
  dirent64* next = readdir64(dir);
  if (next != nullptr) *entry = *next;
  *result = next != nullptr ? entry : nullptr;
  return 0;
}

int readdir_r(DIR* dir, dirent* entry, dirent** result) {
  FREEZE_REAL(readdir_r);
  if (ours(dir) == nullptr) return real_readdir_r(dir, entry, result);
  return readdir64_r(dir, reinterpret_cast<dirent64*>(entry), reinterpret_cast<dirent64**>(result));
}
#pragma GCC diagnostic pop

int closedir(DIR* dir) {
  FREEZE_REAL(closedir);
  VirtualStream* stream = ours(dir);
  if (stream == nullptr) return real_closedir(dir);
  {
    std::lock_guard lock(g_streams_mutex);
    streams().erase(stream);
    g_stream_count.fetch_sub(1, std::memory_order_release);
  }
  int result = 0;
  if (stream->real != nullptr) {
    result = real_closedir(stream->real);
  } else if (stream->fd >= 0) {
    result = close(stream->fd);
  }
  delete stream;
  return result;
}

int dirfd(DIR* dir) {
  FREEZE_REAL(dirfd);
  VirtualStream* stream = ours(dir);
  if (stream == nullptr) return real_dirfd(dir);
  if (stream->real != nullptr) return real_dirfd(stream->real);
  if (stream->fd < 0) stream->fd = open_virtual(stream->node, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return stream->fd;
}

void rewinddir(DIR* dir) {
  FREEZE_REAL(rewinddir);
  if (VirtualStream* stream = ours(dir)) {
    stream->position = 0;
  } else {
    real_rewinddir(dir);
  }
}

long telldir(DIR* dir) {
  FREEZE_REAL(telldir);
  VirtualStream* stream = ours(dir);
  return stream == nullptr ? real_telldir(dir) : static_cast<long>(stream->position);
}

void seekdir(DIR* dir, long position) {
  FREEZE_REAL(seekdir);
  if (VirtualStream* stream = ours(dir)) {
    stream->position = std::min(static_cast<std::size_t>(std::max(position, 0L)), stream->entries.size());
  } else {
    real_seekdir(dir, position);
  }
}

// glibc's scandir reads with its internal opendir: a virtual directory is listed here.
static int scandir_virtual(const char* path, dirent64*** list, int (*filter)(const dirent64*),
                           int (*compare)(const dirent64**, const dirent64**)) {
  DIR* dir = open_virtual_stream(path);
  if (dir == nullptr) return -1;
  std::vector<dirent64*> selected;
  while (dirent64* entry = readdir64(dir)) {
    if (filter != nullptr && filter(entry) == 0) continue;
    auto* copy = static_cast<dirent64*>(malloc(sizeof *entry));
    if (copy == nullptr) break;
    *copy = *entry;
    selected.push_back(copy);
  }
  closedir(dir);
  auto* out = static_cast<dirent64**>(malloc(std::max<std::size_t>(selected.size(), 1) * sizeof(dirent64*)));
  if (out == nullptr) {
    for (dirent64* entry : selected) free(entry);
    errno = ENOMEM;
    return -1;
  }
  std::copy(selected.begin(), selected.end(), out);
  if (compare != nullptr) {
    qsort(out, selected.size(), sizeof(dirent64*), reinterpret_cast<int (*)(const void*, const void*)>(compare));
  }
  *list = out;
  return static_cast<int>(selected.size());
}

int scandir64(const char* given, dirent64*** list, int (*filter)(const dirent64*),
              int (*compare)(const dirent64**, const dirent64**)) {
  FREEZE_REAL(scandir64);
  const PathArg arg(AT_FDCWD, given);
  const char* path = arg.get();
  const int result = real_scandir64(path, list, filter, compare);
  if (result >= 0 || !missing(errno)) return result;
  const int saved = errno;
  const int virtual_result = scandir_virtual(path, list, filter, compare);
  if (virtual_result < 0 && missing(errno)) errno = saved;
  return virtual_result;
}

int scandir(const char* path, dirent*** list, int (*filter)(const dirent*),
            int (*compare)(const dirent**, const dirent**)) {
  return scandir64(path, reinterpret_cast<dirent64***>(list), reinterpret_cast<int (*)(const dirent64*)>(filter),
                   reinterpret_cast<int (*)(const dirent64**, const dirent64**)>(compare));
}

}  // extern "C"
#pragma GCC visibility pop

// The virtual file system: the embedded files at the paths the importer hands out, readable
// by Python and by C libraries in the process, from memory, read-only.
//
// Why symbol interposition: the launcher is linked with --export-dynamic and libpython is in
// it statically, so a libc function the executable defines (open, stat, opendir, ...) is the
// one libpython's own calls resolve to at link time, and the one every extension module and
// shared library loaded later binds to (the executable comes first in the global scope). A
// layer in Python (patching io.open, os.stat) would miss C code: libxml2 opening an XSL
// include, OpenSSL a CA file, libyaml, ... Our definitions forward to libc's (dlsym RTLD_NEXT).
//
// Cost for everything else: each call goes to libc first, unchanged. Only when it fails with
// ENOENT/ENOTDIR (the path does not exist for real) is the path made absolute and compared
// with the executable's directory; only below it is the virtual tree (built from the index on
// first need) consulted. So a real file at a virtual path always wins, and a path outside the
// executable's directory costs one compare after a failure and nothing after a success.
// Calls that change the file system are checked first, below the executable's directory
// only: a virtual path that is not real gets EROFS (EEXIST where python would see it exists).
//
// A virtual file opens as a sealed memfd holding its decompressed bytes, reopened read-only
// through /proc/self/fd (so writes fail with EBADF as on a read-only file); nothing touches the
// disk. A virtual directory opens as an empty sealed memfd that the fd-taking calls (fstat,
// fdopendir, openat, fstatat) recognise by its inode. Directory streams are our own objects
// (virtual_files_dirs.cpp). The dynamic loader opens files with its own system calls: dlopen()
// of a virtual path is handed the file's memory file instead (virtual_files_dlopen.cpp);
// extension modules are loaded from memory by the importer.
#include "launcher/virtual_files.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "launcher/virtual_files_internal.h"

namespace freeze::launcher {
namespace vfs {

std::atomic<bool> g_enabled{false};
std::atomic<bool> g_virtual_fds_made{false};
std::atomic<std::uint64_t> g_memfd_device{0};
std::atomic<bool> g_virtual_cwd{false};

namespace {

struct stat g_executable_stat {};
std::mutex g_cwd_mutex;
// Never destroyed, as the other state here: C code calls in after static destructors have run
// (atexit handlers, LeakSanitizer's symbolizer at exit).
std::string& g_cwd = *new std::string();   // the virtual working directory, while g_virtual_cwd
std::string& g_root = *new std::string();  // the executable's directory, normalised, as the tree's root

// True if an absolute path is surely outside the executable's directory without normalising
// it: it does not start with the directory and has no "//", "/." that could make it so.
bool surely_outside(const char* path) {
  if (std::strncmp(path, g_root.c_str(), g_root.size()) == 0) return false;
  return std::strstr(path, "//") == nullptr && std::strstr(path, "/.") == nullptr;
}

// Inode of each memfd made for a virtual node -> the node. Entries are never removed: the kernel
// numbers memfd inodes from an increasing counter, so a number is not given to a later memfd.
std::mutex g_fd_nodes_mutex;
std::unordered_map<std::uint64_t, std::uint32_t>& fd_nodes() {
  static auto* nodes = new std::unordered_map<std::uint64_t, std::uint32_t>();  // outlives exit-time calls
  return *nodes;
}

struct WriteFailed {
  int error;
};

void write_all(int fd, const unsigned char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw WriteFailed{errno};
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

}  // namespace

const VirtualTree& tree() { return VirtualTree::instance(); }

std::optional<std::string> virtual_candidate(int dirfd, const char* path) {
  if (!g_enabled.load(std::memory_order_acquire) || path == nullptr || *path == '\0') return std::nullopt;
  const int saved = errno;
  std::string absolute;
  if (path[0] == '/') {
    if (surely_outside(path)) return std::nullopt;  // no allocation, no tree for other paths
    absolute = path;
  } else if (dirfd == AT_FDCWD) {
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof cwd) == nullptr) {
      errno = saved;
      return std::nullopt;
    }
    absolute = std::string(cwd) + "/" + path;
  } else if (const std::uint32_t node = node_of_fd(dirfd); node != VirtualTree::kNone) {
    absolute = tree().node(node).path + "/" + path;
  } else {
    // A real directory's descriptor: the kernel knows its path.
    char link[64];
    char target[PATH_MAX];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
    FREEZE_REAL(readlink);
    const ssize_t n = real_readlink(link, target, sizeof target - 1);
    if (n <= 0 || target[0] != '/') {
      errno = saved;
      return std::nullopt;
    }
    absolute = std::string(target, static_cast<std::size_t>(n)) + "/" + path;
  }
  errno = saved;
  std::string normalised = VirtualTree::normalise(absolute);
  if (!tree().under_root(normalised)) return std::nullopt;
  return normalised;
}

std::uint32_t find_virtual(int dirfd, const char* path) {
  const auto candidate = virtual_candidate(dirfd, path);
  const std::uint32_t node = candidate ? tree().find(*candidate) : VirtualTree::kNone;
  return node != VirtualTree::kNone && names_directory(path) && !tree().node(node).directory ? VirtualTree::kNone : node;
}

bool names_directory(const char* path) {
  const std::size_t size = std::strlen(path);
  return size > 0 && path[size - 1] == '/';
}

bool really_exists(const std::string& path) {
  const int saved = errno;
  FREEZE_REAL_STAT(lstat);
  struct stat st;
  const bool exists = real_lstat(path.c_str(), &st) == 0;
  errno = saved;
  return exists;
}

void fill_stat(std::uint32_t index, struct stat* out) {
  const VirtualTree::Node& node = tree().node(index);
  std::memset(out, 0, sizeof *out);
  out->st_dev = g_executable_stat.st_dev;
  out->st_ino = inode_of(index);
  out->st_uid = g_executable_stat.st_uid;
  out->st_gid = g_executable_stat.st_gid;
  out->st_atim = g_executable_stat.st_mtim;
  out->st_mtim = g_executable_stat.st_mtim;
  out->st_ctim = g_executable_stat.st_mtim;
  out->st_blksize = 4096;
  if (node.directory) {
    out->st_mode = S_IFDIR | 0555;
    out->st_nlink = 2;
    for (const std::uint32_t child : node.children) out->st_nlink += tree().node(child).directory ? 1 : 0;
    out->st_size = 4096;
  } else {
    out->st_mode = S_IFREG | 0444;
    out->st_nlink = 1;
    out->st_size = node.content.raw_size;
  }
  out->st_blocks = (out->st_size + 511) / 512;
}

void fill_statx(std::uint32_t index, struct statx* out) {
  struct stat st;
  fill_stat(index, &st);
  std::memset(out, 0, sizeof *out);
  out->stx_mask = STATX_BASIC_STATS;
  out->stx_blksize = static_cast<std::uint32_t>(st.st_blksize);
  out->stx_nlink = static_cast<std::uint32_t>(st.st_nlink);
  out->stx_uid = st.st_uid;
  out->stx_gid = st.st_gid;
  out->stx_mode = static_cast<std::uint16_t>(st.st_mode);
  out->stx_ino = st.st_ino;
  out->stx_size = static_cast<std::uint64_t>(st.st_size);
  out->stx_blocks = static_cast<std::uint64_t>(st.st_blocks);
  const auto time = [](const timespec& t) { return statx_timestamp{t.tv_sec, static_cast<std::uint32_t>(t.tv_nsec), 0}; };
  out->stx_atime = out->stx_btime = out->stx_ctime = out->stx_mtime = time(st.st_mtim);
  out->stx_dev_major = major(st.st_dev);
  out->stx_dev_minor = minor(st.st_dev);
}

int open_virtual(std::uint32_t index, int flags) {
  const VirtualTree::Node& node = tree().node(index);
  const std::string name = "freeze:" + std::string(node.name).substr(0, 200);
  const int memfd = memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (memfd < 0) return -1;
  if (!node.directory) {
    try {
      tree().read(index, [memfd](const unsigned char* data, std::size_t size) { write_all(memfd, data, size); });
    } catch (const WriteFailed& failed) {
      ::close(memfd);
      errno = failed.error;
      return -1;
    }
  }
  // Sealed: its bytes can no longer change, through any descriptor or mapping.
  fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
  FREEZE_REAL_STAT(fstat);
  struct stat st;
  if (real_fstat(memfd, &st) == 0) {
    std::lock_guard lock(g_fd_nodes_mutex);
    fd_nodes()[st.st_ino] = index;
    g_memfd_device.store(st.st_dev, std::memory_order_relaxed);
    g_virtual_fds_made.store(true, std::memory_order_release);
  }
  // A read-only descriptor of it, as open(O_RDONLY) of a file gives (its offset at 0). Without
  // /proc the memfd itself serves: the seals keep it read-only all the same.
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", memfd);
  FREEZE_REAL(open);
  const int fd = real_open(link, O_RDONLY | (flags & O_CLOEXEC));
  if (fd >= 0) {
    ::close(memfd);
    return fd;
  }
  lseek(memfd, 0, SEEK_SET);
  if ((flags & O_CLOEXEC) == 0) fcntl(memfd, F_SETFD, 0);
  return memfd;
}

void PathArg::resolve() {
  owned_ = virtual_cwd() + "/" + path_;
  path_ = owned_->c_str();
}

std::string virtual_cwd() {
  std::lock_guard lock(g_cwd_mutex);
  return g_cwd;
}

int enter_virtual_cwd(std::uint32_t node) {
  // The real working directory: the nearest real ancestor (the executable's directory at
  // worst), so that child processes start somewhere sensible.
  FREEZE_REAL(chdir);
  std::uint32_t real = tree().node(node).parent;
  while (real != VirtualTree::kNone && real_chdir(tree().node(real).path.c_str()) != 0) real = tree().node(real).parent;
  if (real == VirtualTree::kNone) return -1;
  std::lock_guard lock(g_cwd_mutex);
  g_cwd = tree().node(node).path;
  g_virtual_cwd.store(true, std::memory_order_release);
  return 0;
}

void leave_virtual_cwd() {
  if (!g_virtual_cwd.load(std::memory_order_acquire)) return;
  std::lock_guard lock(g_cwd_mutex);
  g_virtual_cwd.store(false, std::memory_order_release);
  g_cwd.clear();
}

std::uint32_t node_of_stat(const struct stat& st) {
  if (!g_virtual_fds_made.load(std::memory_order_acquire) ||
      st.st_dev != g_memfd_device.load(std::memory_order_relaxed)) {
    return VirtualTree::kNone;
  }
  std::lock_guard lock(g_fd_nodes_mutex);
  const auto it = fd_nodes().find(st.st_ino);
  return it == fd_nodes().end() ? VirtualTree::kNone : it->second;
}

std::uint32_t node_of_fd(int fd) {
  if (!g_virtual_fds_made.load(std::memory_order_acquire) || fd < 0) return VirtualTree::kNone;
  const int saved = errno;
  FREEZE_REAL_STAT(fstat);
  struct stat st;
  const bool ok = real_fstat(fd, &st) == 0;
  errno = saved;
  return ok ? node_of_stat(st) : VirtualTree::kNone;
}

}  // namespace vfs

bool names_embedded_script(const importer::ImporterContext& context, const std::string& path) {
  using importer::VirtualTree;
  std::string absolute = path;
  if (!path.starts_with("/")) {
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof cwd) == nullptr) return false;
    absolute = std::string(cwd) + "/" + path;
  }
  absolute = VirtualTree::normalise(absolute);
  const std::string root = VirtualTree::normalise(context.origin_dir);
  if (!absolute.starts_with(root + "/")) return false;  // the tree is not built for other paths
  const VirtualTree& tree = VirtualTree::instance();
  const std::uint32_t node = tree.find(absolute);
  if (node == VirtualTree::kNone) return false;
  if (!tree.node(node).directory) {
    return absolute.ends_with(".py") || absolute.ends_with(".pyc") || absolute.ends_with(".pyw");
  }
  return tree.find(absolute + "/__main__.py") != VirtualTree::kNone || tree.find(absolute + "/__main__.pyc") != VirtualTree::kNone;
}

void enable_virtual_files(const importer::ImporterContext& context) {
  FREEZE_REAL_STAT(stat);
  if (real_stat(context.executable.c_str(), &vfs::g_executable_stat) != 0) vfs::g_executable_stat = {};
  vfs::g_root = importer::VirtualTree::normalise(context.origin_dir);
  vfs::g_enabled.store(true, std::memory_order_release);
}

}  // namespace freeze::launcher

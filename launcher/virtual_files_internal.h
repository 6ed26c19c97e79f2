// Shared by the parts of the virtual file system (virtual_files*.cpp): the state, path
// resolution, the stat of a virtual node and the descriptors that stand for virtual files.
#pragma once

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <new>
#include <optional>
#include <string>

#include "importer/virtual_tree.h"

// The libc function `name` that ours hides (the next definition after the executable's).
// Resolved once, on first use; C code may call before main(), so no static constructor.
#define FREEZE_REAL(name)                                                                        \
  static const auto real_##name = reinterpret_cast<decltype(&::name)>(dlsym(RTLD_NEXT, #name))

// The stat family: glibc < 2.33 (Debian 11's 2.31, where a distribution's launcher is built to
// run) exports no stat, lstat, fstat or fstatat (its headers route them to __xstat & co.), so
// dlsym finds none of them there: the real call then goes through the old entry points.
#define FREEZE_REAL_STAT(name) static const auto real_##name = &::freeze::launcher::vfs::portable_##name

namespace freeze::launcher::vfs {
inline constexpr int kStatVersion = 1;  // _STAT_VER_LINUX on x86-64
inline int portable_stat(const char* path, struct stat* out) {
  static const auto direct = reinterpret_cast<int (*)(const char*, struct stat*)>(dlsym(RTLD_NEXT, "stat"));
  static const auto old = reinterpret_cast<int (*)(int, const char*, struct stat*)>(dlsym(RTLD_NEXT, "__xstat"));
  return direct ? direct(path, out) : old(kStatVersion, path, out);
}
inline int portable_lstat(const char* path, struct stat* out) {
  static const auto direct = reinterpret_cast<int (*)(const char*, struct stat*)>(dlsym(RTLD_NEXT, "lstat"));
  static const auto old = reinterpret_cast<int (*)(int, const char*, struct stat*)>(dlsym(RTLD_NEXT, "__lxstat"));
  return direct ? direct(path, out) : old(kStatVersion, path, out);
}
inline int portable_fstat(int fd, struct stat* out) {
  static const auto direct = reinterpret_cast<int (*)(int, struct stat*)>(dlsym(RTLD_NEXT, "fstat"));
  static const auto old = reinterpret_cast<int (*)(int, int, struct stat*)>(dlsym(RTLD_NEXT, "__fxstat"));
  return direct ? direct(fd, out) : old(kStatVersion, fd, out);
}
inline int portable_fstatat(int dirfd, const char* path, struct stat* out, int flags) {
  static const auto direct = reinterpret_cast<int (*)(int, const char*, struct stat*, int)>(dlsym(RTLD_NEXT, "fstatat"));
  static const auto old =
      reinterpret_cast<int (*)(int, int, const char*, struct stat*, int)>(dlsym(RTLD_NEXT, "__fxstatat"));
  return direct ? direct(dirfd, path, out, flags) : old(kStatVersion, dirfd, path, out, flags);
}
}  // namespace freeze::launcher::vfs

namespace freeze::launcher::vfs {

using importer::VirtualTree;

// The functions ours stand in for are C functions, called from C code (libpython, extension
// modules, libxml2...) that an exception cannot cross: running out of memory while serving a
// virtual file is ENOMEM, as glibc's own answer would be.
template <typename Result, typename Body>
Result without_exceptions(Result failure, Body body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    errno = ENOMEM;
  } catch (...) {
    errno = EIO;
  }
  return failure;
}

// Set once the importer's context exists (enable_virtual_files); the tree is built on first need.
extern std::atomic<bool> g_enabled;
// Set once a descriptor standing for a virtual file or directory has been made: only then does
// fstat() look at the device of what it stats.
extern std::atomic<bool> g_virtual_fds_made;
extern std::atomic<std::uint64_t> g_memfd_device;

// While the working directory is a virtual directory (chdir into a package's directory), the
// process's real one is its nearest real ancestor, and relative paths are made absolute
// against the virtual one before libc sees them (PathArg).
extern std::atomic<bool> g_virtual_cwd;
std::string virtual_cwd();
// chdir into the virtual directory `node`: 0, or -1 with errno.
int enter_virtual_cwd(std::uint32_t node);
// After a successful real chdir/fchdir.
void leave_virtual_cwd();

// A path argument as libc must see it. Costs one load and a flag when the working directory
// is real (the rest is out of line).
class PathArg {
 public:
  PathArg(int dirfd, const char* path) : path_(path) {
    if (__builtin_expect(g_virtual_cwd.load(std::memory_order_acquire), false) && dirfd == AT_FDCWD &&
        path != nullptr && *path != '\0' && *path != '/') {
      resolve();
    }
  }
  PathArg(const PathArg&) = delete;
  PathArg& operator=(const PathArg&) = delete;
  const char* get() const { return path_; }

 private:
  void resolve();  // against the virtual working directory
  const char* path_;
  std::optional<std::string> owned_;
};

// True if a failed call's errno says the path may be virtual (it does not exist for real).
inline bool missing(int error) { return error == ENOENT || error == ENOTDIR; }

const VirtualTree& tree();

// The absolute, normalised path that `path` names, relative to `dirfd` (AT_FDCWD: the current
// directory) like the *at() calls; nullopt if it cannot be virtual (outside the executable's
// directory, an empty path, a directory descriptor not known). Keeps errno.
std::optional<std::string> virtual_candidate(int dirfd, const char* path);
// The virtual node `path` names (see virtual_candidate), or VirtualTree::kNone. Keeps errno.
std::uint32_t find_virtual(int dirfd, const char* path);
// True if `path` ends with a slash: only a directory matches it (normalising drops the slash).
bool names_directory(const char* path);

// True if `path` (absolute) exists for real (lstat). Keeps errno.
bool really_exists(const std::string& path);

// Inode number of a virtual node: far above what file systems hand out on the executable's
// device (st_dev is the executable's), stable for the life of the process.
inline std::uint64_t inode_of(std::uint32_t node) { return 0x7f5e000000000000ULL + node; }

// The stat of a virtual node: regular files 0444, directories 0555, owned like the executable,
// with its times; st_dev is the executable's and st_ino a number of its own per node.
void fill_stat(std::uint32_t node, struct stat* out);
void fill_statx(std::uint32_t node, struct statx* out);

// A read-only descriptor for a virtual file (a sealed memfd holding its bytes) or directory
// (an empty sealed memfd that the fd-taking calls recognise). -1 with errno on failure.
int open_virtual(std::uint32_t node, int flags);
// The virtual node a descriptor made by open_virtual stands for (duplicates included), or kNone.
std::uint32_t node_of_fd(int fd);
// Same, for a stat already taken of the descriptor.
std::uint32_t node_of_stat(const struct stat& st);

}  // namespace freeze::launcher::vfs

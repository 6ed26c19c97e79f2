// The libc functions the executable defines in front of glibc's, for paths (see
// virtual_files.cpp): opening, stat, access, readlink/realpath, extended attributes, and the
// calls that would change the virtual tree. Directory streams are in virtual_files_dirs.cpp.
//
// Names: CPython 3.11 (Debian's libpython3.11.a) calls open64, openat64, __open64_2, fopen64,
// stat64, lstat64, fstat64, fstatat64, access, faccessat, opendir, fdopendir, readdir64,
// readlink, realpath...; libxml2 fopen64/open64/stat64 and zlib's gzopen (open); libxslt
// fopen/stat; OpenSSL fopen/open/stat/opendir/readdir. The other spellings (open, __open_2,
// __openat_2, stat, statx, the __xstat family that extensions built against glibc < 2.33 still
// call, ...) are here so that no path to a file escapes. On x86-64 struct stat and stat64 are
// one layout and the *64 functions are aliases in glibc.
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <utime.h>
#include <sys/time.h>

#include "launcher/virtual_files_internal.h"

using namespace freeze::launcher::vfs;

namespace {

// ---- reading ------------------------------------------------------------------------------

bool wants_write(int flags) { return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_TRUNC | O_CREAT)) != 0; }

// What open() does once libc's open failed (or, for a write, before it is tried): the virtual
// file or directory, an error for a change, or libc's own failure (-2: not virtual).
int open_virtual_path(int dirfd, const char* path, int flags) {
  const auto candidate = virtual_candidate(dirfd, path);
  if (!candidate) return -2;
  const std::uint32_t node = tree().find(*candidate);
  if (node == VirtualTree::kNone) {
    // A new file in a virtual directory.
    if ((flags & O_CREAT) != 0) {
      const std::string parent = candidate->substr(0, candidate->rfind('/'));
      const std::uint32_t dir = tree().find(parent.empty() ? "/" : parent);
      if (dir != VirtualTree::kNone && tree().node(dir).directory && !really_exists(parent)) {
        errno = EROFS;
        return -1;
      }
    }
    return -2;
  }
  if (really_exists(*candidate)) return -2;  // a real file wins
  const bool directory = tree().node(node).directory;
  if (!directory && names_directory(path)) {
    errno = ENOTDIR;
    return -1;
  }
  if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
    errno = EEXIST;
  } else if (directory && (flags & O_ACCMODE) != O_RDONLY) {
    errno = EISDIR;
  } else if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0) {
    errno = EROFS;
  } else if (!directory && (flags & O_DIRECTORY) != 0) {
    errno = ENOTDIR;
  } else {
    return open_virtual(node, flags);
  }
  return -1;
}

int do_openat(int dirfd, const char* given, int flags, mode_t mode) {
  return without_exceptions<int>(-1, [&]() -> int {
    FREEZE_REAL(openat);
    const PathArg arg(dirfd, given);
    const char* path = arg.get();
    if (wants_write(flags)) {
      // Checked before libc: creating a file where a virtual one is would hide it.
      const int refused = open_virtual_path(dirfd, path, flags);
      if (refused != -2) return refused;
      return real_openat(dirfd, path, flags, mode);
    }
    const int fd = real_openat(dirfd, path, flags, mode);
    if (fd >= 0 || !missing(errno)) return fd;
    const int saved = errno;
    const int result = open_virtual_path(dirfd, path, flags);
    if (result == -2) errno = saved;
    return result == -2 ? -1 : result;
  });
}

mode_t mode_argument(int flags, va_list args) {
  return (flags & (O_CREAT | O_TMPFILE)) != 0 ? static_cast<mode_t>(va_arg(args, int)) : 0;
}

// stat/lstat/fstatat: libc first, then the virtual node (there are no symbolic links in it, so
// both follow the same way).
int do_fstatat(int dirfd, const char* given, struct stat* out, int flags) {
  return without_exceptions<int>(-1, [&]() -> int {
    FREEZE_REAL_STAT(fstatat);
    const PathArg arg(dirfd, given);
    const char* path = arg.get();
    const int result = real_fstatat(dirfd, path, out, flags);
    if (result == 0) {
      // A descriptor standing for a virtual node (fstat, or AT_EMPTY_PATH).
      if ((flags & AT_EMPTY_PATH) != 0 && path != nullptr && *path == '\0' && g_virtual_fds_made.load()) {
        if (const std::uint32_t node = node_of_stat(*out); node != VirtualTree::kNone) fill_stat(node, out);
      }
      return 0;
    }
    if (!missing(errno)) return result;
    const std::uint32_t node = find_virtual(dirfd, path);
    if (node == VirtualTree::kNone) return result;
    fill_stat(node, out);
    return 0;
  });
}

int do_fstat(int fd, struct stat* out) {
  return without_exceptions<int>(-1, [&]() -> int {
    FREEZE_REAL_STAT(fstat);
    const int result = real_fstat(fd, out);
    if (result == 0 && g_virtual_fds_made.load(std::memory_order_relaxed)) {
      if (const std::uint32_t node = node_of_stat(*out); node != VirtualTree::kNone) fill_stat(node, out);
    }
    return result;
  });
}

int do_faccessat(int dirfd, const char* given, int mode, int flags) {
  return without_exceptions<int>(-1, [&]() -> int {
    FREEZE_REAL(faccessat);
    const PathArg arg(dirfd, given);
    const char* path = arg.get();
    const int result = real_faccessat(dirfd, path, mode, flags);
    if (result == 0 || !missing(errno)) return result;
    const std::uint32_t node = find_virtual(dirfd, path);
    if (node == VirtualTree::kNone) return result;
    if ((mode & W_OK) != 0) {
      errno = EROFS;
      return -1;
    }
    if ((mode & X_OK) != 0 && !tree().node(node).directory) {
      errno = EACCES;
      return -1;
    }
    return 0;
  });
}

// ---- changes ------------------------------------------------------------------------------

// Before a call that changes `path`: the error to give if it names a virtual node that does not
// exist for real (`exists_error` for calls that create, EROFS for the others), or 0 to go on.
int refusal_before(int dirfd, const char* path, int exists_error) {
  const auto candidate = virtual_candidate(dirfd, path);
  if (!candidate || tree().find(*candidate) == VirtualTree::kNone || really_exists(*candidate)) return 0;
  return exists_error;
}

// After such a call failed because `path` does not exist for real: EROFS if it is in a
// directory that only the virtual tree has (the change would be inside the read-only tree),
// else libc's error (a missing file in a real directory stays ENOENT).
void refusal_after(int dirfd, const char* path) {
  if (!missing(errno)) return;
  const int saved = errno;
  const auto candidate = virtual_candidate(dirfd, path);
  if (candidate && *candidate != "/") {
    const std::string parent = candidate->substr(0, std::max<std::size_t>(candidate->rfind('/'), 1));
    const std::uint32_t dir = tree().find(parent);
    if (dir != VirtualTree::kNone && tree().node(dir).directory && !really_exists(parent)) {
      errno = EROFS;
      return;
    }
  }
  errno = saved;
}

// `call` gets the path as libc must see it (PathArg).
template <typename Call>
int guarded(int dirfd, const char* given, int exists_error, Call call) {
  return without_exceptions<int>(-1, [&]() -> int {
    const PathArg arg(dirfd, given);
    const char* path = arg.get();
    if (const int error = refusal_before(dirfd, path, exists_error); error != 0) {
      errno = error;
      return -1;
    }
    const int result = call(path);
    if (result < 0) refusal_after(dirfd, path);
    return result;
  });
}

// A removal (unlink, rmdir): refused for what the virtual tree has; a name that exists neither
// for real nor in the tree stays libc's ENOENT, in a virtual directory too, since removing
// nothing changes nothing (CPython's test support unlinks stale .pyc files that way).
template <typename Call>
int guarded_removal(int dirfd, const char* given, Call call) {
  return without_exceptions<int>(-1, [&]() -> int {
    const PathArg arg(dirfd, given);
    const char* path = arg.get();
    if (const int error = refusal_before(dirfd, path, EROFS); error != 0) {
      errno = error;
      return -1;
    }
    return call(path);
  });
}

// Two paths (rename, link): both are checked.
template <typename Call>
int guarded2(int dirfd1, const char* given1, int dirfd2, const char* path2, int exists_error, Call call) {
  return without_exceptions<int>(-1, [&]() -> int {
    const PathArg arg(dirfd1, given1);
    const char* path1 = arg.get();
    if (const int error = refusal_before(dirfd1, path1, EROFS); error != 0) {
      errno = error;
      return -1;
    }
    return guarded(dirfd2, path2, exists_error, [&](const char* resolved2) { return call(path1, resolved2); });
  });
}

// ---- extended attributes ------------------------------------------------------------------
// An embedded file has none. shutil.copy2 (and so venv, cookiecutter & co.) lists a file's
// attributes to copy them: listing gives an empty list, reading one ENODATA.

template <typename Call>
ssize_t without_attributes(const char* given, bool read_one, Call call) {
  return without_exceptions<ssize_t>(-1, [&]() -> ssize_t {
    const PathArg arg(AT_FDCWD, given);
    const ssize_t result = call(arg.get());
    if (result >= 0 || !missing(errno)) return result;
    if (find_virtual(AT_FDCWD, arg.get()) == VirtualTree::kNone) return result;
    if (!read_one) return 0;
    errno = ENODATA;
    return -1;
  });
}

}  // namespace

// Exported (the launcher's own code is hidden by default): extension modules and the shared
// libraries they load bind to these.
#pragma GCC visibility push(default)
extern "C" {

// ---- open ---------------------------------------------------------------------------------

int open(const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  const mode_t mode = mode_argument(flags, args);
  va_end(args);
  return do_openat(AT_FDCWD, path, flags, mode);
}

int open64(const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  const mode_t mode = mode_argument(flags, args);
  va_end(args);
  return do_openat(AT_FDCWD, path, flags, mode);
}

int openat(int dirfd, const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  const mode_t mode = mode_argument(flags, args);
  va_end(args);
  return do_openat(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  const mode_t mode = mode_argument(flags, args);
  va_end(args);
  return do_openat(dirfd, path, flags, mode);
}

// _FORTIFY_SOURCE's checked variants (no mode: they are only used without O_CREAT).
int __open_2(const char* path, int flags) { return do_openat(AT_FDCWD, path, flags, 0); }
int __open64_2(const char* path, int flags) { return do_openat(AT_FDCWD, path, flags, 0); }
int __openat_2(int dirfd, const char* path, int flags) { return do_openat(dirfd, path, flags, 0); }
int __openat64_2(int dirfd, const char* path, int flags) { return do_openat(dirfd, path, flags, 0); }

int creat(const char* path, mode_t mode) { return do_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode); }
int creat64(const char* path, mode_t mode) { return do_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode); }

// fopen: glibc's opens with its internal open, which we do not see; a virtual file is opened
// with ours and handed to fdopen.
static FILE* fopen_virtual(const char* path, const char* mode, FILE* failed) {
  if (failed != nullptr || !missing(errno) || mode == nullptr) return failed;
  const int saved = errno;
  // Only the modes that read an existing file can be served; others are refused as open() would.
  int flags = O_RDONLY;
  if (mode[0] == 'w' || mode[0] == 'a') flags = O_WRONLY | O_CREAT;
  if (strchr(mode, '+') != nullptr) flags = (flags & ~O_ACCMODE) | O_RDWR;
  if (strchr(mode, 'e') != nullptr) flags |= O_CLOEXEC;
  if (strchr(mode, 'x') != nullptr) flags |= O_EXCL;
  const int fd = open_virtual_path(AT_FDCWD, path, flags);
  if (fd == -2) {
    errno = saved;
    return nullptr;
  }
  if (fd < 0) return nullptr;
  FILE* file = fdopen(fd, mode);
  if (file == nullptr) {
    const int error = errno;
    close(fd);
    errno = error;
  }
  return file;
}

static bool fopen_writes(const char* mode) {
  return mode != nullptr && (mode[0] == 'w' || mode[0] == 'a' || strchr(mode, '+') != nullptr);
}

// A write through fopen below the executable's directory is checked first, as for open():
// true (errno set) if it is refused.
static bool fopen_refused(const char* path, const char* mode) {
  if (!fopen_writes(mode)) return false;
  int flags = (mode[0] == 'r') ? O_RDWR : O_WRONLY | O_CREAT;
  if (strchr(mode, 'x') != nullptr) flags |= O_EXCL;
  const int result = open_virtual_path(AT_FDCWD, path, flags);
  if (result >= 0) close(result);  // a write is never served: cannot happen
  return result == -1;
}

FILE* fopen(const char* given, const char* mode) {
  return without_exceptions<FILE*>(nullptr, [&]() -> FILE* {
    FREEZE_REAL(fopen);
    const PathArg arg(AT_FDCWD, given);
    const char* path = arg.get();
    if (fopen_refused(path, mode)) return nullptr;
    return fopen_virtual(path, mode, real_fopen(path, mode));
  });
}

FILE* fopen64(const char* given, const char* mode) {
  return without_exceptions<FILE*>(nullptr, [&]() -> FILE* {
    FREEZE_REAL(fopen64);
    const PathArg arg(AT_FDCWD, given);
    const char* path = arg.get();
    if (fopen_refused(path, mode)) return nullptr;
    return fopen_virtual(path, mode, real_fopen64(path, mode));
  });
}

// ---- stat ---------------------------------------------------------------------------------

int stat(const char* path, struct stat* out) { return do_fstatat(AT_FDCWD, path, out, 0); }
int stat64(const char* path, struct stat64* out) {
  return do_fstatat(AT_FDCWD, path, reinterpret_cast<struct stat*>(out), 0);
}
int lstat(const char* path, struct stat* out) { return do_fstatat(AT_FDCWD, path, out, AT_SYMLINK_NOFOLLOW); }
int lstat64(const char* path, struct stat64* out) {
  return do_fstatat(AT_FDCWD, path, reinterpret_cast<struct stat*>(out), AT_SYMLINK_NOFOLLOW);
}
int fstatat(int dirfd, const char* path, struct stat* out, int flags) { return do_fstatat(dirfd, path, out, flags); }
int fstatat64(int dirfd, const char* path, struct stat64* out, int flags) {
  return do_fstatat(dirfd, path, reinterpret_cast<struct stat*>(out), flags);
}
int fstat(int fd, struct stat* out) { return do_fstat(fd, out); }
int fstat64(int fd, struct stat64* out) { return do_fstat(fd, reinterpret_cast<struct stat*>(out)); }

// glibc < 2.33 spelled them with a version argument; on x86-64 every version is this layout.
int __xstat(int, const char* path, struct stat* out) { return do_fstatat(AT_FDCWD, path, out, 0); }
int __xstat64(int, const char* path, struct stat64* out) {
  return do_fstatat(AT_FDCWD, path, reinterpret_cast<struct stat*>(out), 0);
}
int __lxstat(int, const char* path, struct stat* out) { return do_fstatat(AT_FDCWD, path, out, AT_SYMLINK_NOFOLLOW); }
int __lxstat64(int, const char* path, struct stat64* out) {
  return do_fstatat(AT_FDCWD, path, reinterpret_cast<struct stat*>(out), AT_SYMLINK_NOFOLLOW);
}
int __fxstat(int, int fd, struct stat* out) { return do_fstat(fd, out); }
int __fxstat64(int, int fd, struct stat64* out) { return do_fstat(fd, reinterpret_cast<struct stat*>(out)); }
int __fxstatat(int, int dirfd, const char* path, struct stat* out, int flags) {
  return do_fstatat(dirfd, path, out, flags);
}
int __fxstatat64(int, int dirfd, const char* path, struct stat64* out, int flags) {
  return do_fstatat(dirfd, path, reinterpret_cast<struct stat*>(out), flags);
}

int statx(int dirfd, const char* given, int flags, unsigned int mask, struct statx* out) {
  return without_exceptions<int>(-1, [&]() -> int {
    FREEZE_REAL(statx);
    const PathArg arg(dirfd, given);
    const char* path = arg.get();
    const int result = real_statx(dirfd, path, flags, mask, out);
    if (result == 0) {
      if ((flags & AT_EMPTY_PATH) != 0 && *path == '\0' && g_virtual_fds_made.load()) {
        if (const std::uint32_t node = node_of_fd(dirfd); node != VirtualTree::kNone) fill_statx(node, out);
      }
      return 0;
    }
    if (!missing(errno)) return result;
    const std::uint32_t node = find_virtual(dirfd, path);
    if (node == VirtualTree::kNone) return result;
    fill_statx(node, out);
    return 0;
  });
}

ssize_t listxattr(const char* path, char* list, size_t size) {
  FREEZE_REAL(listxattr);
  return without_attributes(path, false, [&](const char* p) { return real_listxattr(p, list, size); });
}
ssize_t llistxattr(const char* path, char* list, size_t size) {
  FREEZE_REAL(llistxattr);
  return without_attributes(path, false, [&](const char* p) { return real_llistxattr(p, list, size); });
}
ssize_t getxattr(const char* path, const char* name, void* value, size_t size) {
  FREEZE_REAL(getxattr);
  return without_attributes(path, true, [&](const char* p) { return real_getxattr(p, name, value, size); });
}
ssize_t lgetxattr(const char* path, const char* name, void* value, size_t size) {
  FREEZE_REAL(lgetxattr);
  return without_attributes(path, true, [&](const char* p) { return real_lgetxattr(p, name, value, size); });
}


int access(const char* path, int mode) { return do_faccessat(AT_FDCWD, path, mode, 0); }
int faccessat(int dirfd, const char* path, int mode, int flags) { return do_faccessat(dirfd, path, mode, flags); }
int euidaccess(const char* path, int mode) { return do_faccessat(AT_FDCWD, path, mode, AT_EACCESS); }
int eaccess(const char* path, int mode) { return do_faccessat(AT_FDCWD, path, mode, AT_EACCESS); }

// ---- names --------------------------------------------------------------------------------

// Nothing virtual is a symbolic link.
ssize_t readlinkat(int dirfd, const char* given, char* buffer, size_t size) {
  return without_exceptions<ssize_t>(-1, [&]() -> ssize_t {
    FREEZE_REAL(readlinkat);
    const PathArg arg(dirfd, given);
    const char* path = arg.get();
    const ssize_t result = real_readlinkat(dirfd, path, buffer, size);
    if (result >= 0 || !missing(errno)) return result;
    if (find_virtual(dirfd, path) != VirtualTree::kNone) errno = EINVAL;
    return result;
  });
}

ssize_t readlink(const char* path, char* buffer, size_t size) { return readlinkat(AT_FDCWD, path, buffer, size); }

// The executable's directory is already canonical (from /proc/self/exe) and the tree has no
// links, so a virtual path's real path is its normalised form.
char* realpath(const char* given, char* resolved) {
  return without_exceptions<char*>(nullptr, [&]() -> char* {
    FREEZE_REAL(realpath);
    const PathArg arg(AT_FDCWD, given);
    const char* path = arg.get();
    char* result = real_realpath(path, resolved);
    if (result != nullptr || !missing(errno)) return result;
    const int saved = errno;
    const auto candidate = virtual_candidate(AT_FDCWD, path);
    if (!candidate || tree().find(*candidate) == VirtualTree::kNone) {
      errno = saved;
      return nullptr;
    }
    if (candidate->size() >= PATH_MAX) {
      errno = ENAMETOOLONG;
      return nullptr;
    }
    if (resolved == nullptr) return strdup(candidate->c_str());
    memcpy(resolved, candidate->c_str(), candidate->size() + 1);
    return resolved;
  });
}

char* canonicalize_file_name(const char* path) { return realpath(path, nullptr); }

// ---- the working directory ----------------------------------------------------------------

// chdir into a virtual directory (os.chdir(os.path.dirname(__file__)), then relative paths):
// the working directory becomes virtual (see PathArg), the real one its nearest real ancestor.
int chdir(const char* given) {
  return without_exceptions<int>(-1, [&]() -> int {
    FREEZE_REAL(chdir);
    const PathArg arg(AT_FDCWD, given);
    const char* path = arg.get();
    const int result = real_chdir(path);
    if (result == 0) {
      leave_virtual_cwd();
      return 0;
    }
    if (!missing(errno)) return result;
    const int saved = errno;
    const auto candidate = virtual_candidate(AT_FDCWD, path);
    const std::uint32_t node = candidate ? tree().find(*candidate) : VirtualTree::kNone;
    if (node == VirtualTree::kNone) {
      errno = saved;
      return result;
    }
    if (!tree().node(node).directory) {
      errno = ENOTDIR;
      return -1;
    }
    return enter_virtual_cwd(node);
  });
}

int fchdir(int fd) {
  return without_exceptions<int>(-1, [&]() -> int {
    FREEZE_REAL(fchdir);
    const int result = real_fchdir(fd);
    if (result == 0) {
      leave_virtual_cwd();
      return 0;
    }
    if (errno != ENOTDIR) return result;
    const std::uint32_t node = node_of_fd(fd);
    if (node == VirtualTree::kNone || !tree().node(node).directory) return result;
    return enter_virtual_cwd(node);
  });
}

char* getcwd(char* buffer, size_t size) {
  return without_exceptions<char*>(nullptr, [&]() -> char* {
    FREEZE_REAL(getcwd);
    if (!g_virtual_cwd.load(std::memory_order_acquire)) return real_getcwd(buffer, size);
    const std::string cwd = virtual_cwd();
    if (buffer == nullptr) {
      if (size == 0) return strdup(cwd.c_str());
      buffer = static_cast<char*>(malloc(size));
      if (buffer == nullptr) return nullptr;
    }
    if (size < cwd.size() + 1) {
      errno = size == 0 ? EINVAL : ERANGE;
      return nullptr;
    }
    memcpy(buffer, cwd.c_str(), cwd.size() + 1);
    return buffer;
  });
}

char* get_current_dir_name() { return getcwd(nullptr, 0); }

// ---- changes: refused inside the virtual tree ---------------------------------------------

int mkdir(const char* path, mode_t mode) {
  FREEZE_REAL(mkdir);
  return guarded(AT_FDCWD, path, EEXIST, [&](const char* p) { return real_mkdir(p, mode); });
}
int mkdirat(int dirfd, const char* path, mode_t mode) {
  FREEZE_REAL(mkdirat);
  return guarded(dirfd, path, EEXIST, [&](const char* p) { return real_mkdirat(dirfd, p, mode); });
}
int rmdir(const char* path) {
  FREEZE_REAL(rmdir);
  return guarded_removal(AT_FDCWD, path, [&](const char* p) { return real_rmdir(p); });
}
int unlink(const char* path) {
  FREEZE_REAL(unlink);
  return guarded_removal(AT_FDCWD, path, [&](const char* p) { return real_unlink(p); });
}
int unlinkat(int dirfd, const char* path, int flags) {
  FREEZE_REAL(unlinkat);
  return guarded_removal(dirfd, path, [&](const char* p) { return real_unlinkat(dirfd, p, flags); });
}
int rename(const char* from, const char* to) {
  FREEZE_REAL(rename);
  return guarded2(AT_FDCWD, from, AT_FDCWD, to, EROFS, [&](const char* a, const char* b) { return real_rename(a, b); });
}
int renameat(int from_dirfd, const char* from, int to_dirfd, const char* to) {
  FREEZE_REAL(renameat);
  return guarded2(from_dirfd, from, to_dirfd, to, EROFS, [&](const char* a, const char* b) { return real_renameat(from_dirfd, a, to_dirfd, b); });
}
int renameat2(int from_dirfd, const char* from, int to_dirfd, const char* to, unsigned int flags) {
  FREEZE_REAL(renameat2);
  return guarded2(from_dirfd, from, to_dirfd, to, EROFS,
                  [&](const char* a, const char* b) { return real_renameat2(from_dirfd, a, to_dirfd, b, flags); });
}
int link(const char* from, const char* to) {
  FREEZE_REAL(link);
  return guarded2(AT_FDCWD, from, AT_FDCWD, to, EEXIST, [&](const char* a, const char* b) { return real_link(a, b); });
}
int linkat(int from_dirfd, const char* from, int to_dirfd, const char* to, int flags) {
  FREEZE_REAL(linkat);
  return guarded2(from_dirfd, from, to_dirfd, to, EEXIST, [&](const char* a, const char* b) { return real_linkat(from_dirfd, a, to_dirfd, b, flags); });
}
int symlink(const char* target, const char* path) {
  FREEZE_REAL(symlink);
  return guarded(AT_FDCWD, path, EEXIST, [&](const char* p) { return real_symlink(target, p); });
}
int symlinkat(const char* target, int dirfd, const char* path) {
  FREEZE_REAL(symlinkat);
  return guarded(dirfd, path, EEXIST, [&](const char* p) { return real_symlinkat(target, dirfd, p); });
}
int mkfifo(const char* path, mode_t mode) {
  FREEZE_REAL(mkfifo);
  return guarded(AT_FDCWD, path, EEXIST, [&](const char* p) { return real_mkfifo(p, mode); });
}
int mknod(const char* path, mode_t mode, dev_t dev) {
  FREEZE_REAL(mknod);
  return guarded(AT_FDCWD, path, EEXIST, [&](const char* p) { return real_mknod(p, mode, dev); });
}
int chmod(const char* path, mode_t mode) {
  FREEZE_REAL(chmod);
  return guarded(AT_FDCWD, path, EROFS, [&](const char* p) { return real_chmod(p, mode); });
}
int fchmodat(int dirfd, const char* path, mode_t mode, int flags) {
  FREEZE_REAL(fchmodat);
  return guarded(dirfd, path, EROFS, [&](const char* p) { return real_fchmodat(dirfd, p, mode, flags); });
}
int chown(const char* path, uid_t owner, gid_t group) {
  FREEZE_REAL(chown);
  return guarded(AT_FDCWD, path, EROFS, [&](const char* p) { return real_chown(p, owner, group); });
}
int lchown(const char* path, uid_t owner, gid_t group) {
  FREEZE_REAL(lchown);
  return guarded(AT_FDCWD, path, EROFS, [&](const char* p) { return real_lchown(p, owner, group); });
}
int fchownat(int dirfd, const char* path, uid_t owner, gid_t group, int flags) {
  FREEZE_REAL(fchownat);
  return guarded(dirfd, path, EROFS, [&](const char* p) { return real_fchownat(dirfd, p, owner, group, flags); });
}
int truncate(const char* path, off_t length) {
  FREEZE_REAL(truncate);
  return guarded(AT_FDCWD, path, EROFS, [&](const char* p) { return real_truncate(p, length); });
}
int truncate64(const char* path, off64_t length) {
  FREEZE_REAL(truncate64);
  return guarded(AT_FDCWD, path, EROFS, [&](const char* p) { return real_truncate64(p, length); });
}
int utimensat(int dirfd, const char* path, const struct timespec times[2], int flags) {
  FREEZE_REAL(utimensat);
  return guarded(dirfd, path, EROFS, [&](const char* p) { return real_utimensat(dirfd, p, times, flags); });
}
int utimes(const char* path, const struct timeval times[2]) {
  FREEZE_REAL(utimes);
  return guarded(AT_FDCWD, path, EROFS, [&](const char* p) { return real_utimes(p, times); });
}
int utime(const char* path, const struct utimbuf* times) {
  FREEZE_REAL(utime);
  return guarded(AT_FDCWD, path, EROFS, [&](const char* p) { return real_utime(p, times); });
}

}  // extern "C"
#pragma GCC visibility pop

/* The loops bench/vfs_cost.py counts under callgrind, loaded with ctypes into a frozen
 * executable. The *_interposed loops call stat/open/close through the normal symbol binding, so
 * they reach the launcher's definitions (the executable comes first in the global scope); the
 * *_direct loops call glibc's own functions, found in libc.so.6 itself. The difference per call
 * is what the virtual file system costs every stat/open outside the executable's tree. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static int (*libc_stat)(const char*, struct stat*);
static int (*libc_open)(const char*, int, ...);

static void resolve(void) {
  if (libc_stat != 0) return;
  void* libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  libc_stat = (int (*)(const char*, struct stat*))dlsym(libc, "stat");
  libc_open = (int (*)(const char*, int, ...))dlsym(libc, "open");
}

long stat_interposed(const char* path, long n) {
  struct stat st;
  long ok = 0;
  for (long i = 0; i < n; ++i) ok += stat(path, &st) == 0;
  return ok;
}

long stat_direct(const char* path, long n) {
  resolve();
  struct stat st;
  long ok = 0;
  for (long i = 0; i < n; ++i) ok += libc_stat(path, &st) == 0;
  return ok;
}

long open_interposed(const char* path, long n) {
  long ok = 0;
  for (long i = 0; i < n; ++i) {
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ++ok;
      close(fd);
    }
  }
  return ok;
}

long open_direct(const char* path, long n) {
  resolve();
  long ok = 0;
  for (long i = 0; i < n; ++i) {
    const int fd = libc_open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ++ok;
      close(fd);
    }
  }
  return ok;
}

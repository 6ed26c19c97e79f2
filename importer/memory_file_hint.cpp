#include "importer/memory_file_hint.h"

#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace freeze::importer {
namespace {

// errno of mapping one page of a fresh memory file executable, 0 if that works: what the
// dynamic loader met, asked again (it reports "failed to map segment" without the errno).
int probe_executable_memory_file() {
  const int fd = memfd_create("freeze-probe", MFD_CLOEXEC);
  if (fd < 0) return errno;
  const long page = sysconf(_SC_PAGESIZE);
  int result = 0;
  if (ftruncate(fd, page) != 0) {
    result = errno;
  } else if (void* map = mmap(nullptr, static_cast<std::size_t>(page), PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
             map == MAP_FAILED) {
    result = errno;
  } else {
    munmap(map, static_cast<std::size_t>(page));
  }
  close(fd);
  return result;
}

std::string descriptor_limit() {
  struct rlimit limit {};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return {};
  return " (it is " + std::to_string(limit.rlim_cur) + ")";
}

}  // namespace

std::string memory_file_hint(int error_number, const std::string& loader_error) {
  if (error_number == 0 && access("/proc/self/fd", F_OK) != 0) {
    return " (/proc is not mounted: the dynamic loader opens memory files as /proc/self/fd/N; route it to "
           "prefer-in-memory-fallback-filesystem-relative to load a copy beside the executable instead)";
  }
  if (error_number == 0) {
    // The loader names the errno of an open that failed (it needs a descriptor of its own to
    // open /proc/self/fd/N), not that of a mapping.
    for (const int open_error : {EMFILE, ENFILE, ENOMEM}) {
      if (loader_error.find(std::strerror(open_error)) != std::string::npos) error_number = open_error;
    }
  }
  if (error_number == 0) {
    if (loader_error.find("map") == std::string::npos && loader_error.find("ermi") == std::string::npos) return {};
    error_number = probe_executable_memory_file();
    // Mapping a page works but the library did not map: the address space ran out.
    if (error_number == 0) error_number = ENOMEM;
  }
  switch (error_number) {
    case EMFILE:
      return " (no file descriptor left for a memory file: raise `ulimit -n`" + descriptor_limit() + ")";
    case ENFILE:
      return " (the system's table of open files is full: no descriptor left for a memory file)";
    case ENOMEM:
    case ENOSPC:
    case EFBIG:
      return " (out of memory)";
    case EPERM:
    case EACCES:
    case ENOSYS:
      return " (memory files cannot be created or executed here: a seccomp filter, SELinux or another "
             "noexec policy forbids it; route it to prefer-in-memory-fallback-filesystem-relative "
             "to load a copy beside the executable instead)";
    default:
      return {};
  }
}

}  // namespace freeze::importer

#include "importer/memory_file_hint.h"

#include <doctest/doctest.h>

#include <cerrno>
#include <cstring>
#include <string>

using freeze::importer::memory_file_hint;

TEST_CASE("memory file hints follow the errno") {
  const std::string descriptors = memory_file_hint(EMFILE, "memfd_create: Too many open files");
  CHECK(descriptors.find("ulimit -n") != std::string::npos);
  CHECK(descriptors.find("prefer-in-memory-fallback") == std::string::npos);
  CHECK(memory_file_hint(ENOMEM, "") == " (out of memory)");
  CHECK(memory_file_hint(ENOSPC, "") == " (out of memory)");
  for (const int forbidden : {EPERM, EACCES, ENOSYS}) {
    const std::string hint = memory_file_hint(forbidden, "");
    CHECK(hint.find("seccomp") != std::string::npos);
    CHECK(hint.find("prefer-in-memory-fallback-filesystem-relative") != std::string::npos);
    CHECK(hint.find("memfd_noexec") == std::string::npos);
  }
  CHECK(memory_file_hint(EINVAL, "").empty());
}

TEST_CASE("a loader failure is told by its text, a refused mapping by probing") {
  // The loader's open of /proc/self/fd/N ran out of descriptors.
  const std::string opened = "/proc/self/fd/4: cannot open shared object file: " + std::string(std::strerror(EMFILE));
  CHECK(memory_file_hint(0, opened).find("ulimit -n") != std::string::npos);
  // Not about the memory file at all.
  CHECK(memory_file_hint(0, "/proc/self/fd/4: undefined symbol: PyFoo").empty());
  // Here memory files can be mapped executable: a segment that did not map lacked memory.
  CHECK(memory_file_hint(0, "/proc/self/fd/4: failed to map segment from shared object") == " (out of memory)");
}

// Shared helpers for the fuzz targets in this directory. Each target defines
// LLVMFuzzerTestOneInput; it is linked either with libFuzzer (clang, -DFREEZE_FUZZ=ON) or with
// replay_main.cpp, which runs the checked-in corpus and regressions through it with any compiler
// (the `fuzz-corpus` tests of the default suite).
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace freeze::fuzz {

// A private scratch directory for targets whose code under test reads files by path (wheels,
// app.toml), created once per process under /dev/shm when it exists (tmpfs: no disk I/O per
// input). It is removed at exit.
inline const std::string& scratch_directory() {
  static const std::string path = [] {
    const char* base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string pattern = std::string(base) + "/freeze-fuzz-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("freeze fuzz: mkdtemp");
      std::abort();
    }
    static std::string to_remove = pattern;
    std::atexit([] {
      const std::string command = "rm -rf '" + to_remove + "'";
      if (std::system(command.c_str()) != 0) {
        // Nothing to do: a leftover scratch directory is harmless.
      }
    });
    return pattern;
  }();
  return path;
}

// Replaces `path` with exactly these bytes.
inline void write_whole_file(const std::string& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::perror(path.c_str());
    std::abort();
  }
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n <= 0) {
      std::perror(path.c_str());
      std::abort();
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  ::close(fd);
}

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace freeze::fuzz

// What integrity checking costs a frozen executable (issue #6: "checking must not cost start-up
// time for the common case"). For the executable given, measures:
//   - opening the blob: trailer CRC-32 + index CRC-32, the only check made at every start;
//   - reading resources: decompression with zstd's content checksum verified (what the importer
//     does) against the same decompression with the checksum ignored, for the modules every
//     start needs (encodings, encodings.aliases, encodings.utf_8, ...) and for all modules;
//   - the executable's whole start-up (fork + exec + exit), for scale.
//
//   cmake --build build --target bench_integrity && build/bench_integrity examples/hello/dist/hello
#define ZSTD_STATIC_LINKING_ONLY
#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "format/blob_reader.h"

extern char** environ;

namespace {

namespace blob = freeze::blob;
using Clock = std::chrono::steady_clock;

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

template <typename F>
double median_seconds(int runs, F&& body) {
  std::vector<double> samples;
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    body();
    samples.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  return median(samples);
}

// Decompresses `spans` with the content checksum verified and with it ignored, interleaved (a
// busy machine slows both alike); returns the two medians.
std::pair<double, double> decompress_all(const unsigned char* payload, const std::vector<blob::Span>& spans) {
  ZSTD_DCtx* verify = ZSTD_createDCtx();
  ZSTD_DCtx* ignore = ZSTD_createDCtx();
  ZSTD_DCtx_setParameter(ignore, ZSTD_d_forceIgnoreChecksum, ZSTD_d_ignoreChecksum);
  std::vector<unsigned char> out;
  const auto pass = [&](ZSTD_DCtx* context) {
    const auto start = Clock::now();
    for (const auto& span : spans) {
      out.resize(span.raw_size);
      const std::size_t n = ZSTD_decompressDCtx(context, out.data(), out.size(), payload + span.offset, span.stored_size);
      if (ZSTD_isError(n)) std::fprintf(stderr, "decompression failed: %s\n", ZSTD_getErrorName(n));
    }
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  std::vector<double> verified, ignored;
  for (int i = 0; i < 41; ++i) {
    verified.push_back(pass(verify));
    ignored.push_back(pass(ignore));
  }
  ZSTD_freeDCtx(verify);
  ZSTD_freeDCtx(ignore);
  return {median(verified), median(ignored)};
}

double startup_seconds(const char* path) {
  return median_seconds(21, [&] {
    pid_t pid = 0;
    char* argv[] = {const_cast<char*>(path), nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    if (posix_spawn(&pid, path, &actions, nullptr, argv, environ) == 0) waitpid(pid, nullptr, 0);
    posix_spawn_file_actions_destroy(&actions);
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FROZEN_EXECUTABLE\n", argv[0]);
    return 2;
  }
  const int fd = open(argv[1], O_RDONLY);
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0) {
    std::perror(argv[1]);
    return 1;
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  const auto* file = static_cast<const unsigned char*>(mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0));
  const std::span<const unsigned char> bytes(file, size);

  const blob::BlobReader reader = blob::BlobReader::open(bytes);
  const double open_seconds = median_seconds(201, [&] { (void)blob::BlobReader::open(bytes); });
  const unsigned char* payload = file + reader.blob_offset() + reader.trailer().payload_offset;

  std::vector<blob::Span> startup_spans, all_spans;
  std::uint64_t startup_raw = 0, all_raw = 0;
  for (std::size_t i = 0; i < reader.entry_count(); ++i) {
    const blob::Entry entry = reader.entry_at(i);
    if (entry.kind != blob::Kind::Module || !entry.in_memory() || !entry.data.present()) continue;
    all_spans.push_back(entry.data);
    all_raw += entry.data.raw_size;
    // What every start imports from the blob: the encodings package and its UTF-8 codec.
    if (entry.name == "encodings" || entry.name == "encodings.aliases" || entry.name == "encodings.utf_8") {
      startup_spans.push_back(entry.data);
      startup_raw += entry.data.raw_size;
    }
  }
  const auto [start_verified, start_ignored] = decompress_all(payload, startup_spans);
  const auto [all_verified, all_ignored] = decompress_all(payload, all_spans);
  const double startup = startup_seconds(argv[1]);

  const auto us = [](double seconds) { return seconds * 1e6; };
  std::printf("executable: %s (%zu bytes, %zu index entries, index %llu bytes)\n", argv[1], size, reader.entry_count(),
              static_cast<unsigned long long>(reader.trailer().index_size));
  std::printf("whole start-up (spawn to exit), median:      %9.1f us\n", us(startup));
  std::printf("open: trailer + index CRC-32, median:        %9.1f us  (%.2f%% of start-up)\n", us(open_seconds),
              100 * open_seconds / startup);
  std::printf("start-up modules (%zu, %llu bytes raw): decompress with checksum %7.1f us, without %7.1f us: +%.1f us (%.2f%% of start-up)\n",
              startup_spans.size(), static_cast<unsigned long long>(startup_raw), us(start_verified), us(start_ignored),
              us(start_verified - start_ignored), 100 * (start_verified - start_ignored) / startup);
  std::printf("all modules (%zu, %llu bytes raw): decompress with checksum %9.1f us, without %9.1f us: +%.1f%%\n",
              all_spans.size(), static_cast<unsigned long long>(all_raw), us(all_verified), us(all_ignored),
              100 * (all_verified - all_ignored) / all_ignored);
  return 0;
}

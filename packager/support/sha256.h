// SHA-256 (FIPS 180-4), for checking the hashes in a wheel's RECORD. None of the project's
// dependencies exposes one (libzip and zstd keep theirs private, OpenSSL is not a dependency),
// and the algorithm is small enough to carry here, tested against the standard vectors.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace freeze::packager {

using Sha256Digest = std::array<std::uint8_t, 32>;

// Incremental hashing: update() any number of times, then finish() once.
class Sha256 {
 public:
  Sha256();
  void update(std::string_view data);
  Sha256Digest finish();

 private:
  void compress(const std::uint8_t* block);

  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

Sha256Digest sha256(std::string_view data);

}  // namespace freeze::packager

// SHA-256, for checking the hashes in a wheel's RECORD: OpenSSL's libcrypto (EVP), which
// Debian's python3.11 itself loads for hashlib, so the build machine always has it.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

struct evp_md_ctx_st;  // <openssl/evp.h>: EVP_MD_CTX

namespace freeze::packager {

using Sha256Digest = std::array<std::uint8_t, 32>;

// Incremental hashing: update() any number of times, then finish() once. Throws std::bad_alloc
// if OpenSSL cannot get memory for it.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  Sha256Digest finish();

 private:
  evp_md_ctx_st* context_;
};

Sha256Digest sha256(std::string_view data);

}  // namespace freeze::packager

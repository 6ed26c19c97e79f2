// Unit tests for packager/sha256: the FIPS 180-4 / NIST example vectors, the padding edge cases
// around 55/56/64 bytes, and incremental updates in every split agreeing with one-shot hashing.
#include <doctest/doctest.h>

#include <string>

#include "packager/support/sha256.h"

using freeze::packager::Sha256;
using freeze::packager::sha256;
using freeze::packager::Sha256Digest;

namespace {

std::string hex(const Sha256Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const auto byte : digest) {
    out += kHex[byte >> 4];
    out += kHex[byte & 0xF];
  }
  return out;
}

std::string bytes_0_to_255_three_times() {
  std::string out;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 256; ++i) out += static_cast<char>(i);
  }
  return out;
}

}  // namespace

TEST_CASE("sha256: NIST example vectors") {
  CHECK(hex(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex(sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(hex(sha256("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmn"
                   "opqrstnopqrstu")) == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  CHECK(hex(sha256(std::string(1000000, 'a'))) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256: padding edge cases (the length fits in the last block or needs another)") {
  CHECK(hex(sha256(std::string(55, 'a'))) == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  CHECK(hex(sha256(std::string(56, 'a'))) == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  CHECK(hex(sha256(std::string(64, 'a'))) == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

TEST_CASE("sha256: binary data, and incremental updates equal one-shot hashing") {
  const std::string data = bytes_0_to_255_three_times();
  const std::string expected = "f3a25aa93aa2fbba28d79260535bbd6a5eb0fc1c24a8b0f04e12b484c1dfe363";
  CHECK(hex(sha256(data)) == expected);
  for (std::size_t chunk : {1u, 3u, 63u, 64u, 65u, 127u, 500u}) {
    CAPTURE(chunk);
    Sha256 hasher;
    for (std::size_t i = 0; i < data.size(); i += chunk) hasher.update(std::string_view(data).substr(i, chunk));
    CHECK(hex(hasher.finish()) == expected);
  }
  Sha256 with_empty_updates;
  with_empty_updates.update("");
  with_empty_updates.update(data);
  with_empty_updates.update("");
  CHECK(hex(with_empty_updates.finish()) == expected);
}

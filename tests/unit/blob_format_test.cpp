// Unit tests for the blob format: writer (packager/blob_writer) and reader (importer/blob_reader)
// round trip, settings encoding, launch settings, and damage detection (bit flips, truncation,
// hostile-but-checksummed indexes and trailers).
#include <doctest/doctest.h>

#include <algorithm>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "format/blob_format.h"
#include "format/blob_reader.h"
#include "packager/build/blob_writer.h"
#include "format/launch_settings.h"
#include "packager/support/user_error.h"

namespace blob = freeze::blob;
using freeze::packager::BlobItem;
using freeze::packager::BlobOptions;
using freeze::packager::UserError;
using freeze::packager::write_blob;

namespace {

using Bytes = std::vector<unsigned char>;

// A module's second stored part, its source: an Entry's raw `aux` span (Entry::source() reads
// it for modules), a BlobItem's `source`. Either spelling compiles.
template <class T>
auto& aux(T& x) {
  if constexpr (requires { x.aux; }) {
    return x.aux;
  } else {
    return x.source;
  }
}

std::span<const unsigned char> as_span(const Bytes& bytes) { return {bytes.data(), bytes.size()}; }

Bytes to_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

// `prefix_size` bytes of fake launcher ('L'), then the blob.
Bytes with_launcher(const std::string& blob_bytes, std::size_t prefix_size) {
  Bytes file(prefix_size, static_cast<unsigned char>('L'));
  file.insert(file.end(), blob_bytes.begin(), blob_bytes.end());
  return file;
}

std::string pseudo_random_bytes(std::size_t size, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(rng() & 0xFF);
  return out;
}

BlobItem item(blob::Kind kind, std::string name, std::uint8_t flags, std::optional<std::string> data,
              std::optional<std::string> source = std::nullopt) {
  BlobItem it;
  it.kind = kind;
  it.name = std::move(name);
  it.flags = flags;
  it.data = std::move(data);
  aux(it) = std::move(source);
  return it;
}

blob::Settings sample_settings() {
  return {{blob::keys::kAppName, "demo"},
          {blob::keys::kEntryModule, "zeta"},
          {blob::keys::kEntryFunction, "main"},
          {blob::keys::kIsolated, "1"},
          {blob::keys::kOptimize, "0"},
          {blob::keys::kPythonVersion, "3.11"}};
}

// Items in an order that is deliberately not the index order.
std::vector<BlobItem> round_trip_items() {
  std::vector<BlobItem> items;
  items.push_back(item(blob::Kind::Module, "zeta", 0, std::string("\x00\x01zeta-bytecode\xff", 16),
                       std::string("def main():\n    return 'zeta'\n")));
  items.push_back(item(blob::Kind::SharedLibrary, "libfoo.so.1", 0, pseudo_random_bytes(100000, 7)));
  items.push_back(item(blob::Kind::Module, "alpha", blob::kFlagPackage | blob::kFlagStdlib,
                       std::string("alpha-bytecode"), std::string("# alpha/__init__.py\n")));
  items.push_back(item(blob::Kind::Module, "alpha_", 0, std::string("underscore")));  // '_' sorts after '.'
  items.push_back(item(blob::Kind::Module, "alpha.beta", 0, std::string("beta-bytecode-no-source")));
  items.push_back(item(blob::Kind::Module, "Zulu", 0, std::string("upper-case sorts first"), std::string("")));
  items.push_back(item(blob::Kind::Module, "nspkg", blob::kFlagPackage | blob::kFlagNamespace, std::nullopt));
  items.push_back(item(blob::Kind::Resource, "alpha/empty.txt", 0, std::string("")));  // present, empty
  items.push_back(item(blob::Kind::Resource, "zeta", 0, std::string("a resource named like a module")));
  items.push_back(item(blob::Kind::Metadata, "demo-1.0.dist-info/METADATA", 0,
                       std::string("Metadata-Version: 2.1\nName: demo\n")));
  items.push_back(item(blob::Kind::Extension, "alpha._speedups", 0, std::string(5000, 'E')));
  items.push_back(item(blob::Kind::Settings, std::string(blob::kSettingsEntryName), 0, blob::encode_settings(sample_settings())));
  return items;
}

// A small blob for the exhaustive damage tests.
std::vector<BlobItem> small_items() {
  std::vector<BlobItem> items;
  items.push_back(item(blob::Kind::Settings, std::string(blob::kSettingsEntryName), 0, blob::encode_settings({{"entry.module", "m"}})));
  items.push_back(item(blob::Kind::Module, "m", 0, std::string("bytecode of m, bytecode of m"),
                       std::string("print('hello from m')\n")));
  items.push_back(item(blob::Kind::Module, "pkg", blob::kFlagPackage, std::string("pkg"), std::string("")));
  items.push_back(item(blob::Kind::Resource, "pkg/data.bin", 0, pseudo_random_bytes(40, 3)));
  return items;
}

BlobOptions options(unsigned threads = 2) {
  BlobOptions o;
  o.compression_level = 3;
  o.threads = threads;
  return o;
}

// Every (data, source) content of every entry, in index order, read from an intact reader.
struct Contents {
  std::vector<std::string> data;
  std::vector<std::string> source;
};
Contents read_all(const blob::BlobReader& reader) {
  Contents c;
  for (std::size_t i = 0; i < reader.entry_count(); ++i) {
    const blob::Entry e = reader.entry_at(i);
    c.data.push_back(reader.read(e.data));
    c.source.push_back(reader.read(aux(e)));
  }
  return c;
}

std::string describe(std::size_t position, int bit) {
  std::ostringstream out;
  out << "byte " << position << " bit " << bit;
  return out.str();
}

// Joins up to 20 failure descriptions for a readable doctest message.
std::string summarize(const std::vector<std::string>& failures) {
  std::ostringstream out;
  out << failures.size() << " failure(s)";
  for (std::size_t i = 0; i < failures.size() && i < 20; ++i) out << "\n  " << failures[i];
  return out.str();
}

}  // namespace

TEST_CASE("write_blob + BlobReader round trip behind a launcher") {
  const std::vector<BlobItem> items = round_trip_items();
  const std::string blob_bytes = write_blob(items, options());
  const Bytes file = with_launcher(blob_bytes, 1000);

  REQUIRE(blob::BlobReader::has_blob(as_span(file)));
  const blob::BlobReader reader = blob::BlobReader::open(as_span(file));

  CHECK(reader.entry_count() == items.size());
  CHECK(reader.blob_offset() == 1000);
  const blob::Trailer& trailer = reader.trailer();
  CHECK(trailer.format_version == blob::kFormatVersion);
  CHECK(trailer.entry_count == items.size());
  CHECK(trailer.blob_size == blob_bytes.size());
  CHECK(trailer.payload_offset == 0);
  CHECK(trailer.index_offset == trailer.payload_size);
  CHECK(trailer.index_offset + trailer.index_size + blob::kTrailerSize == trailer.blob_size);

  SUBCASE("find() returns every item with its flags and exact bytes") {
    for (const BlobItem& it : items) {
      CAPTURE(it.name);
      CAPTURE(blob::kind_name(it.kind));
      const auto entry = reader.find(it.kind, it.name);
      REQUIRE(entry.has_value());
      CHECK(entry->kind == it.kind);
      CHECK(entry->name == it.name);
      CHECK(entry->flags == it.flags);
      CHECK(entry->is_package() == ((it.flags & blob::kFlagPackage) != 0));
      CHECK(entry->location == blob::Location::InMemory);
      CHECK(entry->data.present() == it.data.has_value());
      CHECK(aux(*entry).present() == aux(it).has_value());
      CHECK(entry->data.raw_size == (it.data ? it.data->size() : 0));
      CHECK(aux(*entry).raw_size == (aux(it) ? aux(it)->size() : 0));
      CHECK(reader.read(entry->data) == it.data.value_or(""));
      CHECK(reader.read(aux(*entry)) == aux(it).value_or(""));
      // read_into gives the same bytes.
      std::string buffer(entry->data.raw_size, '?');
      reader.read_into(entry->data, reinterpret_cast<unsigned char*>(buffer.data()));
      CHECK(buffer == it.data.value_or(""));
    }
  }

  SUBCASE("specific entries") {
    const auto alpha = reader.find(blob::Kind::Module, "alpha");
    REQUIRE(alpha);
    CHECK(alpha->is_package());
    CHECK((alpha->flags & blob::kFlagStdlib) != 0);
    CHECK(reader.read(aux(*alpha)) == "# alpha/__init__.py\n");

    const auto beta = reader.find(blob::Kind::Module, "alpha.beta");
    REQUIRE(beta);
    CHECK_FALSE(beta->is_package());
    CHECK(beta->data.present());
    CHECK_FALSE(aux(*beta).present());
    CHECK(aux(*beta).stored_size == 0);
    CHECK(reader.read(beta->data) == "beta-bytecode-no-source");

    const auto empty = reader.find(blob::Kind::Resource, "alpha/empty.txt");
    REQUIRE(empty);
    CHECK(empty->data.present());  // an empty resource is still there
    CHECK(empty->data.raw_size == 0);
    CHECK(reader.read(empty->data).empty());

    const auto zulu = reader.find(blob::Kind::Module, "Zulu");
    REQUIRE(zulu);
    CHECK(aux(*zulu).present());  // empty source, but present
    CHECK(reader.read(aux(*zulu)).empty());

    const auto ns = reader.find(blob::Kind::Module, "nspkg");
    REQUIRE(ns);
    CHECK((ns->flags & blob::kFlagNamespace) != 0);
    CHECK_FALSE(ns->data.present());
    CHECK_FALSE(aux(*ns).present());
    CHECK(reader.read(ns->data).empty());

    // Same name, two kinds: two distinct entries.
    const auto zeta_module = reader.find(blob::Kind::Module, "zeta");
    const auto zeta_resource = reader.find(blob::Kind::Resource, "zeta");
    REQUIRE(zeta_module);
    REQUIRE(zeta_resource);
    CHECK(reader.read(zeta_resource->data) == "a resource named like a module");
    CHECK(reader.read(zeta_module->data) == std::string("\x00\x01zeta-bytecode\xff", 16));

    const auto settings = reader.find(blob::Kind::Settings, blob::kSettingsEntryName);
    REQUIRE(settings);
    CHECK(blob::decode_settings(reader.read(settings->data)) == sample_settings());
    const auto launch = blob::LaunchSettings::from(blob::decode_settings(reader.read(settings->data)));
    CHECK(launch.app_name == "demo");
    CHECK(launch.entry_module == "zeta");
    CHECK(launch.entry_function == "main");

    const auto lib = reader.find(blob::Kind::SharedLibrary, "libfoo.so.1");
    REQUIRE(lib);
    CHECK(lib->data.raw_size == 100000);
    CHECK(reader.read(lib->data) == pseudo_random_bytes(100000, 7));
  }

  SUBCASE("find() of a missing name or the wrong kind is nullopt") {
    CHECK_FALSE(reader.find(blob::Kind::Module, "missing").has_value());
    CHECK_FALSE(reader.find(blob::Kind::Module, "").has_value());
    CHECK_FALSE(reader.find(blob::Kind::Module, "alph").has_value());
    CHECK_FALSE(reader.find(blob::Kind::Module, "alpha.").has_value());
    CHECK_FALSE(reader.find(blob::Kind::Module, "alpha.beta.gamma").has_value());
    CHECK_FALSE(reader.find(blob::Kind::Module, "zulu").has_value());  // case matters
    CHECK_FALSE(reader.find(blob::Kind::Module, "zzzz").has_value());
    CHECK_FALSE(reader.find(blob::Kind::Module, "AAAA").has_value());
    CHECK_FALSE(reader.find(blob::Kind::Resource, "alpha").has_value());
    CHECK_FALSE(reader.find(blob::Kind::Extension, "alpha").has_value());
    CHECK_FALSE(reader.find(blob::Kind::Module, blob::kSettingsEntryName).has_value());
    CHECK_FALSE(reader.find(blob::Kind::Settings, "zeta").has_value());
    CHECK_FALSE(reader.find(blob::Kind::Module, "alpha._speedups").has_value());
    CHECK_FALSE(reader.find(blob::Kind::SharedLibrary, "libfoo.so").has_value());
    CHECK_FALSE(reader.find(static_cast<blob::Kind>(9), "alpha").has_value());
  }

  SUBCASE("entry_at iterates in (kind, name) order") {
    const std::vector<std::pair<blob::Kind, std::string>> expected = {
        {blob::Kind::Settings, std::string(blob::kSettingsEntryName)},
        {blob::Kind::Module, "Zulu"},
        {blob::Kind::Module, "alpha"},
        {blob::Kind::Module, "alpha.beta"},
        {blob::Kind::Module, "alpha_"},
        {blob::Kind::Module, "nspkg"},
        {blob::Kind::Module, "zeta"},
        {blob::Kind::Resource, "alpha/empty.txt"},
        {blob::Kind::Resource, "zeta"},
        {blob::Kind::Metadata, "demo-1.0.dist-info/METADATA"},
        {blob::Kind::Extension, "alpha._speedups"},
        {blob::Kind::SharedLibrary, "libfoo.so.1"},
    };
    REQUIRE(reader.entry_count() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      CAPTURE(i);
      const blob::Entry e = reader.entry_at(i);
      CHECK(e.kind == expected[i].first);
      CHECK(e.name == expected[i].second);
      if (i > 0) {
        const blob::Entry prev = reader.entry_at(i - 1);
        CHECK(blob::entry_less(prev.kind, prev.name, e.kind, e.name));
      }
    }
    CHECK_THROWS_AS(reader.entry_at(expected.size()), blob::DamagedError);
    CHECK_THROWS_AS(reader.entry_at(static_cast<std::size_t>(-1)), blob::DamagedError);
  }

  SUBCASE("the blob alone (no launcher) opens with blob_offset 0") {
    const Bytes alone = to_bytes(blob_bytes);
    const auto r = blob::BlobReader::open(as_span(alone));
    CHECK(r.blob_offset() == 0);
    CHECK(r.entry_count() == items.size());
    const auto lib = r.find(blob::Kind::SharedLibrary, "libfoo.so.1");
    REQUIRE(lib);
    CHECK(r.read(lib->data) == pseudo_random_bytes(100000, 7));
  }
}

TEST_CASE("write_blob output does not depend on the thread count or insertion order") {
  std::vector<BlobItem> items = round_trip_items();
  const std::string one = write_blob(items, options(1));
  const std::string two = write_blob(items, options(2));
  std::reverse(items.begin(), items.end());
  const std::string reversed = write_blob(items, options(3));
  CHECK(one == two);
  CHECK(one == reversed);
}

TEST_CASE("write_blob of no items is a valid, empty blob") {
  const std::string blob_bytes = write_blob({}, options());
  CHECK(blob_bytes.size() == blob::kTrailerSize);
  const Bytes file = with_launcher(blob_bytes, 10);
  const auto reader = blob::BlobReader::open(as_span(file));
  CHECK(reader.entry_count() == 0);
  CHECK(reader.blob_offset() == 10);
  CHECK_FALSE(reader.find(blob::Kind::Settings, blob::kSettingsEntryName).has_value());
  CHECK_THROWS_AS(reader.entry_at(0), blob::DamagedError);
}

TEST_CASE("write_blob rejects a duplicate (kind, name)") {
  std::vector<BlobItem> items;
  items.push_back(item(blob::Kind::Module, "dup", 0, std::string("one")));
  items.push_back(item(blob::Kind::Module, "other", 0, std::string("x")));
  items.push_back(item(blob::Kind::Module, "dup", blob::kFlagPackage, std::string("two")));  // not adjacent
  CHECK_THROWS_AS(write_blob(items, options()), UserError);
  try {
    write_blob(items, options());
  } catch (const UserError& error) {
    CHECK(std::string(error.what()).find("dup") != std::string::npos);
  }

  // The same name under different kinds is fine.
  std::vector<BlobItem> distinct;
  distinct.push_back(item(blob::Kind::Module, "dup", 0, std::string("one")));
  distinct.push_back(item(blob::Kind::Resource, "dup", 0, std::string("two")));
  distinct.push_back(item(blob::Kind::Extension, "dup", 0, std::string("three")));
  CHECK_NOTHROW(write_blob(distinct, options()));

  // Duplicates of an item without any data are duplicates too.
  std::vector<BlobItem> empty_dups;
  empty_dups.push_back(item(blob::Kind::Module, "ns", blob::kFlagNamespace, std::nullopt));
  empty_dups.push_back(item(blob::Kind::Module, "ns", blob::kFlagNamespace, std::nullopt));
  CHECK_THROWS_AS(write_blob(empty_dups, options()), UserError);
}

TEST_CASE("encode_settings / decode_settings") {
  SUBCASE("round trip, including empty keys/values and binary bytes") {
    const blob::Settings settings = {
        {"", "empty key"},
        {"empty.value", ""},
        {"binary", std::string("\x00\x01\xff\xfe\n\r\x00", 7)},
        {std::string("key\x00with nul", 12), "v"},
        {"long", std::string(70000, 'x')},
        {"utf8", "h\xc3\xa9llo"},
    };
    const std::string encoded = blob::encode_settings(settings);
    CHECK(blob::decode_settings(encoded) == settings);
  }
  SUBCASE("the empty map is the empty string") {
    CHECK(blob::encode_settings({}).empty());
    CHECK(blob::decode_settings("").empty());
  }
  SUBCASE("layout: u32 little-endian sizes") {
    const std::string encoded = blob::encode_settings({{"ab", "xyz"}});
    CHECK(encoded == std::string("\x02\x00\x00\x00" "ab" "\x03\x00\x00\x00" "xyz", 13));
  }
  SUBCASE("a truncated record throws DamagedError") {
    const blob::Settings settings = {{"a", "1"}, {"bb", ""}, {"ccc", "333"}};
    const std::string encoded = blob::encode_settings(settings);
    // Record boundaries: after each complete (key, value) pair.
    std::vector<std::size_t> boundaries = {0};
    for (const auto& [k, v] : settings) boundaries.push_back(boundaries.back() + 8 + k.size() + v.size());
    REQUIRE(boundaries.back() == encoded.size());
    for (std::size_t length = 0; length < encoded.size(); ++length) {
      CAPTURE(length);
      const std::string_view prefix(encoded.data(), length);
      const auto b = std::find(boundaries.begin(), boundaries.end(), length);
      if (b == boundaries.end()) {
        CHECK_THROWS_AS(blob::decode_settings(prefix), blob::DamagedError);
      } else {
        // A prefix that ends exactly between records is a valid, shorter record.
        const auto decoded = blob::decode_settings(prefix);
        CHECK(decoded.size() == static_cast<std::size_t>(b - boundaries.begin()));
      }
    }
    // Key without a value.
    CHECK_THROWS_AS(blob::decode_settings(std::string("\x01\x00\x00\x00k", 5)), blob::DamagedError);
    // A size that claims more than there is (and would overflow 32-bit arithmetic).
    CHECK_THROWS_AS(blob::decode_settings(std::string("\xff\xff\xff\xff" "abc", 7)), blob::DamagedError);
    CHECK_THROWS_AS(blob::decode_settings(std::string("\x00\x00\x00\x00\xff\xff\xff\xff", 8)), blob::DamagedError);
  }
}

TEST_CASE("damage in the index or trailer is detected at open") {
  const std::string blob_bytes = write_blob(small_items(), options());
  const std::size_t prefix = 100;
  const Bytes original = with_launcher(blob_bytes, prefix);
  const auto intact = blob::BlobReader::open(as_span(original));
  const std::size_t index_start = prefix + intact.trailer().index_offset;
  REQUIRE(index_start + intact.trailer().index_size + blob::kTrailerSize == original.size());

  std::vector<std::string> failures;
  Bytes file = original;
  for (std::size_t pos = index_start; pos < file.size(); ++pos) {
    for (int bit = 0; bit < 8; ++bit) {
      file[pos] ^= static_cast<unsigned char>(1u << bit);
      try {
        (void)blob::BlobReader::open(as_span(file));
        failures.push_back(describe(pos, bit) + ": open() accepted it");
      } catch (const blob::DamagedError&) {
        // expected
      } catch (const std::exception& e) {
        failures.push_back(describe(pos, bit) + ": wrong exception: " + e.what());
      }
      file[pos] ^= static_cast<unsigned char>(1u << bit);
    }
  }
  REQUIRE(file == original);
  INFO(summarize(failures));
  CHECK(failures.empty());
}

TEST_CASE("damage in the payload is detected when the resource is read") {
  const std::string blob_bytes = write_blob(small_items(), options());
  const std::size_t prefix = 100;
  const Bytes original = with_launcher(blob_bytes, prefix);
  const auto intact = blob::BlobReader::open(as_span(original));
  const Contents expected = read_all(intact);
  const std::size_t payload_start = prefix + intact.trailer().payload_offset;
  const std::size_t payload_end = payload_start + intact.trailer().payload_size;
  REQUIRE(payload_end > payload_start);

  std::vector<std::string> failures;
  std::size_t detected = 0;
  Bytes file = original;
  for (std::size_t pos = payload_start; pos < payload_end; ++pos) {
    for (int bit = 0; bit < 8; ++bit) {
      file[pos] ^= static_cast<unsigned char>(1u << bit);
      try {
        // The payload is not checksummed at open (only when read), so open succeeds.
        const auto reader = blob::BlobReader::open(as_span(file));
        bool any_error = false;
        for (std::size_t i = 0; i < reader.entry_count(); ++i) {
          const blob::Entry e = reader.entry_at(i);
          for (int part = 0; part < 2; ++part) {
            const blob::Span& span = part == 0 ? e.data : aux(e);
            const std::string& want = part == 0 ? expected.data[i] : expected.source[i];
            try {
              const std::string got = reader.read(span);
              if (got != want) {
                failures.push_back(describe(pos, bit) + ": '" + std::string(e.name) +
                                   (part == 0 ? "' data" : "' source") + " read back wrong bytes silently");
              }
            } catch (const blob::DamagedError&) {
              any_error = true;
            }
          }
        }
        if (any_error) ++detected;
      } catch (const blob::DamagedError& e) {
        failures.push_back(describe(pos, bit) + ": open() failed on payload damage: " + e.what());
      } catch (const std::exception& e) {
        failures.push_back(describe(pos, bit) + ": wrong exception: " + e.what());
      }
      file[pos] ^= static_cast<unsigned char>(1u << bit);
    }
  }
  REQUIRE(file == original);
  INFO(summarize(failures));
  CHECK(failures.empty());
  // Nearly every flip must actually be reported (only bits zstd ignores may pass unnoticed,
  // and then the bytes must be right, which is checked above).
  const std::size_t flips = (payload_end - payload_start) * 8;
  MESSAGE("payload flips: " << flips << ", reported as DamagedError: " << detected);
  CHECK(detected * 10 >= flips * 9);
}

TEST_CASE("a truncated file is rejected") {
  const std::string blob_bytes = write_blob(small_items(), options());
  const Bytes original = with_launcher(blob_bytes, 100);
  std::vector<std::string> failures;
  for (std::size_t length = 0; length < original.size(); ++length) {
    const Bytes file(original.begin(), original.begin() + static_cast<std::ptrdiff_t>(length));
    try {
      (void)blob::BlobReader::open(as_span(file));
      failures.push_back("length " + std::to_string(length) + ": open() accepted it");
    } catch (const blob::DamagedError&) {
      // expected (has_blob may be false too: both are fine)
    } catch (const std::exception& e) {
      failures.push_back("length " + std::to_string(length) + ": wrong exception: " + e.what());
    }
  }
  INFO(summarize(failures));
  CHECK(failures.empty());

  SUBCASE("cutting the front: launcher bytes may go, blob bytes may not") {
    for (std::size_t cut = 0; cut <= 100; ++cut) {
      const Bytes file(original.begin() + static_cast<std::ptrdiff_t>(cut), original.end());
      const auto reader = blob::BlobReader::open(as_span(file));
      CHECK(reader.blob_offset() == 100 - cut);
    }
    for (std::size_t cut = 101; cut < original.size(); ++cut) {
      CAPTURE(cut);
      const Bytes file(original.begin() + static_cast<std::ptrdiff_t>(cut), original.end());
      CHECK_THROWS_AS(blob::BlobReader::open(as_span(file)), blob::DamagedError);
    }
  }
  SUBCASE("bytes appended after the trailer hide the blob") {
    Bytes file = original;
    file.push_back(0);
    CHECK_FALSE(blob::BlobReader::has_blob(as_span(file)));
    CHECK_THROWS_AS(blob::BlobReader::open(as_span(file)), blob::DamagedError);
  }
}

TEST_CASE("has_blob is false for random bytes and short input") {
  std::mt19937 rng(12345);
  for (const std::size_t size : {0u, 1u, 8u, 63u, 64u, 65u, 1000u, 100000u}) {
    CAPTURE(size);
    Bytes file(size);
    for (auto& b : file) b = static_cast<unsigned char>(rng() & 0xFF);
    CHECK_FALSE(blob::BlobReader::has_blob(as_span(file)));
    CHECK_THROWS_AS(blob::BlobReader::open(as_span(file)), blob::DamagedError);
  }
  // The magic alone is not enough: has_blob says "something is there", open says it is damaged.
  Bytes fake(blob::kTrailerSize, 0);
  std::copy(blob::kMagic.begin(), blob::kMagic.end(), fake.end() - static_cast<std::ptrdiff_t>(blob::kMagic.size()));
  CHECK(blob::BlobReader::has_blob(as_span(fake)));
  CHECK_THROWS_AS(blob::BlobReader::open(as_span(fake)), blob::DamagedError);
  // Shorter than a trailer, even if it ends with the magic.
  const Bytes short_magic(blob::kMagic.begin(), blob::kMagic.end());
  CHECK_FALSE(blob::BlobReader::has_blob(as_span(short_magic)));
  CHECK_THROWS_AS(blob::BlobReader::open(as_span(short_magic)), blob::DamagedError);
}

TEST_CASE("trailer encoding and validation") {
  blob::Trailer t;
  t.entry_count = 3;
  t.blob_size = 0x0102030405060708ULL;
  t.payload_offset = 11;
  t.payload_size = 22;
  t.index_offset = 33;
  t.index_size = 44;
  t.index_crc32 = 0xdeadbeef;
  unsigned char raw[blob::kTrailerSize];
  blob::encode_trailer(t, raw);
  CHECK(blob::has_magic(raw));
  const blob::Trailer back = blob::decode_trailer(raw);
  CHECK(back.format_version == blob::kFormatVersion);
  CHECK(back.entry_count == 3);
  CHECK(back.blob_size == 0x0102030405060708ULL);
  CHECK(back.payload_offset == 11);
  CHECK(back.payload_size == 22);
  CHECK(back.index_offset == 33);
  CHECK(back.index_size == 44);
  CHECK(back.index_crc32 == 0xdeadbeef);
  CHECK(raw[8] == 0x08);  // little-endian
  CHECK(raw[15] == 0x01);

  blob::Trailer future = t;
  future.format_version = 2;
  blob::encode_trailer(future, raw);  // valid checksum, unknown version
  CHECK_THROWS_AS(blob::decode_trailer(raw), blob::DamagedError);

  blob::RawEntry entry;
  entry.name_offset = 5;
  entry.name_size = 6;
  entry.kind = blob::Kind::Extension;
  entry.flags = blob::kFlagStdlib;
  entry.location = blob::Location::FilesystemRelative;
  entry.data = {1, 2, 3};
  aux(entry) = {0xFFFFFFFFFFULL, 0xFFFFFFFF, 7};
  unsigned char raw_entry[blob::kEntrySize];
  blob::encode_entry(entry, raw_entry);
  const blob::RawEntry decoded = blob::decode_entry(raw_entry);
  CHECK(decoded.name_offset == 5);
  CHECK(decoded.name_size == 6);
  CHECK(decoded.kind == blob::Kind::Extension);
  CHECK(decoded.flags == blob::kFlagStdlib);
  CHECK(decoded.location == blob::Location::FilesystemRelative);
  CHECK(decoded.data.offset == 1);
  CHECK(decoded.data.stored_size == 2);
  CHECK(decoded.data.raw_size == 3);
  CHECK(aux(decoded).offset == 0xFFFFFFFFFFULL);
  CHECK(aux(decoded).stored_size == 0xFFFFFFFF);
  CHECK(aux(decoded).raw_size == 7);

  const char text[] = "123456789";
  CHECK(blob::crc32(text, 9) == 0xCBF43926u);  // the standard CRC-32 check value
  CHECK(blob::crc32(text, 0) == 0u);
}

// A hostile file can carry a valid checksum over nonsense: the reader must still bounds-check
// every offset and answer DamagedError (or a harmless result), never read outside the buffer.
TEST_CASE("a hostile index with valid checksums is bounds-checked") {
  const std::string blob_bytes = write_blob(small_items(), options());
  const std::size_t prefix = 16;
  const Bytes original = with_launcher(blob_bytes, prefix);
  const auto intact = blob::BlobReader::open(as_span(original));
  const blob::Trailer trailer = intact.trailer();
  const std::size_t index_start = prefix + trailer.index_offset;
  const std::size_t entries_size = std::size_t{trailer.entry_count} * blob::kEntrySize;

  // Re-signs the index and the trailer after a change to the index bytes.
  const auto resign = [&](Bytes& file) {
    blob::Trailer t = trailer;
    t.index_crc32 = blob::crc32(file.data() + index_start, trailer.index_size);
    blob::encode_trailer(t, file.data() + file.size() - blob::kTrailerSize);
  };

  std::vector<std::string> failures;
  // Poke each entry field with values at and beyond the boundaries.
  const std::uint64_t values[] = {0, 1, 7, 0x7F, 0xFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFFULL};
  struct Field {
    std::size_t offset;
    std::size_t width;
  };
  std::vector<Field> fields = {{0, 4}, {4, 4}, {8, 1}, {9, 1}, {10, 1}, {16, 8}, {24, 4}, {28, 4}, {32, 8}, {40, 4}, {44, 4}};
  // Any fields past the two spans (a path into the string table, if the entry has one).
  for (std::size_t offset = 48; offset + 4 <= blob::kEntrySize; offset += 4) fields.push_back({offset, 4});
  for (std::size_t e = 0; e < trailer.entry_count; ++e) {
    for (const Field& field : fields) {
      for (std::uint64_t value : values) {
        for (const std::int64_t delta : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{1}}) {
          Bytes file = original;
          unsigned char* at = file.data() + index_start + e * blob::kEntrySize + field.offset;
          // value relative to the current field value when delta != 0 and value == 0
          std::uint64_t current = 0;
          for (std::size_t b = 0; b < field.width; ++b) current |= std::uint64_t{at[b]} << (8 * b);
          const std::uint64_t v = value == 0 && delta != 0 ? current + static_cast<std::uint64_t>(delta) : value;
          for (std::size_t b = 0; b < field.width; ++b) at[b] = static_cast<unsigned char>(v >> (8 * b));
          resign(file);
          const std::string what = "entry " + std::to_string(e) + " field@" + std::to_string(field.offset) +
                                   " = " + std::to_string(v);
          try {
            const auto reader = blob::BlobReader::open(as_span(file));
            for (std::size_t i = 0; i < reader.entry_count(); ++i) {
              try {
                const blob::Entry entry = reader.entry_at(i);
                (void)reader.find(entry.kind, entry.name);
                for (const blob::Span* span : {&entry.data, &aux(entry)}) {
                  if (span->raw_size > (1u << 20)) continue;  // read() would allocate raw_size first
                  try {
                    (void)reader.read(*span);
                  } catch (const blob::DamagedError&) {
                  }
                }
              } catch (const blob::DamagedError&) {
              }
            }
            for (const auto& it : small_items()) {
              try {
                (void)reader.find(it.kind, it.name);
              } catch (const blob::DamagedError&) {
              }
            }
          } catch (const blob::DamagedError&) {
          } catch (const std::exception& ex) {
            failures.push_back(what + ": wrong exception: " + ex.what());
          }
        }
      }
    }
  }
  INFO(summarize(failures));
  CHECK(failures.empty());

  SUBCASE("a name out of the string table is DamagedError") {
    Bytes file = original;
    unsigned char* entry0 = file.data() + index_start;
    const std::uint32_t strings_size = static_cast<std::uint32_t>(trailer.index_size - entries_size);
    entry0[0] = static_cast<unsigned char>(strings_size);  // name_offset = strings_size, name_size stays > 0
    entry0[1] = static_cast<unsigned char>(strings_size >> 8);
    entry0[2] = entry0[3] = 0;
    resign(file);
    const auto reader = blob::BlobReader::open(as_span(file));
    CHECK_THROWS_AS(reader.entry_at(0), blob::DamagedError);
  }
  SUBCASE("a span outside the payload is DamagedError") {
    Bytes file = original;
    unsigned char* entry0 = file.data() + index_start;
    const std::uint64_t offset = trailer.payload_size;  // stored_size > 0 past the end
    for (int b = 0; b < 8; ++b) entry0[16 + b] = static_cast<unsigned char>(offset >> (8 * b));
    resign(file);
    const auto reader = blob::BlobReader::open(as_span(file));
    CHECK_THROWS_AS(reader.entry_at(0), blob::DamagedError);
  }
  SUBCASE("a raw size that does not match the frame is DamagedError") {
    Bytes file = original;
    unsigned char* entry0 = file.data() + index_start;
    entry0[28] ^= 1;  // data.raw_size
    resign(file);
    const auto reader = blob::BlobReader::open(as_span(file));
    const blob::Entry e = reader.entry_at(0);
    CHECK_THROWS_AS(reader.read(e.data), blob::DamagedError);
  }
  SUBCASE("an absent span with a size is DamagedError") {
    blob::Span span;
    span.raw_size = 3;
    CHECK_THROWS_AS(intact.read(span), blob::DamagedError);
  }
}

TEST_CASE("a hostile trailer with valid checksums is bounds-checked") {
  const std::string blob_bytes = write_blob(small_items(), options());
  const std::size_t prefix = 16;
  const Bytes original = with_launcher(blob_bytes, prefix);
  const blob::Trailer trailer = blob::BlobReader::open(as_span(original)).trailer();

  std::vector<std::string> failures;
  const auto try_trailer = [&](const blob::Trailer& t, const std::string& what) {
    Bytes file = original;
    blob::Trailer signed_t = t;
    // Sign whatever index region the trailer now designates, when it lies in the file.
    const std::uint64_t size = file.size();
    if (t.blob_size <= size && t.blob_size >= blob::kTrailerSize) {
      const std::uint64_t body = t.blob_size - blob::kTrailerSize;
      if (t.index_offset <= body && t.index_size <= body - t.index_offset) {
        const unsigned char* blob_start = file.data() + (size - t.blob_size);
        signed_t.index_crc32 = blob::crc32(blob_start + t.index_offset, t.index_size);
      }
    }
    blob::encode_trailer(signed_t, file.data() + file.size() - blob::kTrailerSize);
    try {
      const auto reader = blob::BlobReader::open(as_span(file));
      for (std::size_t i = 0; i < reader.entry_count(); ++i) {
        try {
          const blob::Entry entry = reader.entry_at(i);
          for (const blob::Span* span : {&entry.data, &aux(entry)}) {
            if (span->raw_size > (1u << 20)) continue;
            try {
              (void)reader.read(*span);
            } catch (const blob::DamagedError&) {
            }
          }
        } catch (const blob::DamagedError&) {
        }
      }
      for (const auto& it : small_items()) {
        try {
          (void)reader.find(it.kind, it.name);
        } catch (const blob::DamagedError&) {
        }
      }
    } catch (const blob::DamagedError&) {
    } catch (const std::exception& ex) {
      failures.push_back(what + ": wrong exception: " + ex.what());
    }
  };

  for (int bit = 0; bit < 64; ++bit) {
    const std::uint64_t mask = std::uint64_t{1} << bit;
    const std::string b = " bit " + std::to_string(bit);
    blob::Trailer t = trailer;
    if (bit < 32) {
      t = trailer;
      t.entry_count ^= static_cast<std::uint32_t>(mask);
      try_trailer(t, "entry_count" + b);
    }
    t = trailer;
    t.blob_size ^= mask;
    try_trailer(t, "blob_size" + b);
    t = trailer;
    t.payload_offset ^= mask;
    try_trailer(t, "payload_offset" + b);
    t = trailer;
    t.payload_size ^= mask;
    try_trailer(t, "payload_size" + b);
    t = trailer;
    t.index_offset ^= mask;
    try_trailer(t, "index_offset" + b);
    t = trailer;
    t.index_size ^= mask;
    try_trailer(t, "index_size" + b);
  }
  for (const std::uint64_t v : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{63}, std::uint64_t{64},
                                ~std::uint64_t{0}, ~std::uint64_t{0} - 63}) {
    blob::Trailer t = trailer;
    t.blob_size = v;
    try_trailer(t, "blob_size=" + std::to_string(v));
    t = trailer;
    t.payload_size = v;
    try_trailer(t, "payload_size=" + std::to_string(v));
    t = trailer;
    t.index_offset = v;
    try_trailer(t, "index_offset=" + std::to_string(v));
    t = trailer;
    t.index_size = v;
    try_trailer(t, "index_size=" + std::to_string(v));
  }
  INFO(summarize(failures));
  CHECK(failures.empty());

  // An index checksum that does not match is refused even with a valid trailer checksum.
  blob::Trailer bad = trailer;
  bad.index_crc32 ^= 1;
  Bytes file = original;
  blob::encode_trailer(bad, file.data() + file.size() - blob::kTrailerSize);
  CHECK_THROWS_AS(blob::BlobReader::open(as_span(file)), blob::DamagedError);

  // A trailer claiming more entries than its index holds.
  bad = trailer;
  bad.entry_count = static_cast<std::uint32_t>(trailer.index_size / blob::kEntrySize + 1);
  file = original;
  blob::encode_trailer(bad, file.data() + file.size() - blob::kTrailerSize);
  CHECK_THROWS_AS(blob::BlobReader::open(as_span(file)), blob::DamagedError);
}

TEST_CASE("LaunchSettings::from") {
  SUBCASE("a valid map parses") {
    const auto s = blob::LaunchSettings::from(sample_settings());
    CHECK(s.app_name == "demo");
    CHECK(s.entry_module == "zeta");
    CHECK(s.entry_function == "main");
    CHECK(s.entry_code.empty());
    CHECK(s.isolated);
    CHECK(s.optimize == 0);
    CHECK(s.python_version == "3.11");
  }
  SUBCASE("code instead of a module, not isolated, optimize 2") {
    const auto s = blob::LaunchSettings::from({{blob::keys::kEntryCode, "print(1)"},
                                               {blob::keys::kIsolated, "0"},
                                               {blob::keys::kOptimize, "2"}});
    CHECK(s.entry_code == "print(1)");
    CHECK(s.entry_module.empty());
    CHECK_FALSE(s.isolated);
    CHECK(s.optimize == 2);
  }
  SUBCASE("defaults for absent optional keys") {
    const auto s = blob::LaunchSettings::from({{blob::keys::kEntryModule, "m"}});
    CHECK(s.isolated);
    CHECK(s.optimize == 0);
    CHECK(s.entry_function.empty());
    CHECK(s.app_name.empty());
  }
  SUBCASE("neither entry.module nor entry.code") {
    CHECK_THROWS_AS(blob::LaunchSettings::from({}), blob::DamagedError);
    CHECK_THROWS_AS(blob::LaunchSettings::from({{blob::keys::kAppName, "x"}, {blob::keys::kEntryFunction, "f"}}),
                    blob::DamagedError);
    CHECK_THROWS_AS(blob::LaunchSettings::from({{blob::keys::kEntryModule, ""}, {blob::keys::kEntryCode, ""}}),
                    blob::DamagedError);
  }
  SUBCASE("both entry.module and entry.code") {
    CHECK_THROWS_AS(blob::LaunchSettings::from({{blob::keys::kEntryModule, "m"}, {blob::keys::kEntryCode, "pass"}}),
                    blob::DamagedError);
  }
  SUBCASE("malformed optimize") {
    for (const char* bad : {"7", "3", "-1", "12", "00", "a", "/", " 1", "1 "}) {
      CAPTURE(bad);
      CHECK_THROWS_AS(blob::LaunchSettings::from({{blob::keys::kEntryModule, "m"}, {blob::keys::kOptimize, bad}}),
                      blob::DamagedError);
    }
    for (const char* good : {"0", "1", "2"}) {
      CAPTURE(good);
      const auto s = blob::LaunchSettings::from({{blob::keys::kEntryModule, "m"}, {blob::keys::kOptimize, good}});
      CHECK(s.optimize == good[0] - '0');
    }
  }
}

namespace {

// Many module-like items, alike as a program's modules are (lines drawn from one vocabulary,
// few repeated within a module): enough for dictionaries to pay.
std::vector<BlobItem> many_modules() {
  std::mt19937 rng(11);
  std::vector<std::string> vocabulary;
  for (int i = 0; i < 400; ++i) vocabulary.push_back(pseudo_random_bytes(24, i) + "_identifier_" + std::to_string(rng()));
  std::vector<BlobItem> items;
  for (int i = 0; i < 200; ++i) {
    std::string source, bytecode;
    for (int line = 0; line < 160; ++line) {
      const std::string& word = vocabulary[rng() % vocabulary.size()];
      source += "    value = call(" + word + ", " + std::to_string(rng() % 100) + ")\n";
      bytecode += std::string("\x97\x00t\x01\x00\x00", 6) + word;
    }
    items.push_back(item(blob::Kind::Module, "package.module_" + std::to_string(i), 0, bytecode, source));
  }
  items.push_back(item(blob::Kind::SharedLibrary, "libbig.so", 0, pseudo_random_bytes(600000, 5)));
  return items;
}

// Module-like items each repetitive on its own: a dictionary would not pay for itself.
std::vector<BlobItem> self_similar_modules() {
  std::vector<BlobItem> items;
  for (int i = 0; i < 200; ++i) {
    std::string source;
    for (int line = 0; line < 200; ++line) source += "def function_" + std::to_string(line) + "(): pass  # " + std::to_string(i) + "\n";
    items.push_back(item(blob::Kind::Module, "m" + std::to_string(i), 0, source, source));
  }
  return items;
}

// The file behind a descriptor, as the launcher reads its own executable with pread.
int file_descriptor_of(const Bytes& file) {
  FILE* temporary = std::tmpfile();
  REQUIRE(temporary != nullptr);
  REQUIRE(std::fwrite(file.data(), 1, file.size(), temporary) == file.size());
  std::fflush(temporary);
  return dup(fileno(temporary));  // the FILE is left open until exit: tests only
}

}  // namespace

TEST_CASE("modules are compressed with trained dictionaries, read back from memory and with pread") {
  const std::vector<BlobItem> items = many_modules();
  BlobOptions with = options();
  BlobOptions without = options();
  without.dictionaries = false;
  const std::string blob_bytes = write_blob(items, with);
  CHECK(blob_bytes.size() < write_blob(items, without).size());
  const Bytes file = with_launcher(blob_bytes, 4096);
  auto reader = blob::BlobReader::open(as_span(file));
  CHECK(reader.with_prefix(blob::Kind::Dictionary, "").size() == 2);  // bytecode and source
  const int fd = file_descriptor_of(file);
  for (const bool through_fd : {false, true}) {
    if (through_fd) reader.read_payload_from(fd, "/nonexistent");
    for (const auto& it : items) {
      const auto entry = reader.find(it.kind, it.name);
      REQUIRE(entry);
      CHECK(reader.read(entry->data) == *it.data);
      if (it.source) CHECK(reader.read(entry->source()) == *it.source);
    }
    std::string streamed;
    const auto library = reader.find(blob::Kind::SharedLibrary, "libbig.so");
    reader.read_streaming(library->data, [&](const unsigned char* data, std::size_t size) {
      streamed.append(reinterpret_cast<const char*>(data), size);
    });
    CHECK(streamed == pseudo_random_bytes(600000, 5));
  }
  close(fd);
}

TEST_CASE("no dictionary when it would not save its own size") {
  const std::vector<BlobItem> items = self_similar_modules();
  BlobOptions without = options();
  without.dictionaries = false;
  const std::string blob_bytes = write_blob(items, options());
  CHECK(blob_bytes == write_blob(items, without));
}

TEST_CASE("damage to a dictionary fails the reads of what it compressed, never returns wrong bytes") {
  const std::vector<BlobItem> items = many_modules();
  const Bytes original = with_launcher(write_blob(items, options()), 0);
  const auto intact = blob::BlobReader::open(as_span(original));
  const auto dictionaries = intact.with_prefix(blob::Kind::Dictionary, "");
  REQUIRE(dictionaries.size() == 2);
  std::mt19937 rng(3);
  std::size_t reads_failed = 0;
  for (const auto& dictionary : dictionaries) {
    for (int trial = 0; trial < 40; ++trial) {
      Bytes file = original;
      const std::size_t position = intact.trailer().payload_offset + dictionary.data.offset +
                                   rng() % dictionary.data.stored_size;
      file[position] ^= static_cast<unsigned char>(1u << (rng() % 8));
      const auto reader = blob::BlobReader::open(as_span(file));
      std::size_t wrong = 0, failed = 0;
      for (const auto& it : items) {
        const auto entry = reader.find(it.kind, it.name);
        for (const bool source : {false, true}) {
          if (source && !it.source) continue;
          try {
            if (reader.read(source ? entry->source() : entry->data) != (source ? *it.source : *it.data)) ++wrong;
          } catch (const blob::DamagedError&) {
            ++failed;
          }
        }
      }
      INFO("dictionary " << dictionary.name << ", byte " << position);
      CHECK(wrong == 0);
      reads_failed += failed;
    }
  }
  CHECK(reads_failed > 0);
}

TEST_CASE("level 0 stores every resource uncompressed, in frames the reader reads like any other") {
  std::vector<BlobItem> items = many_modules();  // with a 600 KB library: several raw blocks
  BlobOptions stored = options();
  stored.compression_level = 0;
  const std::string blob_bytes = write_blob(items, stored);
  std::size_t raw_total = 0;
  for (const auto& it : items) raw_total += it.data->size() + (it.source ? it.source->size() : 0);
  CHECK(blob_bytes.size() > raw_total);  // nothing compressed, and no dictionary
  const Bytes file = with_launcher(blob_bytes, 100);
  auto reader = blob::BlobReader::open(as_span(file));
  CHECK(reader.with_prefix(blob::Kind::Dictionary, "").empty());
  const int fd = file_descriptor_of(file);
  reader.read_payload_from(fd, "/nonexistent");
  for (const auto& it : items) {
    const auto entry = reader.find(it.kind, it.name);
    REQUIRE(entry);
    CHECK(entry->data.stored_size > entry->data.raw_size);  // the frame around the bytes
    std::string streamed;
    reader.read_streaming(entry->data, [&](const unsigned char* data, std::size_t size) {
      streamed.append(reinterpret_cast<const char*>(data), size);
    });
    CHECK(streamed == *it.data);
    if (it.source) CHECK(reader.read(entry->source()) == *it.source);
  }
  close(fd);
}

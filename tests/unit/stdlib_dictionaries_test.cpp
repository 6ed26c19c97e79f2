// The zstd dictionaries a build compresses its modules with: trained on the interpreter's stdlib
// (stdlib_dictionaries.h), kept in the cache, and given to the blob writer, which stores and
// uses each only when it pays for itself on the build's modules. (It starts the build
// interpreter: doctest runs files in name order, and importer_test.cpp must start it first.)
#include <doctest/doctest.h>
#include <zstd.h>

#include <random>
#include <string>
#include <vector>

#include "format/blob_reader.h"
#include "packager/build/blob_writer.h"
#include "packager/build/build_cache.h"
#include "packager/build/dictionary_training.h"
#include "packager/build/build_python.h"
#include "packager/build/stdlib_dictionaries.h"
#include "temp_dir.h"

using freeze::packager::BlobItem;
using freeze::packager::BlobOptions;
using freeze::packager::BuildCache;
using freeze::packager::ModuleDictionaries;
using freeze::packager::TrainedDictionary;
namespace blob = freeze::blob;
namespace packager = freeze::packager;

namespace {

// Python-like source of `count` modules drawn from one vocabulary (the same for every seed):
// alike as the modules of one language and style are, so that a dictionary pays.
std::vector<std::string> python_modules(int count, unsigned seed) {
  std::mt19937 vocabulary(0);
  std::vector<std::string> words;
  for (int i = 0; i < 300; ++i) words.push_back("name_" + std::to_string(vocabulary() % 100000));
  std::mt19937 rng(seed);
  auto word = [&] { return words[rng() % words.size()]; };
  std::vector<std::string> modules;
  for (int m = 0; m < count; ++m) {
    std::string source = "\"\"\"Module " + std::to_string(m) + ".\"\"\"\nimport os\n\n";
    for (int f = 0; f < 60; ++f) {
      source += "def " + word() + "_" + std::to_string(f) + "(" + word() + ", " + word() + "=None):\n";
      source += "    \"\"\"Returns the " + word() + " of the " + word() + ".\"\"\"\n";
      source += "    value = " + word() + " + " + std::to_string(rng() % 1000) + "\n";
      source += "    if value > " + std::to_string(rng() % 100) + ":\n";
      source += "        return os.path.join(\"" + word() + "\", str(value))\n";
      source += "    return [item." + word() + " for item in range(value)]\n\n";
    }
    modules.push_back(std::move(source));
  }
  return modules;
}

std::vector<BlobItem> module_items(const std::vector<std::string>& sources) {
  std::vector<BlobItem> items;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    BlobItem item;
    item.name = "package.module_" + std::to_string(i);
    item.data = "bytecode:" + sources[i];  // alike as bytecode is; the writer does not look inside
    item.source = sources[i];
    items.push_back(std::move(item));
  }
  return items;
}

ModuleDictionaries trained_on(const std::vector<BlobItem>& items) {
  std::vector<const std::string*> bytecode, source;
  for (const auto& item : items) {
    bytecode.push_back(&*item.data);
    source.push_back(&*item.source);
  }
  return packager::train_module_dictionaries(bytecode, source, 3);
}

std::vector<std::string> dictionary_contents(const std::string& blob_bytes) {
  const auto reader = blob::BlobReader::open({reinterpret_cast<const unsigned char*>(blob_bytes.data()), blob_bytes.size()});
  std::vector<std::string> out;
  for (const auto& entry : reader.with_prefix(blob::Kind::Dictionary, "")) out.push_back(reader.read(entry.data));
  return out;
}

}  // namespace

TEST_CASE("a dictionary pays when what it saves on the modules exceeds its size") {
  const TrainedDictionary dictionary{std::string(1000, 'd'), 0.1};
  CHECK(packager::expected_to_pay(dictionary, 20000));
  CHECK_FALSE(packager::expected_to_pay(dictionary, 5000));
  CHECK_FALSE(packager::expected_to_pay(TrainedDictionary{std::string(1000, 'd'), 0.0}, 1 << 30));
}

TEST_CASE("the cache entry of the dictionaries decodes to the same ones, and nothing else decodes") {
  ModuleDictionaries both;
  both.bytecode = TrainedDictionary{"bytecode dictionary", 0.123456};
  both.source = TrainedDictionary{"source", 0.5};
  ModuleDictionaries source_only;
  source_only.source = TrainedDictionary{"only", 0.25};
  for (const std::vector<ModuleDictionaries>& original : std::vector<std::vector<ModuleDictionaries>>{
           {both, source_only}, {source_only}, {ModuleDictionaries{}}, {}}) {
    const std::string encoded = packager::encode_dictionaries(original);
    const auto decoded = packager::decode_dictionaries(encoded);
    REQUIRE(decoded);
    REQUIRE(decoded->size() == original.size());
    for (std::size_t i = 0; i < original.size(); ++i) {
      for (const auto& [a, b] : {std::pair{&original[i].bytecode, &(*decoded)[i].bytecode},
                                 {&original[i].source, &(*decoded)[i].source}}) {
        REQUIRE(a->has_value() == b->has_value());
        if (!a->has_value()) continue;
        CHECK((*a)->content == (*b)->content);
        CHECK((*a)->saving == doctest::Approx((*b)->saving).epsilon(1e-6));
      }
    }
    // What a decoded entry says is exactly what encoding it again says: cold and warm builds agree.
    CHECK(packager::encode_dictionaries(*decoded) == encoded);
    CHECK_FALSE(packager::decode_dictionaries(encoded.substr(0, encoded.size() - 1)));
    CHECK_FALSE(packager::decode_dictionaries(encoded + "x"));
  }
}

TEST_CASE("given dictionaries compress other modules than they were trained on, and go only where they pay") {
  const std::vector<BlobItem> training = module_items(python_modules(80, 1));
  const ModuleDictionaries given = trained_on(training);
  REQUIRE(given.bytecode);
  REQUIRE(given.source);

  // Another app's modules: the given dictionaries are stored as they are, not retrained.
  std::vector<BlobItem> items = module_items(python_modules(80, 2));
  BlobOptions options;
  options.compression_level = 3;
  options.given_dictionaries = std::vector<ModuleDictionaries>{given};
  const std::string blob_bytes = packager::write_blob(items, options);
  CHECK(dictionary_contents(blob_bytes) == std::vector<std::string>{given.bytecode->content, given.source->content});
  const auto reader = blob::BlobReader::open({reinterpret_cast<const unsigned char*>(blob_bytes.data()), blob_bytes.size()});
  for (const auto& item : items) {
    const auto entry = reader.find(blob::Kind::Module, item.name);
    REQUIRE(entry);
    CHECK(reader.read(entry->data) == *item.data);
    CHECK(reader.read(entry->source()) == *item.source);
  }
  BlobOptions plain = options;
  plain.dictionaries = false;
  CHECK(blob_bytes.size() < packager::write_blob(items, plain).size());

  // Three modules: too little for a dictionary to save its own size; none is stored.
  items.resize(3);
  CHECK(packager::write_blob(items, options) == packager::write_blob(items, plain));
}

TEST_CASE("third-party modules get dictionaries of their own, which an edit of the app leaves as they are") {
  const ModuleDictionaries given = trained_on(module_items(python_modules(80, 1)));
  std::vector<BlobItem> items = module_items(python_modules(80, 2));
  std::vector<BlobItem> third_party = module_items(python_modules(80, 4));
  for (auto& item : third_party) {
    item.name = "vendor." + item.name;
    item.third_party = true;
    items.push_back(item);
  }
  BlobOptions options;
  options.compression_level = 3;
  options.given_dictionaries = std::vector<ModuleDictionaries>{given};
  const std::string blob_bytes = packager::write_blob(items, options);
  const auto reader = blob::BlobReader::open({reinterpret_cast<const unsigned char*>(blob_bytes.data()), blob_bytes.size()});
  std::vector<std::string> names;
  for (const auto& entry : reader.with_prefix(blob::Kind::Dictionary, "")) names.emplace_back(entry.name);
  CHECK(names == std::vector<std::string>{"bytecode", "source", "third-party-bytecode", "third-party-source"});
  CHECK(reader.read(reader.find(blob::Kind::Dictionary, "bytecode")->data) == given.bytecode->content);
  for (const auto& item : items) {
    const auto entry = reader.find(blob::Kind::Module, item.name);
    REQUIRE(entry);
    CHECK(reader.read(entry->data) == *item.data);
    CHECK(reader.read(entry->source()) == *item.source);
  }
  // One of the app's modules edited: every dictionary, and so every other frame, as it was.
  items[0].source = *items[0].source + "edited = True\n";
  items[0].data = *items[0].data + "edited";
  CHECK(dictionary_contents(packager::write_blob(items, options)) == dictionary_contents(blob_bytes));
}

TEST_CASE("the stdlib's dictionaries depend on the stdlib alone, and the cache gives what training gives") {
  freeze::testing::TempDir stdlib("stdlib");
  const std::vector<std::string> sources = python_modules(100, 3);
  for (std::size_t i = 0; i < sources.size(); ++i) {
    stdlib.write((i % 2 ? "package/module_" : "module_") + std::to_string(i) + ".py", sources[i]);
  }
  stdlib.write("package/__init__.py", "");
  stdlib.write("broken.py", "def (:\n");  // the stdlib has files that do not compile: skipped

  BuildCache& cache = BuildCache::instance();
  const bool was_enabled = cache.enabled();
  cache.configure(false);  // trained every time
  const std::vector<ModuleDictionaries> trained = packager::stdlib_dictionaries(packager::BuildPython::instance(), stdlib.path(), 3, 0);
  const std::vector<ModuleDictionaries> again = packager::stdlib_dictionaries(packager::BuildPython::instance(), stdlib.path(), 3, 0);
  cache.configure(was_enabled);
  REQUIRE(trained.size() == 2);  // the full ones, then the small ones
  for (const ModuleDictionaries& pair : trained) {
    REQUIRE(pair.bytecode);
    REQUIRE(pair.source);
    CHECK(pair.bytecode->saving > 0.0);
    CHECK(ZSTD_getDictID_fromDict(pair.bytecode->content.data(), pair.bytecode->content.size()) != 0);
  }
  CHECK(trained[1].bytecode->content.size() <= packager::kSmallDictionary);
  CHECK(trained[1].bytecode->content.size() <= trained[0].bytecode->content.size());
  CHECK(packager::encode_dictionaries(trained) == packager::encode_dictionaries(again));

  if (was_enabled) {  // the cache's answer is the trained one, stored or found
    for (int round = 0; round < 2; ++round) {
      CHECK(packager::encode_dictionaries(packager::stdlib_dictionaries(packager::BuildPython::instance(), stdlib.path(), 3, 0)) ==
            packager::encode_dictionaries(trained));
    }
  }
}

// Round trips of the blob's sub-records, each encoder against its decoder (format/): the
// needed-library list, the launch settings and their entry, module names and paths, bytecode
// cache files, the trailer's fields and the index the writer appends; what Entry says its aux
// span is, by kind; and docs/blob-format.md's tables against the encoders' bytes.
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "format/blob_format.h"
#include "format/blob_reader.h"
#include "format/launch_settings.h"
#include "format/library_list.h"
#include "format/module_names.h"
#include "format/pyc_file.h"

namespace blob = freeze::blob;
namespace pyc = freeze::blob::pyc;

namespace {

std::span<const unsigned char> bytes_of(const std::string& s) {
  return {reinterpret_cast<const unsigned char*>(s.data()), s.size()};
}

}  // namespace

TEST_CASE("library list: encode and decode round trip, in load order") {
  const std::vector<std::vector<std::string>> lists = {
      {}, {"system-libs/libssl.so.3"}, {"pkg.libs/libz-abc.so.1", "pkg.libs/libpng.so", "system-libs/libcrypto.so.3"}};
  for (const auto& names : lists) {
    const std::string encoded = blob::encode_library_list(names);
    CHECK(blob::decode_library_list(encoded) == names);
  }
  CHECK(blob::encode_library_list({"a.so", "b.so"}) == "a.so\nb.so");  // the grammar: LF between names
  CHECK(blob::encode_library_list({}).empty());
  // A reader skips empty names (a trailing or doubled LF).
  CHECK(blob::decode_library_list("a.so\n\nb.so\n") == std::vector<std::string>{"a.so", "b.so"});
  CHECK(blob::decode_library_list("").empty());
  // Names the grammar cannot hold are refused, not written ambiguously.
  CHECK_THROWS_AS(blob::encode_library_list({"a\nb.so"}), std::invalid_argument);
  CHECK_THROWS_AS(blob::encode_library_list({""}), std::invalid_argument);
}

TEST_CASE("launch settings: LaunchSettings -> record -> bytes -> record -> LaunchSettings") {
  blob::LaunchSettings module_entry;
  module_entry.app_name = "demo";
  module_entry.entry_module = "pkg.cli";
  module_entry.entry_function = "Main.run";
  module_entry.isolated = false;
  module_entry.optimize = 2;
  module_entry.python_version = blob::python_version_of(3, 11);
  module_entry.interpreter = true;
  module_entry.unbuffered = true;
  module_entry.site = true;
  module_entry.frozen = false;
  blob::LaunchSettings code_entry;
  code_entry.app_name = "code";
  code_entry.entry_code = "print('hi')\nprint(2)";
  code_entry.python_version = "3.11";
  blob::LaunchSettings as_main = module_entry;
  as_main.entry_function.clear();  // run as __main__
  for (const auto& settings : {module_entry, code_entry, as_main}) {
    const blob::Settings record = settings.to_settings();
    CHECK(blob::decode_settings(blob::encode_settings(record)) == record);
    CHECK(blob::LaunchSettings::from(record) == settings);
  }
  // The record holds what the launcher needs, with flags as "0"/"1".
  const blob::Settings record = module_entry.to_settings();
  CHECK(record.at(blob::keys::kEntryModule) == "pkg.cli");
  CHECK(record.at(blob::keys::kIsolated) == "0");
  CHECK(record.at(blob::keys::kOptimize) == "2");
  CHECK(record.at(blob::keys::kInterpreter) == "1");
  CHECK(record.at(blob::keys::kPythonVersion) == "3.11");
  CHECK(record.at(blob::keys::kFrozen) == "0");
  CHECK_FALSE(record.contains(blob::keys::kEntryCode));
  // An older executable's record, without python.frozen, sets sys.frozen as it did.
  blob::Settings older = module_entry.to_settings();
  older.erase(blob::keys::kFrozen);
  CHECK(blob::LaunchSettings::from(older).frozen);
  const blob::Settings code_record = code_entry.to_settings();
  CHECK_FALSE(code_record.contains(blob::keys::kEntryModule));
  CHECK_FALSE(code_record.contains(blob::keys::kEntryFunction));
  CHECK(as_main.to_settings().at(blob::keys::kEntryFunction).empty());
  // The record's bytes: (u32 LE size, key, u32 LE size, value) in key order.
  CHECK(blob::encode_settings({{"k", "vv"}}) == std::string("\x01\0\0\0k\x02\0\0\0vv", 11));
  CHECK(blob::python_version_of(3, 11) == "3.11");
}

TEST_CASE("launch settings: [app] commands, recorded as command.NAME, selected by the name the executable is started as") {
  blob::LaunchSettings settings;
  settings.app_name = "tool";
  settings.entry_code = "print('main')";
  settings.python_version = "3.11";
  settings.commands = {{"tool-sub", "pkg.cli:sub"}, {"tool-main", "pkg.tool"}};
  const blob::Settings record = settings.to_settings();
  CHECK(record.at("command.tool-sub") == "pkg.cli:sub");
  CHECK(record.at("command.tool-main") == "pkg.tool");
  CHECK(blob::LaunchSettings::from(record) == settings);

  blob::LaunchSettings started = settings;
  CHECK_FALSE(started.select_command("tool"));
  CHECK(started == settings);  // unchanged: app.code runs
  CHECK(started.select_command("tool-sub"));
  CHECK((started.entry_module == "pkg.cli" && started.entry_function == "sub" && started.entry_code.empty()));
  CHECK(started.select_command("tool-main"));
  CHECK((started.entry_module == "pkg.tool" && started.entry_function.empty()));  // run as __main__

  for (const auto& [key, value] : {std::pair{"command.", "pkg"}, {"command.x", ""}, {"command.x", ":main"}}) {
    blob::Settings damaged = record;
    damaged[key] = value;
    CHECK_THROWS_AS(blob::LaunchSettings::from(damaged), blob::DamagedError);
  }
}

TEST_CASE("launch settings: read_settings finds the entry by its name, and reports it missing") {
  blob::Entry settings;
  settings.kind = blob::Kind::Settings;
  settings.name = blob::kSettingsEntryName;
  blob::LaunchSettings launch;
  launch.entry_module = "m";
  std::string file = blob::uncompressed_frame(blob::encode_settings(launch.to_settings()), 18);
  settings.data = {0, static_cast<std::uint32_t>(file.size()),
                   static_cast<std::uint32_t>(blob::encode_settings(launch.to_settings()).size())};
  blob::append_index_and_trailer(file, {settings});
  CHECK(blob::LaunchSettings::from(blob::read_settings(blob::BlobReader::open(bytes_of(file)))) == launch);

  std::string other = blob::uncompressed_frame("x", 18);
  settings.name = "not-the-settings";
  settings.data = {0, static_cast<std::uint32_t>(other.size()), 1};
  blob::append_index_and_trailer(other, {settings});
  CHECK_THROWS_WITH_AS(blob::read_settings(blob::BlobReader::open(bytes_of(other))), "launch settings are missing",
                       blob::DamagedError);
}

TEST_CASE("module names: names <-> directories <-> source files") {
  for (const std::string name : {"pkg", "pkg.sub", "a.b.c.d", "_private.x_1"}) {
    const std::string directory = blob::directory_of(name);
    CHECK(blob::name_of_directory(directory) == name);
    for (const bool is_package : {false, true}) {
      const auto module = blob::module_of_source_file(blob::source_file_of(name, is_package));
      REQUIRE(module);
      CHECK(*module == blob::ModuleOfFile{name, is_package});
    }
  }
  CHECK(blob::directory_of("pkg.sub") == "pkg/sub");
  CHECK(blob::name_of_directory("pkg/sub") == "pkg.sub");
  CHECK(blob::name_of_directory("") == "");  // the top level
  CHECK(blob::directory_of("") == "");
  CHECK(blob::source_file_of("pkg.mod", false) == "pkg/mod.py");
  CHECK(blob::source_file_of("pkg", true) == "pkg/__init__.py");
  CHECK(blob::source_file_of("mod", false) == "mod.py");
  CHECK(blob::submodule_name("pkg", "mod") == "pkg.mod");
  CHECK(blob::submodule_name("", "mod") == "mod");
  CHECK(blob::submodule_name("pkg", "") == "pkg.");  // the prefix of its submodules' names

  // Paths that are no package's directory, and files that are no module's source.
  CHECK_FALSE(blob::name_of_directory("pkg/data.v2"));
  CHECK_FALSE(blob::name_of_directory("pkg//sub"));
  CHECK_FALSE(blob::name_of_directory("/pkg"));
  CHECK_FALSE(blob::name_of_directory("pkg/"));
  CHECK_FALSE(blob::module_of_source_file("__init__.py"));  // no package at the top
  CHECK_FALSE(blob::module_of_source_file("pkg/x.tar.py"));
  CHECK_FALSE(blob::module_of_source_file("pkg.v2/mod.py"));
  CHECK_FALSE(blob::module_of_source_file("pkg/mod.pyc"));
  CHECK_FALSE(blob::module_of_source_file("pkg/.py"));
  CHECK_FALSE(blob::module_of_source_file(".py"));
  CHECK(*blob::module_of_source_file("mod.py") == blob::ModuleOfFile{"mod", false});
  CHECK(*blob::module_of_source_file("pkg/__init__.py") == blob::ModuleOfFile{"pkg", true});
}

TEST_CASE("pyc files: cache paths and the PEP 552 header, encoded and decoded") {
  CHECK(pyc::cache_tag(3, 11) == "cpython-311");
  CHECK(pyc::cached_path("lib/app/pkg/mod.py", "cpython-311", 0) == "lib/app/pkg/__pycache__/mod.cpython-311.pyc");
  CHECK(pyc::cached_path("mod.py", "cpython-311", 2) == "__pycache__/mod.cpython-311.opt-2.pyc");
  CHECK(pyc::cached_path("pkg/__init__.py", "cpython-311", 1) == "pkg/__pycache__/__init__.cpython-311.opt-1.pyc");

  const std::string magic("\xa7\x0d\x0d\x0a", 4);
  const std::string hash("\x01\x02\x03\x04\x05\x06\x07\x08", 8);
  const std::string code("\xe3marshalled code", 17);
  const std::string file = pyc::encode_checked_hash(magic, hash, code);
  CHECK(file.size() == pyc::kHeaderSize + code.size());
  CHECK(file.substr(4, 4) == std::string("\x03\0\0\0", 4));  // flags: hash-based, checked
  const auto header = pyc::decode(file);
  REQUIRE(header);
  CHECK(header->magic == magic);
  CHECK(header->hash_based());
  CHECK(header->check_source());
  CHECK(header->source_hash == hash);
  CHECK(header->code == code);

  // A timestamp .pyc, as python writes by default: mtime and size.
  std::string timestamp = magic + std::string("\0\0\0\0", 4) + std::string("\x10\x20\x30\x40", 4) +
                          std::string("\x05\x01\0\0", 4) + code;
  const auto stamped = pyc::decode(timestamp);
  REQUIRE(stamped);
  CHECK_FALSE(stamped->hash_based());
  CHECK(stamped->source_mtime == 0x40302010u);
  CHECK(stamped->source_size == 0x105u);
  CHECK(stamped->code == code);
  // An unchecked hash-based one.
  timestamp[4] = 1;
  CHECK_FALSE(pyc::decode(timestamp)->check_source());
  CHECK_FALSE(pyc::decode(file.substr(0, pyc::kHeaderSize - 1)));  // too short for a header
  CHECK(pyc::decode(file.substr(0, pyc::kHeaderSize))->code.empty());
}

TEST_CASE("trailer fields decode as encoded, unchecked; the index the writer appends reads back") {
  blob::Trailer trailer;
  trailer.format_version = 7;  // decode_trailer would refuse it; the fields still read back
  trailer.entry_count = 3;
  trailer.blob_size = 0x1122334455ULL;
  trailer.payload_offset = 1;
  trailer.payload_size = 2;
  trailer.index_offset = 3;
  trailer.index_size = 4;
  trailer.index_crc32 = 0xdeadbeef;
  unsigned char raw[blob::kTrailerSize];
  blob::encode_trailer(trailer, raw);
  const blob::Trailer fields = blob::decode_trailer_fields(raw);
  CHECK(fields.format_version == 7);
  CHECK(fields.entry_count == 3);
  CHECK(fields.blob_size == 0x1122334455ULL);
  CHECK(fields.payload_offset == 1);
  CHECK(fields.payload_size == 2);
  CHECK(fields.index_offset == 3);
  CHECK(fields.index_size == 4);
  CHECK(fields.index_crc32 == 0xdeadbeef);
  CHECK(blob::has_magic(raw));
  CHECK_THROWS_AS(blob::decode_trailer(raw), blob::DamagedError);

  // Two entries, in index order, with names, paths and both spans.
  std::string file = blob::uncompressed_frame("bytecode", 18);
  const auto first_size = static_cast<std::uint32_t>(file.size());
  file += blob::uncompressed_frame("lib.so", 18);
  blob::Entry module;
  module.kind = blob::Kind::Module;
  module.flags = blob::kFlagPackage;
  module.name = "pkg";
  module.path = "lib/app/pkg/__init__.py";
  module.data = {0, first_size, 8};
  blob::Entry extension;
  extension.kind = blob::Kind::Extension;
  extension.location = blob::Location::FilesystemRelative;
  extension.name = "pkg._c";
  extension.path = "lib/app/pkg/_c.so";
  extension.aux = {first_size, static_cast<std::uint32_t>(file.size()) - first_size, 6};
  const std::size_t payload_size = file.size();
  blob::append_index_and_trailer(file, {module, extension});
  const auto reader = blob::BlobReader::open(bytes_of(file));
  CHECK(reader.trailer().payload_size == payload_size);
  CHECK(reader.trailer().index_offset == payload_size);
  REQUIRE(reader.entry_count() == 2);
  const blob::Entry read_module = reader.entry_at(0);
  const blob::Entry read_extension = reader.entry_at(1);
  CHECK(read_module.name == "pkg");
  CHECK(read_module.path == "lib/app/pkg/__init__.py");
  CHECK(read_module.is_package());
  CHECK(reader.read(read_module.data) == "bytecode");
  CHECK(read_extension.name == "pkg._c");
  CHECK(read_extension.path == "lib/app/pkg/_c.so");
  CHECK_FALSE(read_extension.in_memory());
  CHECK(reader.read(read_extension.needed_libraries()) == "lib.so");
}

TEST_CASE("Entry: aux is a module's source, an extension's or library's needed libraries, nothing else") {
  blob::Entry entry;
  entry.aux = {10, 20, 30};
  for (const blob::Kind kind : {blob::Kind::Settings, blob::Kind::Module, blob::Kind::Resource, blob::Kind::Metadata,
                                blob::Kind::Extension, blob::Kind::SharedLibrary, blob::Kind::Dictionary}) {
    entry.kind = kind;
    INFO(blob::kind_name(kind));
    const bool source = kind == blob::Kind::Module;
    const bool libraries = kind == blob::Kind::Extension || kind == blob::Kind::SharedLibrary;
    CHECK(entry.source().present() == source);
    CHECK(entry.needed_libraries().present() == libraries);
    if (source) CHECK(entry.source().raw_size == 30);
    if (libraries) CHECK(entry.needed_libraries().offset == 10);
  }
}

// ---- docs/blob-format.md against the code -----------------------------------------------------

namespace {

struct DocumentedField {
  std::size_t offset;
  std::size_t size;
  std::string name;
};

// The rows "| offset | size | `field` | ..." of the table under the heading `section`.
std::vector<DocumentedField> documented_fields(const std::string& section) {
  std::ifstream in(FREEZE_BLOB_FORMAT_DOC);
  REQUIRE(in);
  const std::regex row(R"(^\| (\d+) \| (\d+) \| `?([a-z_.0-9]+)`? \|)");
  std::vector<DocumentedField> fields;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("## ")) inside = line == "## " + section;
    std::smatch match;
    if (inside && std::regex_search(line, match, row)) {
      fields.push_back({std::stoul(match[1]), std::stoul(match[2]), match[3]});
    }
  }
  return fields;
}

std::uint64_t little_endian(const unsigned char* bytes, std::size_t size) {
  std::uint64_t value = 0;
  for (std::size_t i = size; i-- > 0;) value = (value << 8) | bytes[i];
  return value;
}

// The fields tile `total` bytes, in order, with no gap or overlap.
void check_tiling(const std::vector<DocumentedField>& fields, std::size_t total) {
  std::size_t next = 0;
  for (const auto& field : fields) {
    INFO(field.name);
    CHECK(field.offset == next);
    next = field.offset + field.size;
  }
  CHECK(next == total);
}

}  // namespace

TEST_CASE("docs/blob-format.md: the trailer table is where encode_trailer puts each field") {
  blob::Trailer trailer;
  trailer.format_version = blob::kFormatVersion;
  trailer.entry_count = 0x01020304;
  trailer.blob_size = 0x1112131415161718ULL;
  trailer.payload_offset = 0x2122232425262728ULL;
  trailer.payload_size = 0x3132333435363738ULL;
  trailer.index_offset = 0x4142434445464748ULL;
  trailer.index_size = 0x5152535455565758ULL;
  trailer.index_crc32 = 0x61626364;
  unsigned char raw[blob::kTrailerSize];
  blob::encode_trailer(trailer, raw);
  const std::map<std::string, std::uint64_t> values = {
      {"format_version", trailer.format_version}, {"entry_count", trailer.entry_count},
      {"blob_size", trailer.blob_size},           {"payload_offset", trailer.payload_offset},
      {"payload_size", trailer.payload_size},     {"index_offset", trailer.index_offset},
      {"index_size", trailer.index_size},         {"index_crc32", trailer.index_crc32}};
  const auto fields = documented_fields("Trailer");
  REQUIRE(fields.size() == 10);
  check_tiling(fields, blob::kTrailerSize);
  std::set<std::string> seen;
  for (const auto& field : fields) {
    INFO(field.name);
    seen.insert(field.name);
    const unsigned char* at = raw + field.offset;
    if (values.contains(field.name)) {
      CHECK(little_endian(at, field.size) == values.at(field.name));
    } else if (field.name == "trailer_crc32") {
      // "CRC-32 of bytes 0-51 followed by bytes 56-63"
      std::string covered(reinterpret_cast<const char*>(raw), 52);
      covered.append(reinterpret_cast<const char*>(raw) + 56, 8);
      CHECK(little_endian(at, field.size) == blob::crc32(covered.data(), covered.size()));
    } else {
      REQUIRE(field.name == "magic");
      CHECK(std::memcmp(at, blob::kMagic.data(), field.size) == 0);
      CHECK(field.size == blob::kMagic.size());
    }
  }
  CHECK(seen.size() == fields.size());
  CHECK(blob::decode_trailer(raw).index_size == trailer.index_size);  // and it reads back
}

TEST_CASE("docs/blob-format.md: the index entry table is where encode_entry puts each field") {
  blob::RawEntry entry;
  entry.name_offset = 0x01020304;
  entry.name_size = 0x11121314;
  entry.kind = blob::Kind::SharedLibrary;
  entry.flags = blob::kFlagPackage | blob::kFlagFilesystemCopy;
  entry.location = blob::Location::FilesystemRelative;
  entry.data = {0x2122232425262728ULL, 0x31323334, 0x41424344};
  entry.aux = {0x5152535455565758ULL, 0x61626364, 0x71727374};
  entry.path_offset = 0x81828384;
  entry.path_size = 0x91929394;
  unsigned char raw[blob::kEntrySize];
  std::memset(raw, 0xEE, sizeof raw);  // reserved bytes must be written, as zeros
  blob::encode_entry(entry, raw);
  const std::map<std::string, std::uint64_t> values = {
      {"name_offset", entry.name_offset},
      {"name_size", entry.name_size},
      {"kind", static_cast<std::uint64_t>(entry.kind)},
      {"flags", entry.flags},
      {"location", static_cast<std::uint64_t>(entry.location)},
      {"reserved", 0},
      {"data.offset", entry.data.offset},
      {"data.stored_size", entry.data.stored_size},
      {"data.raw_size", entry.data.raw_size},
      {"aux.offset", entry.aux.offset},
      {"aux.stored_size", entry.aux.stored_size},
      {"aux.raw_size", entry.aux.raw_size},
      {"path_offset", entry.path_offset},
      {"path_size", entry.path_size}};
  const auto fields = documented_fields("Index entry");
  REQUIRE(fields.size() == values.size());
  check_tiling(fields, blob::kEntrySize);
  for (const auto& field : fields) {
    INFO(field.name);
    REQUIRE(values.contains(field.name));
    if (field.size <= 8) CHECK(little_endian(raw + field.offset, field.size) == values.at(field.name));
  }
}

TEST_CASE("docs/blob-format.md: the kinds, flags and locations tables have the code's values") {
  std::ifstream in(FREEZE_BLOB_FORMAT_DOC);
  REQUIRE(in);
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& [value, name] : std::vector<std::pair<int, std::string>>{{0, "Settings"}, {1, "Module"}, {2, "Resource"},
                                                                            {3, "Metadata"}, {4, "Extension"},
                                                                            {5, "SharedLibrary"}, {6, "Dictionary"}}) {
    CHECK(doc.find("| " + std::to_string(value) + " | " + name + " |") != std::string::npos);
  }
  CHECK(blob::kKindCount == 7);
  CHECK(doc.find("| 0 | `0x01` | `kFlagPackage` |") != std::string::npos);
  CHECK(blob::kFlagPackage == 0x01);
  CHECK(doc.find("| 1 | `0x02` | `kFlagNamespace` |") != std::string::npos);
  CHECK(blob::kFlagNamespace == 0x02);
  CHECK(doc.find("| 2 | `0x04` | `kFlagStdlib` |") != std::string::npos);
  CHECK(blob::kFlagStdlib == 0x04);
  CHECK(doc.find("| 3 | `0x08` | `kFlagFilesystemCopy` |") != std::string::npos);
  CHECK(blob::kFlagFilesystemCopy == 0x08);
  CHECK(doc.find("| 0 | in memory |") != std::string::npos);
  CHECK(static_cast<int>(blob::Location::InMemory) == 0);
  CHECK(doc.find("| 1 | filesystem-relative |") != std::string::npos);
  CHECK(static_cast<int>(blob::Location::FilesystemRelative) == 1);
  CHECK(doc.find("`format_version` is 1.") != std::string::npos);
  CHECK(blob::kFormatVersion == 1);
  // The raw-block frame's bytes, as the grammar there spells them.
  const std::string one_block = blob::uncompressed_frame("abc", 18);
  CHECK(one_block.substr(0, 5) == std::string("\x28\xb5\x2f\xfd\xe4", 5));
  CHECK(one_block.size() == 4 + 1 + 8 + 3 + 3 + 4);
  CHECK(static_cast<unsigned char>(one_block[13]) == ((3u << 3) | 1u));  // size 3, raw, last
  const std::string blocks = blob::uncompressed_frame(std::string(200 * 1024, 'x'), 18);
  CHECK(blocks.substr(0, 6) == std::string("\x28\xb5\x2f\xfd\xc4\x40", 6));  // window byte (18 - 10) << 3
}

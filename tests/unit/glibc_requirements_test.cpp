// Unit tests for format/elf_info (version needs, run paths, $ORIGIN) and for
// packager/collect/glibc_requirements, on real shared objects built by tests/fixtures (elf/):
// libfixture_needs.so needs GLIBC_2.2.5 and GLIBC_2.36 from libc.so.6 and FIXTURE_1.0 and
// FIXTURE_2.0 from libfixture_versioned.so. A too-new requirement is faked by rewriting a
// version string in place (same length: the parser, unlike the dynamic loader, ignores the hash),
// malformed tables by rewriting the records' fields.
#include <doctest/doctest.h>

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "format/elf_info.h"
#include "packager/collect/glibc_requirements.h"
#include "packager/support/read_file.h"

using freeze::elf::DynamicInfo;
using freeze::packager::GlibcVersion;
using freeze::packager::newer_glibc_messages;
using freeze::packager::newest_glibc_needed;
using freeze::elf::read_dynamic_info;
using freeze::packager::Resource;

namespace {

std::string fixture(const std::string& name) { return freeze::packager::read_file(FREEZE_FIXTURES_DIR "/elf/" + name); }

std::vector<std::pair<std::string, std::string>> needs_of(const DynamicInfo& info) {
  std::vector<std::pair<std::string, std::string>> needs;
  for (const auto& need : info.version_needs) needs.emplace_back(need.file, need.version);
  std::sort(needs.begin(), needs.end());
  return needs;
}

std::string replaced(std::string data, const std::string& from, const std::string& to) {
  REQUIRE(from.size() == to.size());
  const auto at = data.find(from + '\0');
  REQUIRE(at != std::string::npos);
  data.replace(at, from.size(), to);
  return data;
}

// The file offset of the version-needed table (section type SHT_GNU_verneed).
std::size_t verneed_offset(const std::string& data) {
  Elf64_Ehdr header;
  std::memcpy(&header, data.data(), sizeof header);
  for (unsigned i = 0; i < header.e_shnum; ++i) {
    Elf64_Shdr section;
    std::memcpy(&section, data.data() + header.e_shoff + i * sizeof section, sizeof section);
    if (section.sh_type == SHT_GNU_verneed) return section.sh_offset;
  }
  FAIL("no version-needed section");
  return 0;
}

// The file offset of the dynamic-section entry with `tag`, and of the dynamic section.
std::size_t dynamic_entry_offset(const std::string& data, Elf64_Sxword tag, std::size_t* section = nullptr) {
  Elf64_Ehdr header;
  std::memcpy(&header, data.data(), sizeof header);
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment;
    std::memcpy(&segment, data.data() + header.e_phoff + i * sizeof segment, sizeof segment);
    if (segment.p_type != PT_DYNAMIC) continue;
    if (section) *section = segment.p_offset;
    for (std::size_t at = segment.p_offset; at < segment.p_offset + segment.p_filesz; at += sizeof(Elf64_Dyn)) {
      Elf64_Dyn entry;
      std::memcpy(&entry, data.data() + at, sizeof entry);
      if (entry.d_tag == tag) return at;
    }
  }
  FAIL("no such dynamic entry");
  return 0;
}

template <typename Record, typename Field>
std::string with_field(std::string data, std::size_t record_offset, Field Record::*field, Field value) {
  Record record;
  std::memcpy(&record, data.data() + record_offset, sizeof record);
  record.*field = value;
  std::memcpy(data.data() + record_offset, &record, sizeof record);
  return data;
}

Resource resource(freeze::blob::Kind kind, const std::string& name, std::string data) {
  Resource r;
  r.kind = kind;
  r.name = name;
  r.origin = "/site/" + name + ".so";
  r.data = std::move(data);
  return r;
}

}  // namespace

TEST_CASE("version needs are read from every version-needed record") {
  const auto info = read_dynamic_info(fixture("libfixture_needs.so"));
  REQUIRE(info);
  CHECK(info->soname == "libfixture_needs.so");
  CHECK(info->needed == std::vector<std::string>{"libfixture_versioned.so", "libc.so.6"});
  CHECK(info->run_path == std::vector<std::string>{"$ORIGIN/../lib", "/opt/fixture"});
  CHECK(needs_of(*info) == std::vector<std::pair<std::string, std::string>>{{"libc.so.6", "GLIBC_2.2.5"},
                                                                           {"libc.so.6", "GLIBC_2.36"},
                                                                           {"libfixture_versioned.so", "FIXTURE_1.0"},
                                                                           {"libfixture_versioned.so", "FIXTURE_2.0"}});
  REQUIRE(newest_glibc_needed(*info));
  CHECK(newest_glibc_needed(*info)->name() == "GLIBC_2.36");

  // The library defining FIXTURE_* versions needs none of them itself.
  const auto versioned = read_dynamic_info(fixture("libfixture_versioned.so"));
  REQUIRE(versioned);
  for (const auto& need : versioned->version_needs) CHECK(need.file == "libc.so.6");
}

TEST_CASE("glibc versions compare as releases, and other version names are not glibc's") {
  const auto parse = [](const char* name) { return GlibcVersion::parse(name); };
  REQUIRE(parse("GLIBC_2.2.5"));
  CHECK(parse("GLIBC_2.2.5")->parts == std::vector<unsigned>{2, 2, 5});
  CHECK(*parse("GLIBC_2.4") < *parse("GLIBC_2.36"));
  CHECK(*parse("GLIBC_2.2.5") < *parse("GLIBC_2.3"));
  CHECK(*parse("GLIBC_2.36") == *parse("GLIBC_2.36"));
  CHECK(parse("GLIBC_2.36")->name() == "GLIBC_2.36");
  for (const char* other : {"GLIBC_PRIVATE", "GLIBC_ABI_DT_RELR", "GLIBCXX_3.4.30", "GLIBC_", "GLIBC_2.", "GLIBC_2..3",
                            "GLIBC_2.3x", "GLIBC_-2.3", "GLIBC_2.3.4.5.6", "GLIBC_99999999999.1", "FIXTURE_1.0"}) {
    CAPTURE(other);
    CHECK_FALSE(parse(other));
  }
  DynamicInfo none;
  none.version_needs = {{"libfixture_versioned.so", "FIXTURE_2.0"}, {"libc.so.6", "GLIBC_PRIVATE"}};
  CHECK_FALSE(newest_glibc_needed(none));
}

TEST_CASE("a module needing a newer glibc than the launcher is named, with both versions") {
  const std::string launcher = fixture("libfixture_needs.so");  // needs GLIBC_2.36, as Debian 12's launcher
  const std::string too_new = replaced(launcher, "GLIBC_2.36", "GLIBC_2.99");
  const auto info = read_dynamic_info(too_new);
  REQUIRE(info);
  CHECK(newest_glibc_needed(*info)->name() == "GLIBC_2.99");

  Resource module;
  module.name = "pkg.plain";
  module.data = too_new;  // a module's bytes are never read as ELF
  const std::vector<Resource> resources = {
      resource(freeze::blob::Kind::Extension, "pkg._fast", too_new),
      resource(freeze::blob::Kind::SharedLibrary, "system-libs/libsame.so", launcher),
      resource(freeze::blob::Kind::SharedLibrary, "system-libs/libolder.so", fixture("libfixture_versioned.so")),
      resource(freeze::blob::Kind::Extension, "pkg._broken", "not an ELF file"),
      module,
      resource(freeze::blob::Kind::SharedLibrary, "pkg.libs/libnew.so", replaced(launcher, "GLIBC_2.2.5", "GLIBC_3.0.0")),
  };
  CHECK(newer_glibc_messages(resources, launcher) ==
        std::vector<std::string>{
            "extension 'pkg._fast' (/site/pkg._fast.so) needs GLIBC_2.99, newer than the launcher's GLIBC_2.36: it "
            "fails to load on machines with an older glibc",
            "shared-library 'pkg.libs/libnew.so' (/site/pkg.libs/libnew.so.so) needs GLIBC_3.0.0, newer than the "
            "launcher's GLIBC_2.36: it fails to load on machines with an older glibc"});

  // A launcher whose requirement cannot be read warns about nothing.
  CHECK(newer_glibc_messages(resources, "not an ELF file").empty());
  // Against a launcher needing the newest version, nothing is newer.
  CHECK(newer_glibc_messages(resources, replaced(launcher, "GLIBC_2.36", "GLIBC_9.99")).empty());
}

TEST_CASE("a malformed version-needed table gives nullopt, quickly") {
  const std::string good = fixture("libfixture_needs.so");
  const std::size_t table = verneed_offset(good);
  REQUIRE(read_dynamic_info(good));

  SUBCASE("auxiliary records outside the file") {
    CHECK_FALSE(read_dynamic_info(with_field<Elf64_Verneed>(good, table, &Elf64_Verneed::vn_aux, 0xfffffff0u)));
  }
  SUBCASE("a library name outside the string table") {
    CHECK_FALSE(read_dynamic_info(with_field<Elf64_Verneed>(good, table, &Elf64_Verneed::vn_file, 0x7fffffffu)));
  }
  SUBCASE("a version name outside the string table") {
    Elf64_Verneed first;
    std::memcpy(&first, good.data() + table, sizeof first);
    CHECK_FALSE(read_dynamic_info(
        with_field<Elf64_Vernaux>(good, table + first.vn_aux, &Elf64_Vernaux::vna_name, 0x7fffffffu)));
  }
  SUBCASE("a chain of records running off the end of the file") {
    // The last record points on instead of ending the chain, and the count allows more.
    Elf64_Verneed first;
    std::memcpy(&first, good.data() + table, sizeof first);
    std::string data = with_field<Elf64_Dyn>(good, dynamic_entry_offset(good, DT_VERNEEDNUM), &Elf64_Dyn::d_un, {~0ull});
    CHECK(read_dynamic_info(data));  // the last record still ends the chain
    data = with_field<Elf64_Verneed>(data, table + first.vn_next, &Elf64_Verneed::vn_next, Elf64_Word{0xfffffff0});
    CHECK_FALSE(read_dynamic_info(data));
  }
  SUBCASE("records sharing their chains of auxiliary records") {
    // Every 16 bytes from the table to the dynamic section, a record whose auxiliary chain starts
    // at itself and runs to the last one (read as an auxiliary record, each is a version named ""
    // followed by the next): n records would list n(n+1)/2 versions. The walk stops at the
    // file's room for records instead.
    std::size_t dynamic = 0;
    const std::size_t count_at = dynamic_entry_offset(good, DT_VERNEEDNUM, &dynamic);
    REQUIRE(dynamic > table);
    Elf64_Verneed first;
    std::memcpy(&first, good.data() + table, sizeof first);
    std::string data = with_field<Elf64_Dyn>(good, count_at, &Elf64_Dyn::d_un, {~0ull});
    const std::size_t records = (dynamic - table) / sizeof(Elf64_Verneed);
    REQUIRE(records * (records + 1) / 2 > good.size() / sizeof(Elf64_Vernaux));
    for (std::size_t i = 0; i < records; ++i) {
      const Elf64_Verneed record{1, 0xffff, first.vn_file, 0, i + 1 < records ? Elf64_Word{16} : Elf64_Word{0}};
      std::memcpy(data.data() + table + i * sizeof record, &record, sizeof record);
    }
    CHECK_FALSE(read_dynamic_info(data));
  }
  SUBCASE("no records") {
    // DT_VERNEEDNUM 0 is an empty table, not an error.
    const std::string data = with_field<Elf64_Dyn>(good, dynamic_entry_offset(good, DT_VERNEEDNUM), &Elf64_Dyn::d_un, {0});
    const auto info = read_dynamic_info(data);
    REQUIRE(info);
    CHECK(info->version_needs.empty());
    CHECK(info->needed.size() == 2);
  }
}

TEST_CASE("run path entries expand $ORIGIN as the dynamic loader does") {
  using freeze::elf::expand_origin;
  CHECK(expand_origin("$ORIGIN", "/x/pkg") == "/x/pkg");
  CHECK(expand_origin("$ORIGIN/../lib", "/x/pkg") == "/x/pkg/../lib");
  CHECK(expand_origin("${ORIGIN}/../../pkg.libs", "a/b") == "a/b/../../pkg.libs");
  CHECK(expand_origin("/opt/lib", "/x") == "/opt/lib");
  CHECK(expand_origin("$LIB/x", "/x").empty());  // names no directory of the installation
  CHECK(expand_origin("$ORIGIN/$PLATFORM", "/x").empty());
}

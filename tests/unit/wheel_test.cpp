// Unit tests for packager/wheel: wheels are made here with libzip (dist-info, RECORD with real
// hashes, and deliberately broken variants), then read back; compatibility is checked against
// explicit InterpreterTags so that the results do not depend on the machine.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include "packager/support/user_error.h"
#include "temp_dir.h"
#include "packager/collect/wheel.h"

namespace fs = std::filesystem;
using freeze::packager::interpreter_tags;
using freeze::packager::InterpreterTags;
using freeze::packager::read_wheel;
using freeze::packager::ReadLimits;
using freeze::packager::record_hash;
using freeze::packager::UserError;
using freeze::packager::Wheel;
using freeze::packager::wheel_incompatibility;
using freeze::packager::WheelTag;

namespace {

using freeze::testing::TempDir;

struct Member {
  Member(std::string name_, std::string data_, std::optional<std::uint32_t> unix_mode_ = std::nullopt,
         bool store_ = false, bool encrypt_ = false)
      : name(std::move(name_)), data(std::move(data_)), unix_mode(unix_mode_), store(store_), encrypt(encrypt_) {}

  std::string name;  // ending in '/': a directory entry
  std::string data;
  std::optional<std::uint32_t> unix_mode;  // stored in the external attributes
  bool store = false;                      // no compression, so tests can find the bytes
  bool encrypt = false;
};

// What to put in a wheel: payload members plus generated dist-info files, each of which a test
// can leave out or spoil.
struct WheelSpec {
  std::string dist_info = "demo-1.0.dist-info";
  std::vector<Member> members = {{"demo/__init__.py", "print('hi')\n"}, {"demo/util.py", "X = 1\n"}};
  bool with_wheel = true;
  bool with_metadata = true;
  bool with_record = true;
  std::string wheel_text = "Wheel-Version: 1.0\nGenerator: freeze-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n";
  std::set<std::string> record_omit;         // members left out of RECORD
  std::vector<std::string> record_extra;     // raw lines appended to RECORD (a later line wins)
};

std::string csv_field(const std::string& field) {
  if (field.find_first_of(",\"\n\r") == std::string::npos) return field;
  std::string out = "\"";
  for (const char c : field) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::vector<Member> all_members(const WheelSpec& spec) {
  std::vector<Member> members = spec.members;
  if (spec.with_wheel) members.push_back({spec.dist_info + "/WHEEL", spec.wheel_text});
  if (spec.with_metadata) members.push_back({spec.dist_info + "/METADATA", "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"});
  if (spec.with_record) {
    std::string record;
    for (const auto& member : members) {
      if (member.name.ends_with('/') || spec.record_omit.contains(member.name)) continue;
      record += csv_field(member.name) + "," + record_hash(member.data) + "," + std::to_string(member.data.size()) + "\n";
    }
    record += spec.dist_info + "/RECORD,,\n";
    for (const auto& line : spec.record_extra) record += line + "\n";
    members.push_back({spec.dist_info + "/RECORD", record});
  }
  return members;
}

void add_member(zip_t* archive, const Member& member) {
  zip_int64_t index = -1;
  if (member.name.ends_with('/')) {
    index = zip_dir_add(archive, member.name.c_str(), 0);
  } else {
    zip_source_t* source = zip_source_buffer(archive, member.data.data(), member.data.size(), 0);
    REQUIRE(source != nullptr);
    index = zip_file_add(archive, member.name.c_str(), source, 0);
    if (index < 0) zip_source_free(source);
  }
  REQUIRE_MESSAGE(index >= 0, zip_strerror(archive));
  const auto i = static_cast<zip_uint64_t>(index);
  if (member.store) REQUIRE(zip_set_file_compression(archive, i, ZIP_CM_STORE, 0) == 0);
  if (member.unix_mode) {
    REQUIRE(zip_file_set_external_attributes(archive, i, 0, ZIP_OPSYS_UNIX, *member.unix_mode << 16) == 0);
  }
  if (member.encrypt) REQUIRE(zip_file_set_encryption(archive, i, ZIP_EM_AES_256, "secret") == 0);
}

fs::path write_wheel(const fs::path& file, const WheelSpec& spec = {}) {
  const std::vector<Member> members = all_members(spec);  // alive until zip_close copies the buffers
  int error = 0;
  zip_t* archive = zip_open(file.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  REQUIRE(archive != nullptr);
  for (const auto& member : members) add_member(archive, member);
  REQUIRE_MESSAGE(zip_close(archive) == 0, zip_strerror(archive));
  return file;
}

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const fs::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
}

// Rewrites every occurrence of `from` in the file (same length), returning how many there were:
// the way to make zips that libzip refuses to write (duplicate names, NUL bytes, bad data).
int patch_bytes(const fs::path& file, const std::string& from, const std::string& to) {
  REQUIRE(from.size() == to.size());
  std::string bytes = read_bytes(file);
  int count = 0;
  for (std::size_t at = bytes.find(from); at != std::string::npos; at = bytes.find(from, at + to.size())) {
    bytes.replace(at, from.size(), to);
    ++count;
  }
  write_bytes(file, bytes);
  return count;
}

std::string read_error(const fs::path& file, const ReadLimits& limits = {}) {
  try {
    read_wheel(file, limits);
  } catch (const UserError& error) {
    return error.what();
  }
  FAIL("read_wheel accepted " << file);
  return "";
}

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

// The message names the wheel file and says what is wrong.
void check_error(const fs::path& file, std::initializer_list<std::string> needles, const ReadLimits& limits = {}) {
  const std::string message = read_error(file, limits);
  CAPTURE(message);
  CHECK(message.starts_with(file.string() + ": "));
  for (const auto& needle : needles) CHECK_MESSAGE(contains(message, needle), needle);
}

std::vector<std::string> paths(const Wheel& wheel) {
  std::vector<std::string> out;
  for (const auto& file : wheel.files) out.push_back(file.path);
  return out;
}

// A wheel with just these tags ("python-abi-platform"), for the compatibility rules.
Wheel wheel_with_tags(std::initializer_list<std::string> tags) {
  Wheel wheel;
  wheel.file = "/wheels/demo-1.0-x-y-z.whl";
  for (const auto& tag : tags) {
    const std::size_t first = tag.find('-');
    const std::size_t second = tag.find('-', first + 1);
    wheel.tags.push_back({tag.substr(0, first), tag.substr(first + 1, second - first - 1), tag.substr(second + 1)});
  }
  return wheel;
}

const InterpreterTags kCpython311 = {3, 11, "x86_64", 2, 36};

bool fits(const std::string& tag, const InterpreterTags& interpreter = kCpython311) {
  const std::string why = wheel_incompatibility(wheel_with_tags({tag}), interpreter);
  CAPTURE(why);
  return why.empty();
}

std::string why_not(const std::string& tag) { return wheel_incompatibility(wheel_with_tags({tag}), kCpython311); }

}  // namespace

// ---- reading valid wheels ----------------------------------------------------------------------

TEST_CASE("wheel: a valid pure wheel is read whole, in zip order, directories skipped") {
  TempDir dir;
  WheelSpec spec;
  spec.members.insert(spec.members.begin(), Member{"demo/", ""});
  spec.members.push_back({"demo/data/blob.bin", std::string("\0\1\2\xff", 4)});
  const fs::path file = write_wheel(dir / "demo-1.0-py3-none-any.whl", spec);

  const Wheel wheel = read_wheel(file);
  CHECK(wheel.file == file);
  CHECK(wheel.distribution == "demo");
  CHECK(wheel.version == "1.0");
  CHECK(wheel.build_tag.empty());
  REQUIRE(wheel.tags.size() == 1);
  CHECK(wheel.tags[0].text() == "py3-none-any");
  CHECK(wheel.dist_info_dir == "demo-1.0.dist-info");
  CHECK(wheel.data_dir == "demo-1.0.data");
  CHECK(wheel.root_is_purelib);
  CHECK(paths(wheel) == std::vector<std::string>{"demo/__init__.py", "demo/util.py", "demo/data/blob.bin",
                                                 "demo-1.0.dist-info/WHEEL", "demo-1.0.dist-info/METADATA",
                                                 "demo-1.0.dist-info/RECORD"});
  CHECK(wheel.files[0].data == "print('hi')\n");
  CHECK(wheel.files[2].data == std::string("\0\1\2\xff", 4));
  CHECK(wheel_incompatibility(wheel, kCpython311).empty());
}

TEST_CASE("wheel: file names with a build tag and compressed tag sets") {
  TempDir dir;
  WheelSpec spec;
  spec.dist_info = "numpy-1.26.0.dist-info";
  spec.wheel_text = "Wheel-Version: 1.0\nRoot-Is-Purelib: false\n";
  const fs::path file = write_wheel(dir / "numpy-1.26.0-7-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", spec);
  const Wheel wheel = read_wheel(file);
  CHECK(wheel.distribution == "numpy");
  CHECK(wheel.version == "1.26.0");
  CHECK(wheel.build_tag == "7");
  REQUIRE(wheel.tags.size() == 2);
  CHECK(wheel.tags[0].text() == "cp311-cp311-manylinux_2_17_x86_64");
  CHECK(wheel.tags[1].text() == "cp311-cp311-manylinux2014_x86_64");
  CHECK_FALSE(wheel.root_is_purelib);

  spec.dist_info = "demo-1.0.dist-info";
  const Wheel two = read_wheel(write_wheel(dir / "demo-1.0-py2.py3-none-any.whl", spec));
  REQUIRE(two.tags.size() == 2);
  CHECK(two.tags[0].text() == "py2-none-any");
  CHECK(two.tags[1].text() == "py3-none-any");

  // Every combination of a compressed set, in order.
  const Wheel six = read_wheel(write_wheel(dir / "demo-1.0-py2.py3-none.abi3-linux_x86_64.any.whl", spec));
  CHECK(six.tags.size() == 8);
  CHECK(six.tags[7].text() == "py3-abi3-any");
}

TEST_CASE("wheel: the dist-info directory matches the distribution by its normalised name") {
  TempDir dir;
  WheelSpec spec;
  spec.dist_info = "Foo.Bar-2.0.dist-info";
  const Wheel wheel = read_wheel(write_wheel(dir / "foo_bar-2.0-py3-none-any.whl", spec));
  CHECK(wheel.dist_info_dir == "Foo.Bar-2.0.dist-info");
  CHECK(wheel.data_dir == "Foo.Bar-2.0.data");

  spec.dist_info = "other-1.0.dist-info";
  check_error(write_wheel(dir / "demo-1.0-py3-none-any.whl", spec), {"other-1.0.dist-info", "'demo'"});
}

TEST_CASE("wheel: RECORD is optional, may quote names, and may omit hashes") {
  TempDir dir;
  WheelSpec spec;
  spec.with_record = false;
  CHECK(read_wheel(write_wheel(dir / "demo-1.0-py3-none-any.whl", spec)).files.size() == 4);

  WheelSpec quoted;
  quoted.members.push_back({"demo/a,b \"c\".txt", "comma"});
  CHECK(read_wheel(write_wheel(dir / "demo-1.0-py3-none-any.whl", quoted)).files.size() == 6);

  WheelSpec no_hash;
  no_hash.record_extra = {"demo/util.py,,"};  // the later line wins: no hash, no size
  no_hash.members[1].data = "changed after RECORD was written\n";
  CHECK_NOTHROW(read_wheel(write_wheel(dir / "demo-1.0-py3-none-any.whl", no_hash)));
}

TEST_CASE("wheel: record_hash is sha256 in urlsafe base64 without padding") {
  // Values from Python: base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
  CHECK(record_hash("") == "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
  CHECK(record_hash("print('hi')\n") == "sha256=yvAm8l1xQCCfmAcmBTB6Q4kUuc5vPBSyPRXZZnJB3lI");
  CHECK(record_hash("abc") == "sha256=ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
}

// ---- compatibility ---------------------------------------------------------------------------

TEST_CASE("wheel compatibility: generic and CPython tags") {
  CHECK(fits("py3-none-any"));
  CHECK(fits("py311-none-any"));
  CHECK(fits("py36-none-any"));
  CHECK(fits("cp311-cp311-linux_x86_64"));
  CHECK(fits("cp39-abi3-manylinux_2_17_x86_64"));
  CHECK(fits("cp32-abi3-manylinux2014_x86_64"));
  CHECK(fits("cp38-none-any"));
  CHECK(fits("cp311-none-linux_x86_64"));
  CHECK(fits("cp311-abi3-any"));

  CHECK(contains(why_not("cp312-abi3-manylinux_2_17_x86_64"), "needs Python 3.12 or newer"));
  CHECK(contains(why_not("py312-none-any"), "needs Python 3.12 or newer"));
  CHECK(contains(why_not("py2-none-any"), "needs Python 2"));
  CHECK(contains(why_not("cp310-cp310-manylinux_2_17_x86_64"), "ABI 'cp310'"));
  CHECK(contains(why_not("cp311-cp310-linux_x86_64"), "ABI 'cp310'"));
  CHECK(contains(why_not("cp311-cp311d-linux_x86_64"), "ABI 'cp311d'"));
  CHECK(contains(why_not("cp311-cp311m-linux_x86_64"), "ABI 'cp311m'"));
  CHECK(contains(why_not("py3-abi3-any"), "ABI 'abi3'"));
  CHECK(contains(why_not("py3-cp311-any"), "ABI 'cp311'"));
  CHECK(contains(why_not("pp39-pypy39_pp73-manylinux_2_17_x86_64"), "another Python implementation"));
  CHECK(contains(why_not("cp3-none-any"), "no minor version"));
}

TEST_CASE("wheel compatibility: platforms") {
  CHECK(fits("cp311-cp311-manylinux1_x86_64"));
  CHECK(fits("cp311-cp311-manylinux2010_x86_64"));
  CHECK(fits("cp311-cp311-manylinux2014_x86_64"));
  CHECK(fits("cp311-cp311-manylinux_2_36_x86_64"));  // exactly this glibc
  CHECK(fits("cp311-cp311-manylinux_2_5_x86_64"));

  CHECK(contains(why_not("cp311-cp311-manylinux_2_37_x86_64"), "needs glibc 2.37, this machine has 2.36"));
  CHECK(contains(why_not("cp311-cp311-manylinux_2_99_x86_64"), "needs glibc 2.99"));
  CHECK(contains(why_not("cp311-cp311-manylinux_3_0_x86_64"), "needs glibc 3.0"));
  CHECK(contains(why_not("cp311-cp311-musllinux_1_1_x86_64"), "musl"));
  CHECK(contains(why_not("cp311-cp311-manylinux_2_17_aarch64"), "built for aarch64, this machine is x86_64"));
  CHECK(contains(why_not("cp311-cp311-manylinux2014_aarch64"), "aarch64"));
  CHECK(contains(why_not("cp311-cp311-linux_i686"), "i686"));
  CHECK(contains(why_not("cp311-cp311-win_amd64"), "not Linux"));
  CHECK(contains(why_not("cp311-cp311-macosx_11_0_arm64"), "not Linux"));
  CHECK(contains(why_not("cp311-cp311-manylinux_x_y_x86_64"), "not understood"));

  const InterpreterTags arm = {3, 11, "aarch64", 2, 36};
  CHECK(fits("cp311-cp311-manylinux_2_17_aarch64", arm));
  CHECK_FALSE(fits("cp311-cp311-manylinux_2_17_x86_64", arm));

  const InterpreterTags old_glibc = {3, 11, "x86_64", 2, 12};
  CHECK(fits("cp311-cp311-manylinux2010_x86_64", old_glibc));
  CHECK_FALSE(fits("cp311-cp311-manylinux2014_x86_64", old_glibc));
}

TEST_CASE("wheel compatibility: one fitting tag suffices; otherwise every tag is explained") {
  CHECK(wheel_incompatibility(wheel_with_tags({"cp311-cp311-musllinux_1_1_x86_64", "cp311-cp311-manylinux_2_17_x86_64"}),
                              kCpython311)
            .empty());
  const std::string why = wheel_incompatibility(
      wheel_with_tags({"cp312-cp312-manylinux_2_17_x86_64", "cp312-cp312-musllinux_1_1_x86_64"}), kCpython311);
  CAPTURE(why);
  CHECK(why.starts_with("/wheels/demo-1.0-x-y-z.whl: "));
  CHECK(contains(why, "CPython 3.11"));
  CHECK(contains(why, "cp312-cp312-manylinux_2_17_x86_64 (needs Python 3.12 or newer)"));
  CHECK(contains(why, "cp312-cp312-musllinux_1_1_x86_64 (needs Python 3.12 or newer)"));
  CHECK(contains(wheel_incompatibility(wheel_with_tags({}), kCpython311), "no compatibility tags"));
}

TEST_CASE("wheel compatibility: this machine's tags") {
  const InterpreterTags here = interpreter_tags(freeze::packager::PythonVersion::embedded());
  CHECK(here.major == 3);
  CHECK(here.minor == 11);
  CHECK_FALSE(here.arch.empty());
  CHECK(here.arch.find('-') == std::string::npos);
  CHECK(here.glibc_major == 2);
  CHECK(here.glibc_minor >= 17);
  CHECK(fits("py3-none-any", here));
  CHECK(fits("cp311-cp311-manylinux2014_" + here.arch, here));
}

// ---- invalid wheels --------------------------------------------------------------------------

TEST_CASE("wheel errors: bad file names") {
  TempDir dir;
  check_error(dir / "demo.whl", {"file name"});
  check_error(dir / "demo-1.0-py3-none-any.zip", {".whl"});
  check_error(dir / "demo-1.0-py3-none.whl", {"4 '-'-separated parts"});
  check_error(dir / "demo-1.0-extra-stuff-py3-none-any.whl", {"7 '-'-separated parts"});
  check_error(dir / "demo-1.0-local-py3-none-any.whl", {"build tag 'local'"});
  check_error(dir / "demo--py3-none-any.whl", {"empty part"});
  check_error(dir / "demo-1.0-py3.-none-any.whl", {"empty component"});
}

TEST_CASE("wheel errors: not a zip, truncated, missing, damaged") {
  TempDir dir;
  const fs::path text = dir / "demo-1.0-py3-none-any.whl";
  write_bytes(text, "this is not a zip file\n");
  check_error(text, {"not a zip file"});

  check_error(dir / "absent-1.0-py3-none-any.whl", {"no such file"});
  fs::create_directories(dir / "folder-1.0-py3-none-any.whl");
  check_error(dir / "folder-1.0-py3-none-any.whl", {"is a directory"});

  WheelSpec whole_spec;
  whole_spec.dist_info = "whole-1.0.dist-info";
  const fs::path whole = write_wheel(dir / "whole-1.0-py3-none-any.whl", whole_spec);
  const std::string bytes = read_bytes(whole);
  for (const std::size_t keep : {bytes.size() / 2, bytes.size() - 1, std::size_t{10}}) {
    CAPTURE(keep);
    const fs::path truncated = dir / "demo-1.0-py3-none-any.whl";
    write_bytes(truncated, bytes.substr(0, keep));
    check_error(truncated, {});
  }

  WheelSpec spec;
  spec.members.push_back({"demo/payload.txt", "UNIQUE-PAYLOAD-0123456789", std::nullopt, /*store=*/true});
  const fs::path damaged = write_wheel(dir / "demo-1.0-py3-none-any.whl", spec);
  REQUIRE(patch_bytes(damaged, "UNIQUE-PAYLOAD-0123456789", "UNIQUE-PAYLOAD-0123456780") == 1);
  check_error(damaged, {"'demo/payload.txt'", "CRC"});
}

TEST_CASE("wheel errors: unsafe member names") {
  TempDir dir;
  const fs::path file = dir / "demo-1.0-py3-none-any.whl";
  const auto with_member = [&](const std::string& name) {
    WheelSpec spec;
    spec.members.push_back({name, "x"});
    return write_wheel(file, spec);
  };
  check_error(with_member("../evil.py"), {"member '../evil.py'", "'..' component"});
  check_error(with_member("demo/../../evil.py"), {"member 'demo/../../evil.py'", "'..' component"});
  check_error(with_member("/etc/evil.py"), {"member '/etc/evil.py'", "absolute"});
  check_error(with_member("C:/evil.py"), {"member 'C:/evil.py'", "absolute"});
  check_error(with_member("demo\\evil.py"), {"member 'demo\\evil.py'", "backslash"});
  check_error(with_member("demo/bad\xff.py"), {"member 'demo/bad\\xff.py'", "not valid UTF-8"});
  check_error(with_member("demo/new\nline.py"), {"member 'demo/new\\x0aline.py'", "control character"});
  check_error(with_member("demo//double.py"), {"member 'demo//double.py'", "empty path component"});
  check_error(with_member("demo/./dot.py"), {"member 'demo/./dot.py'", "'.' path component"});
  check_error(with_member("../"), {"member '../'", "'..' component"});  // directory entries too

  // Non-ASCII UTF-8 is fine.
  CHECK_NOTHROW(read_wheel(with_member("demo/données/é.txt")));
}

TEST_CASE("wheel errors: a NUL byte in a name does not truncate it") {
  // libzip turns NUL bytes in names into spaces when it reads the directory; the renamed member
  // then no longer matches RECORD.
  TempDir dir;
  WheelSpec spec;
  spec.members.push_back({"demo/nulXbyte.py", "x"});
  const fs::path file = write_wheel(dir / "demo-1.0-py3-none-any.whl", spec);
  REQUIRE(patch_bytes(file, "demo/nulXbyte.py", std::string("demo/nul\0byte.py", 16)) == 2);
  check_error(file, {"demo/nul", "not listed in RECORD"});
}

TEST_CASE("wheel errors: symlinks and other non-regular members") {
  TempDir dir;
  const fs::path file = dir / "demo-1.0-py3-none-any.whl";
  WheelSpec spec;
  spec.members.push_back({"demo/link.py", "util.py", S_IFLNK | 0777});
  check_error(write_wheel(file, spec), {"member 'demo/link.py'", "symbolic link"});

  spec.members.back() = {"demo/device", "", S_IFCHR | 0600};
  check_error(write_wheel(file, spec), {"member 'demo/device'", "not a regular file"});

  spec.members.back() = {"demo/plain.py", "x", S_IFREG | 0644};  // an ordinary Unix mode is fine
  CHECK_NOTHROW(read_wheel(write_wheel(file, spec)));
}

TEST_CASE("wheel errors: duplicate members and file/directory clashes") {
  TempDir dir;
  const fs::path file = dir / "demo-1.0-py3-none-any.whl";
  WheelSpec spec;
  spec.with_record = false;
  spec.members = {{"demo/a.py", "first"}, {"demo/b.py", "second"}};
  write_wheel(file, spec);
  REQUIRE(patch_bytes(file, "demo/b.py", "demo/a.py") == 2);  // local header and central directory
  check_error(file, {"member 'demo/a.py'", "twice"});

  spec.members = {{"demo/x", "file"}, {"demo/x/y.py", "inside"}};
  check_error(write_wheel(file, spec), {"member 'demo/x'", "directory"});

  spec.members = {{"demo/x", "file"}, {"demo/x/", ""}};
  check_error(write_wheel(file, spec), {"member 'demo/x'", "directory"});
}

TEST_CASE("wheel errors: encrypted members") {
  TempDir dir;
  WheelSpec spec;
  spec.members.push_back({"demo/secret.py", "x = 1\n", std::nullopt, false, /*encrypt=*/true});
  check_error(write_wheel(dir / "demo-1.0-py3-none-any.whl", spec), {"member 'demo/secret.py'", "encrypted"});
}

TEST_CASE("wheel errors: zip bombs") {
  TempDir dir;
  const fs::path file = dir / "demo-1.0-py3-none-any.whl";
  WheelSpec spec;
  spec.members.push_back({"demo/zeros.bin", std::string(2 << 20, '\0')});  // deflates about 1000:1
  check_error(write_wheel(file, spec), {"member 'demo/zeros.bin'", "zip bomb"});

  // Up to 1 MiB, a high ratio is ordinary (a file of zeros, a sparse table).
  spec.members.back().data = std::string(1 << 20, '\0');
  CHECK_NOTHROW(read_wheel(write_wheel(file, spec)));

  // The total, checked on declared sizes before anything is inflated.
  spec.members.back().data = std::string(2000, 'x');
  check_error(write_wheel(file, spec), {"more than 1000 bytes", "zip bomb"}, ReadLimits{.max_total = 1000});
}

// The 12 bytes "CRC, compressed size, uncompressed size" as both zip headers store them
// (little-endian), for a member of the wheel, with the uncompressed size replaced by `size`.
std::string size_fields(const fs::path& file, const std::string& name, std::optional<std::uint32_t> size = std::nullopt) {
  int error = 0;
  zip_t* archive = zip_open(file.c_str(), ZIP_RDONLY, &error);
  REQUIRE(archive != nullptr);
  zip_stat_t stat;
  REQUIRE(zip_stat(archive, name.c_str(), 0, &stat) == 0);
  zip_discard(archive);
  std::string out;
  for (const std::uint64_t value : {std::uint64_t{stat.crc}, stat.comp_size, size ? *size : stat.size}) {
    for (int shift = 0; shift < 32; shift += 8) out += static_cast<char>((value >> shift) & 0xFF);
  }
  return out;
}

TEST_CASE("wheel errors: a member that does not inflate to its declared size") {
  TempDir dir;
  const fs::path file = dir / "demo-1.0-py3-none-any.whl";
  WheelSpec spec;
  spec.with_record = false;
  spec.members.push_back({"demo/sized.txt", std::string(80, 'A')});
  for (const std::uint32_t declared : {79u, 81u, 1000u}) {
    CAPTURE(declared);
    write_wheel(file, spec);
    REQUIRE(patch_bytes(file, size_fields(file, "demo/sized.txt"), size_fields(file, "demo/sized.txt", declared)) == 2);
    check_error(file, {"member 'demo/sized.txt'"});
  }
}

TEST_CASE("wheel errors: contents that do not match RECORD, all listed at once") {
  TempDir dir;
  const fs::path file = dir / "demo-1.0-py3-none-any.whl";
  WheelSpec spec;
  spec.record_extra = {"demo/__init__.py,sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,12",
                       "demo/util.py," + record_hash("X = 1\n") + ",99"};
  check_error(write_wheel(file, spec),
              {"demo-1.0.dist-info/RECORD", "member 'demo/__init__.py' (sha256 differs from RECORD)",
               "member 'demo/util.py' (size 6 differs from RECORD's 99)"});

  WheelSpec omitted;
  omitted.record_omit = {"demo/util.py", "demo-1.0.dist-info/METADATA"};
  check_error(write_wheel(file, omitted), {"member 'demo/util.py' (not listed in RECORD)",
                                           "member 'demo-1.0.dist-info/METADATA' (not listed in RECORD)"});

  WheelSpec md5;
  md5.record_extra = {"demo/util.py,md5=abc,6"};
  check_error(write_wheel(file, md5), {"member 'demo/util.py'", "md5"});

  WheelSpec malformed;
  malformed.record_extra = {"demo/util.py,sha256=x"};
  check_error(write_wheel(file, malformed), {"RECORD line 6", "expected 3 fields"});

  // Signatures of RECORD need no entry of their own.
  WheelSpec signed_wheel;
  signed_wheel.members.push_back({"demo-1.0.dist-info/RECORD.jws", "{}"});
  signed_wheel.record_omit = {"demo-1.0.dist-info/RECORD.jws"};
  CHECK_NOTHROW(read_wheel(write_wheel(file, signed_wheel)));
}

TEST_CASE("wheel errors: dist-info problems") {
  TempDir dir;
  const fs::path file = dir / "demo-1.0-py3-none-any.whl";
  WheelSpec spec;
  spec.with_wheel = false;
  check_error(write_wheel(file, spec), {"missing demo-1.0.dist-info/WHEEL"});

  spec = {};
  spec.with_metadata = false;
  check_error(write_wheel(file, spec), {"missing demo-1.0.dist-info/METADATA"});

  spec = {};
  spec.wheel_text = "Wheel-Version: 2.0\nRoot-Is-Purelib: true\n";
  check_error(write_wheel(file, spec), {"demo-1.0.dist-info/WHEEL", "Wheel-Version 2.0 is not supported"});

  spec.wheel_text = "Generator: x\nRoot-Is-Purelib: true\n";
  check_error(write_wheel(file, spec), {"no Wheel-Version"});

  spec.wheel_text = "Wheel-Version: 1.9\nRoot-Is-Purelib: maybe\n";
  check_error(write_wheel(file, spec), {"Root-Is-Purelib", "maybe"});

  spec = {};
  spec.members = {{"demo/__init__.py", ""}};
  spec.with_wheel = spec.with_metadata = spec.with_record = false;
  check_error(write_wheel(file, spec), {"no .dist-info directory"});

  spec = {};
  spec.members.push_back({"demo-2.0.dist-info/METADATA", "Name: demo\n"});
  check_error(write_wheel(file, spec), {"more than one .dist-info directory"});
}

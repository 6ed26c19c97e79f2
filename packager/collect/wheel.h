// Python wheels (PEP 427/491), read straight from the zip with libzip: no pip, nothing unpacked
// to disk. The packager embeds a wheel's files in the executable, so everything a hostile or
// broken wheel could do to a naive extractor (paths escaping the tree, symlinks, duplicates, zip
// bombs, contents that do not match RECORD) is refused here with a UserError naming the wheel.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "packager/config/python_version.h"

namespace freeze::packager {

struct WheelFile {
  std::string path;  // member name inside the wheel: "pkg/mod.py", "pkg-1.0.dist-info/METADATA"
  std::string data;
  unsigned mode = 0;  // permission bits recorded by a zip made on Unix, else 0
};

// One expanded tag, e.g. {"cp311", "cp311", "manylinux_2_17_x86_64"}; lower case.
struct WheelTag {
  std::string python, abi, platform;
  std::string text() const { return python + "-" + abi + "-" + platform; }
};

struct Wheel {
  std::filesystem::path file;
  std::string distribution;     // from the file name, e.g. "Jinja2"
  std::string version;          // from the file name, e.g. "3.1.2"
  std::string build_tag;        // from the file name; usually empty
  std::vector<WheelTag> tags;   // the file name's compressed tag set, expanded (py2.py3-none-any: 2 tags)
  std::string dist_info_dir;    // "Jinja2-3.1.2.dist-info", as spelled in the zip
  std::string data_dir;         // "Jinja2-3.1.2.data" (may be absent from the zip)
  bool root_is_purelib = true;  // dist-info/WHEEL's Root-Is-Purelib (absent counts as false, as for pip)
  std::vector<WheelFile> files; // every regular member, in zip order; directories are skipped
};

// Guards against zip bombs: checked on the sizes the zip declares before anything is inflated,
// and the inflated size must then equal the declared one.
struct ReadLimits {
  std::uint64_t max_total = std::uint64_t{2} << 30;  // sum of all members' uncompressed sizes
  std::uint64_t max_ratio = 200;                     // uncompressed / compressed, for members ...
  std::uint64_t ratio_min_size = std::uint64_t{1} << 20;  // ... larger than this (small files compress well)
};

// What a wheel must fit: the CPython the app is frozen for and the build machine (whose glibc the executable
// is linked against, so it is the floor for manylinux wheels).
struct InterpreterTags {
  int major = 3, minor = 11;
  std::string arch = "x86_64";  // as in platform tags: uname's machine with '-' and '.' as '_'
  int glibc_major = 2, glibc_minor = 36;
};

// `python`'s version, uname()'s machine and gnu_get_libc_version().
InterpreterTags interpreter_tags(const PythonVersion& python);

// Reads and validates a wheel; throws UserError("<wheel path>: <what is wrong>") for anything
// invalid: a bad file name, an unreadable or damaged zip, an unsafe or duplicate member, an
// encrypted member, a zip bomb, missing dist-info/WHEEL or METADATA, an unsupported
// Wheel-Version, or members that do not match RECORD (all of them listed in one message).
Wheel read_wheel(const std::filesystem::path& file, const ReadLimits& limits = {});

// Empty if one of the wheel's tags fits; otherwise a message naming the wheel file, every one of
// its tags and why each does not fit.
std::string wheel_incompatibility(const Wheel& wheel, const InterpreterTags& interpreter);

// A RECORD hash field for these bytes: "sha256=" + urlsafe base64 of the digest, no padding.
std::string record_hash(std::string_view data);

}  // namespace freeze::packager

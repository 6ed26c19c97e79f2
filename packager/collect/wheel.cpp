// Reading wheels with libzip. The order of the checks matters: the file name first (no I/O), then
// the zip's central directory (names, types, sizes: nothing is inflated before every member has
// passed), then the contents, then dist-info (WHEEL, METADATA, RECORD).
#include "packager/collect/wheel.h"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <gnu/libc-version.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <zip.h>

#include "packager/support/sha256.h"
#include "packager/support/user_error.h"
#include "packager/support/text.h"

namespace fs = std::filesystem;

namespace freeze::packager {
namespace {

constexpr std::string_view kWheelSuffix = ".whl";
constexpr std::string_view kDistInfoSuffix = ".dist-info";

[[noreturn]] void fail(const fs::path& wheel, const std::string& what) {
  throw UserError(wheel.string() + ": " + what);
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

template <typename Int>
std::optional<Int> parse_decimal(std::string_view text) {
  Int value{};
  if (text.empty()) return std::nullopt;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// ---- UTF-8 and printing names -------------------------------------------------------------

// Length of the well-formed UTF-8 sequence starting at text[i], or 0 if there is none (stray
// continuation byte, overlong form, surrogate, beyond U+10FFFF, truncated).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // beyond U+10FFFF
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

// A member name as it can safely be shown on a terminal: control characters and bytes that are
// not UTF-8 become \xNN, so a hostile name cannot garble or hide the error message.
std::string printable(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0 || c < 0x20 || c == 0x7F) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

std::string member_label(std::string_view name) { return "member '" + printable(name) + "'"; }

// ---- the file name --------------------------------------------------------------------------

struct FileNameParts {
  std::string distribution, version, build_tag;
  std::vector<WheelTag> tags;
};

// A dot-compressed tag set ("py2.py3") into its tags; empty if any of them is empty.
std::vector<std::string> split_tag_set(std::string_view set) {
  std::vector<std::string> tags = split(lower(set), '.');
  if (std::any_of(tags.begin(), tags.end(), [](const std::string& tag) { return tag.empty(); })) return {};
  return tags;
}

std::vector<WheelTag> expand_tags(std::string_view python, std::string_view abi, std::string_view platform) {
  std::vector<WheelTag> tags;
  for (const auto& p : split_tag_set(python)) {
    for (const auto& a : split_tag_set(abi)) {
      for (const auto& pl : split_tag_set(platform)) tags.push_back({p, a, pl});
    }
  }
  return tags;
}

// {distribution}-{version}(-{build tag})?-{python tag}-{abi tag}-{platform tag}.whl
FileNameParts parse_file_name(const fs::path& file) {
  const std::string name = file.filename().string();
  const std::string expected = "expected {distribution}-{version}(-{build})?-{python}-{abi}-{platform}.whl";
  if (name.size() <= kWheelSuffix.size() || !name.ends_with(kWheelSuffix)) {
    fail(file, "not a wheel file name (no .whl suffix); " + expected);
  }
  const std::vector<std::string> parts = split(std::string_view(name).substr(0, name.size() - kWheelSuffix.size()), '-');
  if (parts.size() != 5 && parts.size() != 6) {
    fail(file, "the file name has " + std::to_string(parts.size()) + " '-'-separated parts; " + expected);
  }
  if (std::any_of(parts.begin(), parts.end(), [](const std::string& part) { return part.empty(); })) {
    fail(file, "the file name has an empty part; " + expected);
  }
  FileNameParts result{parts[0], parts[1], parts.size() == 6 ? parts[2] : "", {}};
  // PEP 427: the build tag starts with a digit (it sorts wheels of the same version).
  if (parts.size() == 6 && !(result.build_tag[0] >= '0' && result.build_tag[0] <= '9')) {
    fail(file, "build tag '" + result.build_tag + "' does not start with a digit; " + expected);
  }
  const std::size_t t = parts.size() - 3;
  result.tags = expand_tags(parts[t], parts[t + 1], parts[t + 2]);
  if (result.tags.empty()) fail(file, "the file name's tags have an empty component (a stray '.')");
  return result;
}

// PEP 503 normalisation: case and runs of '-', '_', '.' do not distinguish two projects.
std::string canonical_name(std::string_view name) {
  std::string out;
  for (const char c : lower(name)) {
    const bool separator = c == '-' || c == '_' || c == '.';
    if (!separator) {
      out += c;
    } else if (out.empty() || out.back() != '-') {
      out += '-';
    }
  }
  return out;
}

// ---- libzip ---------------------------------------------------------------------------------

struct ZipDiscard {
  void operator()(zip_t* archive) const { zip_discard(archive); }  // read-only: never writes
};
struct ZipFileClose {
  void operator()(zip_file_t* member) const { zip_fclose(member); }
};
using ZipArchive = std::unique_ptr<zip_t, ZipDiscard>;
using ZipMember = std::unique_ptr<zip_file_t, ZipFileClose>;

ZipArchive open_zip(const fs::path& file) {
  std::error_code ignored;
  if (!fs::exists(file, ignored)) fail(file, "no such file");
  if (fs::is_directory(file, ignored)) fail(file, "is a directory, not a wheel file");
  // Through a file source rather than zip_open(): its zip_error_t keeps the system error, so
  // "Permission denied" reaches the message instead of a bare "Can't open file".
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_file_create(file.c_str(), 0, -1, &error);
  // No ZIP_CHECKCONS: it rejects duplicate names with a bare "File already exists"; the member
  // checks below report them, and what else it verifies, by name.
  zip_t* archive = source == nullptr ? nullptr : zip_open_from_source(source, ZIP_RDONLY, &error);
  if (archive != nullptr) return ZipArchive(archive);
  if (source != nullptr) zip_source_free(source);
  const int code = zip_error_code_zip(&error);
  const std::string text = zip_error_strerror(&error);
  zip_error_fini(&error);
  switch (code) {
    case ZIP_ER_NOZIP:
      fail(file, "not a zip file (no end of central directory record: not a wheel, or truncated)");
    case ZIP_ER_INCONS:
      fail(file, "damaged zip file (inconsistent central directory; truncated?)");
    case ZIP_ER_MULTIDISK:
      fail(file, "multi-disk zip archives are not supported");
    default:
      fail(file, "cannot read the zip file: " + text);
  }
}

// ---- the members ----------------------------------------------------------------------------

struct Entry {
  zip_uint64_t index = 0;
  std::string name;
  std::uint64_t size = 0;
  std::uint64_t compressed_size = 0;
  bool directory = false;  // a name ending in '/': checked like the rest, but holds no file
  unsigned mode = 0;       // permission bits, from a Unix-made zip's external attributes
};

bool is_directory_name(std::string_view name) { return !name.empty() && name.back() == '/'; }

// Why a member name is unsafe to use as a path under the install tree, if it is.
std::optional<std::string> name_problem(std::string_view name) {
  if (name.empty()) return "has an empty name";
  if (name.find('\0') != std::string_view::npos) return "has a NUL byte in its name";
  if (!is_valid_utf8(name)) return "has a name that is not valid UTF-8";
  for (const char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return "has a control character in its name";
  }
  if (name.find('\\') != std::string_view::npos) return "has a backslash in its name (wheel paths use '/')";
  const bool drive = name.size() >= 2 && name[1] == ':' && std::isalpha(static_cast<unsigned char>(name[0]));
  if (name.front() == '/' || drive) return "has an absolute path";
  if (is_directory_name(name)) name.remove_suffix(1);
  for (const auto& component : split(name, '/')) {
    if (component == "..") return "has a '..' component (it would escape the install directory)";
    // "a//b" and "a/./b" would name the same file as "a/b": refuse them rather than normalise,
    // so that the duplicate check below compares what an extractor would write.
    if (component.empty()) return "has an empty path component ('//')";
    if (component == ".") return "has a '.' path component";
  }
  return std::nullopt;
}

// Symlinks (and devices, fifos) have no place in a wheel: a link member could point an
// extractor, or our importer, outside the tree. Only Unix-made zips carry a file type.
std::optional<std::string> type_problem(zip_t* archive, const Entry& entry) {
  zip_uint8_t system = 0;
  zip_uint32_t attributes = 0;
  if (zip_file_get_external_attributes(archive, entry.index, 0, &system, &attributes) != 0) return std::nullopt;
  if (system != ZIP_OPSYS_UNIX) return std::nullopt;
  const mode_t mode = attributes >> 16;
  const mode_t type = mode & S_IFMT;
  if (type == S_IFLNK) return "is a symbolic link (not allowed in a wheel)";
  if (type == 0 || type == S_IFREG || (type == S_IFDIR && is_directory_name(entry.name))) return std::nullopt;
  char octal[16];
  std::snprintf(octal, sizeof octal, "%06o", static_cast<unsigned>(mode));
  return std::string("is not a regular file (Unix mode ") + octal + ")";
}

Entry stat_entry(zip_t* archive, zip_uint64_t index, const fs::path& file) {
  zip_stat_t stat;
  zip_stat_init(&stat);
  // ENC_RAW: the bytes as stored. Without it libzip would re-encode a name that is not UTF-8
  // from CP437, hiding exactly the names we must refuse.
  if (zip_stat_index(archive, index, ZIP_FL_ENC_RAW, &stat) != 0 || !(stat.valid & ZIP_STAT_NAME)) {
    fail(file, "cannot read zip entry #" + std::to_string(index) + ": " + zip_strerror(archive));
  }
  Entry entry{index, stat.name, stat.size, stat.comp_size, is_directory_name(stat.name)};
  if (const auto problem = name_problem(entry.name)) fail(file, member_label(entry.name) + " " + *problem);
  if (!(stat.valid & ZIP_STAT_SIZE) || !(stat.valid & ZIP_STAT_COMP_SIZE)) {
    fail(file, member_label(entry.name) + " has no size in the zip directory");
  }
  if ((stat.valid & ZIP_STAT_ENCRYPTION_METHOD) && stat.encryption_method != ZIP_EM_NONE) {
    fail(file, member_label(entry.name) + " is encrypted (wheels cannot be)");
  }
  if (const auto problem = type_problem(archive, entry)) fail(file, member_label(entry.name) + " " + *problem);
  zip_uint8_t system = 0;
  zip_uint32_t attributes = 0;
  if (zip_file_get_external_attributes(archive, index, 0, &system, &attributes) == 0 && system == ZIP_OPSYS_UNIX) {
    entry.mode = (attributes >> 16) & 07777;
  }
  return entry;
}

void check_ratio(const Entry& entry, const ReadLimits& limits, const fs::path& file) {
  if (entry.size <= limits.ratio_min_size || limits.max_ratio == 0) return;
  // size > compressed * ratio, written without the multiplication that could overflow.
  const std::uint64_t least_compressed = entry.size / limits.max_ratio + (entry.size % limits.max_ratio != 0);
  if (entry.compressed_size < least_compressed) {
    fail(file, member_label(entry.name) + " inflates " + std::to_string(entry.compressed_size) + " bytes to " +
                   std::to_string(entry.size) + " (more than " + std::to_string(limits.max_ratio) +
                   " times): refusing a likely zip bomb");
  }
}

// Every member's name, type and declared size (directories included), checked before anything
// is inflated.
std::vector<Entry> list_entries(zip_t* archive, const fs::path& file, const ReadLimits& limits) {
  const zip_int64_t count = zip_get_num_entries(archive, 0);
  if (count < 0) fail(file, std::string("cannot list the zip file: ") + zip_strerror(archive));
  std::vector<Entry> entries;
  std::unordered_set<std::string> names;
  std::uint64_t total = 0;
  // Every member's compressed data lies in the file, apart from the others': together they
  // cannot be larger than it. Directory entries that share data (overlapping members, the
  // non-recursive zip bomb) add up to more.
  std::error_code size_error;
  const std::uint64_t file_size = fs::file_size(file, size_error);
  std::uint64_t compressed_total = 0;
  for (zip_uint64_t index = 0; index < static_cast<zip_uint64_t>(count); ++index) {
    Entry entry = stat_entry(archive, index, file);
    if (!names.insert(entry.name).second) fail(file, member_label(entry.name) + " appears twice in the zip");
    compressed_total += entry.compressed_size;
    if (!size_error && (compressed_total > file_size || compressed_total < entry.compressed_size)) {
      fail(file, "the members' compressed data adds up to more than the file holds (at " + member_label(entry.name) +
                     "): members overlap; refusing a likely zip bomb");
    }
    if (!entry.directory) {
      check_ratio(entry, limits, file);
      total += entry.size;
      if (total > limits.max_total || total < entry.size) {
        fail(file, "the members inflate to more than " + std::to_string(limits.max_total) + " bytes (at " +
                       member_label(entry.name) + "): refusing a likely zip bomb");
      }
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

// A file "a" and a member "a/b" (or a directory entry "a/") cannot both be extracted; nor can
// both be embedded as paths.
void check_file_directory_clashes(const std::vector<Entry>& entries, const fs::path& file) {
  std::unordered_set<std::string> directories;
  for (const auto& entry : entries) {
    for (std::size_t slash = entry.name.find('/'); slash != std::string::npos; slash = entry.name.find('/', slash + 1)) {
      directories.insert(entry.name.substr(0, slash));
    }
  }
  for (const auto& entry : entries) {
    if (!entry.directory && directories.contains(entry.name)) {
      fail(file, member_label(entry.name) + " is a file, but other members are inside it as a directory");
    }
  }
}

std::string read_error(zip_file_t* member) {
  const int code = zip_error_code_zip(zip_file_get_error(member));
  if (code == ZIP_ER_CRC) return "has damaged data (CRC mismatch)";
  if (code == ZIP_ER_COMPNOTSUPP) return "uses a compression method libzip cannot read";
  return std::string("cannot be read: ") + zip_file_strerror(member);
}

std::string read_member(zip_t* archive, const Entry& entry, const fs::path& file) {
  ZipMember member(zip_fopen_index(archive, entry.index, 0));
  if (!member) {
    const int code = zip_error_code_zip(zip_get_error(archive));
    const std::string why = code == ZIP_ER_COMPNOTSUPP ? "uses a compression method libzip cannot read"
                                                       : std::string("cannot be opened: ") + zip_strerror(archive);
    fail(file, member_label(entry.name) + " " + why);
  }
  std::string data(entry.size, '\0');
  std::uint64_t done = 0;
  while (done < entry.size) {
    const zip_int64_t got = zip_fread(member.get(), data.data() + done, entry.size - done);
    if (got < 0) fail(file, member_label(entry.name) + " " + read_error(member.get()));
    if (got == 0) break;
    done += static_cast<std::uint64_t>(got);
  }
  // One more read: it must hit the end, which is also where libzip verifies the CRC.
  char extra = 0;
  const zip_int64_t more = done == entry.size ? zip_fread(member.get(), &extra, 1) : 0;
  if (more < 0) fail(file, member_label(entry.name) + " " + read_error(member.get()));
  if (done != entry.size || more > 0) {
    fail(file, member_label(entry.name) + " does not inflate to the " + std::to_string(entry.size) +
                   " bytes the zip directory declares (damaged or crafted zip)");
  }
  return data;
}

// ---- dist-info ------------------------------------------------------------------------------

std::string top_component(std::string_view name) { return std::string(name.substr(0, name.find('/'))); }

// The one top-level "*.dist-info" directory, which must belong to the distribution the file
// name says (as pip checks): a wheel cannot smuggle in another project's metadata.
std::string find_dist_info_dir(const Wheel& wheel) {
  std::set<std::string> found;
  for (const auto& member : wheel.files) {
    const std::string top = top_component(member.path);
    if (top.size() > kDistInfoSuffix.size() && top.ends_with(kDistInfoSuffix) && top != member.path) found.insert(top);
  }
  if (found.empty()) {
    fail(wheel.file, "no .dist-info directory (expected " + wheel.distribution + "-" + wheel.version + ".dist-info)");
  }
  if (found.size() > 1) {
    std::vector<std::string> dirs;
    for (const auto& dir : found) dirs.push_back(printable(dir));
    fail(wheel.file, "more than one .dist-info directory: " + join(dirs, ", "));
  }
  const std::string dir = *found.begin();
  const std::string stem = dir.substr(0, dir.size() - kDistInfoSuffix.size());
  const std::string project = stem.substr(0, stem.rfind('-'));
  if (canonical_name(project) != canonical_name(wheel.distribution)) {
    fail(wheel.file, "its dist-info directory '" + printable(dir) + "' is not for distribution '" + wheel.distribution + "'");
  }
  return dir;
}

const WheelFile* find_file(const std::vector<WheelFile>& files, std::string_view path) {
  const auto it = std::find_if(files.begin(), files.end(), [&](const WheelFile& f) { return f.path == path; });
  return it == files.end() ? nullptr : &*it;
}

const WheelFile& require_file(const Wheel& wheel, const std::string& path) {
  const WheelFile* found = find_file(wheel.files, path);
  if (found == nullptr) fail(wheel.file, "missing " + path + " (every wheel has one)");
  return *found;
}

// RFC 822-style "Key: value" headers (the WHEEL file's format), up to the first blank line.
// Keys are compared case-insensitively, as Python's email parser does.
std::map<std::string, std::string> parse_headers(std::string_view text) {
  std::map<std::string, std::string> headers;
  std::string last_key;
  for (const auto& raw : split(text, '\n')) {
    std::string_view line = raw;
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty()) break;
    if ((line.front() == ' ' || line.front() == '\t') && !last_key.empty()) {  // a folded line
      headers[last_key] += " " + std::string(trim(line));
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    last_key = lower(trim(line.substr(0, colon)));
    headers.emplace(last_key, std::string(trim(line.substr(colon + 1))));  // the first one wins
  }
  return headers;
}

void read_wheel_metadata(Wheel& wheel) {
  const std::string wheel_path = wheel.dist_info_dir + "/WHEEL";
  const auto headers = parse_headers(require_file(wheel, wheel_path).data);
  require_file(wheel, wheel.dist_info_dir + "/METADATA");

  const auto version = headers.find("wheel-version");
  if (version == headers.end()) fail(wheel.file, wheel_path + " has no Wheel-Version");
  const auto major = parse_decimal<int>(split(version->second, '.').front());
  if (!major) fail(wheel.file, wheel_path + ": Wheel-Version '" + version->second + "' is not a version number");
  if (*major != 1) {
    fail(wheel.file, wheel_path + ": Wheel-Version " + version->second + " is not supported (only 1.x is)");
  }

  const auto purelib = headers.find("root-is-purelib");
  wheel.root_is_purelib = false;  // pip's reading of a missing header
  if (purelib != headers.end()) {
    const std::string value = lower(purelib->second);
    if (value != "true" && value != "false") {
      fail(wheel.file, wheel_path + ": Root-Is-Purelib is '" + purelib->second + "', not true or false");
    }
    wheel.root_is_purelib = value == "true";
  }
}

// ---- RECORD ---------------------------------------------------------------------------------

struct RecordEntry {
  std::string hash;  // "sha256=..." or empty
  std::string size;  // decimal or empty
};

// One CSV row as Python's csv module writes it: fields quoted with '"' when they hold a comma,
// a quote or a line break, quotes doubled inside. Advances `pos` past the row's line end.
std::optional<std::vector<std::string>> parse_csv_row(std::string_view text, std::size_t& pos) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  while (pos < text.size()) {
    const char c = text[pos++];
    if (quoted) {
      if (c != '"') {
        fields.back() += c;
      } else if (pos < text.size() && text[pos] == '"') {
        fields.back() += '"';
        ++pos;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c == '\n') {
      break;
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  if (quoted) return std::nullopt;  // the file ended inside a quoted field
  return fields;
}

std::unordered_map<std::string, RecordEntry> parse_record(const Wheel& wheel, const WheelFile& record) {
  std::unordered_map<std::string, RecordEntry> entries;
  std::size_t pos = 0;
  for (int line = 1; pos < record.data.size(); ++line) {
    const auto row = parse_csv_row(record.data, pos);
    if (!row) fail(wheel.file, record.path + " line " + std::to_string(line) + ": unterminated quoted field");
    if (row->size() == 1 && trim(row->front()).empty()) continue;  // blank line
    if (row->size() != 3) {
      fail(wheel.file, record.path + " line " + std::to_string(line) + ": expected 3 fields (path,hash,size), found " +
                           std::to_string(row->size()));
    }
    entries[(*row)[0]] = RecordEntry{(*row)[1], (*row)[2]};
  }
  return entries;
}

std::string base64url_nopad(const Sha256Digest& digest) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (const std::uint8_t byte : digest) {
    bits = (bits << 8) | byte;
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += kAlphabet[(bits >> count) & 0x3F];
    }
  }
  if (count > 0) out += kAlphabet[(bits << (6 - count)) & 0x3F];
  return out;
}

// Why a file does not match its RECORD entry, if it does not. Only sha256 can be checked here;
// PEP 427 forbids md5 and sha1, and stronger algorithms (rare) are left to the size check.
std::optional<std::string> record_mismatch(const WheelFile& file, const RecordEntry& entry) {
  if (!entry.hash.empty()) {
    const std::size_t equals = entry.hash.find('=');
    if (equals == std::string::npos) return "RECORD hash '" + printable(entry.hash) + "' is not algorithm=digest";
    const std::string algorithm = lower(entry.hash.substr(0, equals));
    if (algorithm == "md5" || algorithm == "sha1") return "RECORD uses " + algorithm + ", which wheels may not";
    if (algorithm == "sha256" && record_hash(file.data) != "sha256=" + entry.hash.substr(equals + 1)) {
      return std::string("sha256 differs from RECORD");
    }
  }
  if (!entry.size.empty()) {
    const auto size = parse_decimal<std::uint64_t>(entry.size);
    if (!size) return "RECORD size '" + printable(entry.size) + "' is not a number";
    if (*size != file.data.size()) {
      return "size " + std::to_string(file.data.size()) + " differs from RECORD's " + entry.size;
    }
  }
  return std::nullopt;
}

// RECORD itself and its signatures cannot list their own hashes.
bool is_record_or_signature(const Wheel& wheel, const std::string& path) {
  const std::string prefix = wheel.dist_info_dir + "/";
  return path == prefix + "RECORD" || path == prefix + "RECORD.jws" || path == prefix + "RECORD.p7s";
}

void verify_record(const Wheel& wheel) {
  const WheelFile* record = find_file(wheel.files, wheel.dist_info_dir + "/RECORD");
  if (record == nullptr) return;
  const auto entries = parse_record(wheel, *record);
  std::vector<std::string> problems;
  for (const auto& file : wheel.files) {
    if (is_record_or_signature(wheel, file.path)) continue;
    const auto entry = entries.find(file.path);
    const std::optional<std::string> problem =
        entry == entries.end() ? std::optional<std::string>("not listed in RECORD") : record_mismatch(file, entry->second);
    if (problem) problems.push_back(member_label(file.path) + " (" + *problem + ")");
  }
  if (!problems.empty()) {
    fail(wheel.file, "contents do not match " + record->path + ": " + join(problems, "; "));
  }
}

// ---- compatibility --------------------------------------------------------------------------

struct PythonTag {
  std::string implementation;  // "py", "cp", "pp", ...
  int major = 0;
  std::optional<int> minor;  // "py3" has none
};

// "cp311" -> {cp, 3, 11}; "py3" -> {py, 3}. The first digit is the major version (as in
// packaging: there is no Python 10).
std::optional<PythonTag> parse_python_tag(std::string_view tag) {
  const std::size_t digits = tag.find_first_of("0123456789");
  if (digits == 0 || digits == std::string_view::npos) return std::nullopt;
  PythonTag parsed{std::string(tag.substr(0, digits)), tag[digits] - '0', std::nullopt};
  const std::string_view rest = tag.substr(digits + 1);
  if (!rest.empty()) {
    parsed.minor = parse_decimal<int>(rest);
    if (!parsed.minor) return std::nullopt;
  }
  return parsed;
}

std::string version_text(int major, int minor) { return std::to_string(major) + "." + std::to_string(minor); }

std::optional<std::string> python_abi_problem(const WheelTag& tag, const InterpreterTags& interpreter) {
  const auto python = parse_python_tag(tag.python);
  if (!python) return "python tag '" + tag.python + "' is not understood";
  if (python->implementation != "py" && python->implementation != "cp") {
    return "'" + python->implementation + "' is another Python implementation, not CPython";
  }
  if (python->major != interpreter.major) return "needs Python " + std::to_string(python->major);
  if (python->implementation == "cp" && !python->minor) return "python tag '" + tag.python + "' names no minor version";
  if (python->minor && *python->minor > interpreter.minor) {
    return "needs Python " + version_text(python->major, *python->minor) + " or newer";
  }
  if (tag.abi == "none") return std::nullopt;
  if (python->implementation == "py") return "ABI '" + tag.abi + "' with a generic 'py' python tag";
  if (tag.abi == "abi3") return std::nullopt;  // the stable ABI of this minor version or an older one
  const std::string own_abi = "cp" + std::to_string(interpreter.major) + std::to_string(interpreter.minor);
  if (tag.abi == own_abi && tag.python == own_abi) return std::nullopt;
  return "ABI '" + tag.abi + "' is not this interpreter's (" + own_abi + " or abi3)";
}

struct ManylinuxTag {
  int glibc_major = 0, glibc_minor = 0;
  std::string arch;
};

// manylinux1/2010/2014 are aliases of glibc 2.5/2.12/2.17 (PEP 600); manylinux_X_Y_arch is the
// general form.
std::optional<ManylinuxTag> parse_manylinux(std::string_view platform) {
  static const std::pair<std::string_view, std::pair<int, int>> kLegacy[] = {
      {"manylinux1_", {2, 5}}, {"manylinux2010_", {2, 12}}, {"manylinux2014_", {2, 17}}};
  for (const auto& [prefix, glibc] : kLegacy) {
    if (platform.starts_with(prefix)) return ManylinuxTag{glibc.first, glibc.second, std::string(platform.substr(prefix.size()))};
  }
  constexpr std::string_view kPrefix = "manylinux_";
  if (!platform.starts_with(kPrefix)) return std::nullopt;
  const std::vector<std::string> parts = split(platform.substr(kPrefix.size()), '_');  // X, Y, arch (which may hold '_')
  if (parts.size() < 3) return std::nullopt;
  const auto major = parse_decimal<int>(parts[0]);
  const auto minor = parse_decimal<int>(parts[1]);
  if (!major || !minor) return std::nullopt;
  const std::size_t arch_start = kPrefix.size() + parts[0].size() + 1 + parts[1].size() + 1;
  return ManylinuxTag{*major, *minor, std::string(platform.substr(arch_start))};
}

std::optional<std::string> arch_problem(std::string_view arch, const InterpreterTags& interpreter) {
  if (arch == interpreter.arch) return std::nullopt;
  return "built for " + std::string(arch) + ", this machine is " + interpreter.arch;
}

std::optional<std::string> platform_problem(const std::string& platform, const InterpreterTags& interpreter) {
  if (platform == "any") return std::nullopt;
  if (platform.starts_with("linux_")) return arch_problem(std::string_view(platform).substr(6), interpreter);
  if (const auto manylinux = parse_manylinux(platform)) {
    if (std::pair(manylinux->glibc_major, manylinux->glibc_minor) > std::pair(interpreter.glibc_major, interpreter.glibc_minor)) {
      return "needs glibc " + version_text(manylinux->glibc_major, manylinux->glibc_minor) + ", this machine has " +
             version_text(interpreter.glibc_major, interpreter.glibc_minor);
    }
    return arch_problem(manylinux->arch, interpreter);
  }
  if (platform.starts_with("manylinux")) return "platform '" + platform + "' is not understood";
  if (platform.starts_with("musllinux")) return "built for musl libc, this machine uses glibc";
  return "platform '" + platform + "' is not Linux";
}

std::optional<std::string> tag_problem(const WheelTag& tag, const InterpreterTags& interpreter) {
  if (auto problem = python_abi_problem(tag, interpreter)) return problem;
  return platform_problem(tag.platform, interpreter);
}

// The machine name as platform tags spell it.
std::string tag_arch(std::string_view machine) {
  std::string arch(machine);
  std::replace(arch.begin(), arch.end(), '-', '_');
  std::replace(arch.begin(), arch.end(), '.', '_');
  return arch;
}

}  // namespace

InterpreterTags interpreter_tags(const PythonVersion& python) {
  InterpreterTags tags;
  tags.major = python.major;
  tags.minor = python.minor;
  struct utsname machine {};
  if (uname(&machine) == 0) tags.arch = tag_arch(machine.machine);
  const std::vector<std::string> glibc = split(gnu_get_libc_version(), '.');
  if (glibc.size() >= 2) {
    const auto major = parse_decimal<int>(glibc[0]);
    const auto minor = parse_decimal<int>(glibc[1]);
    if (major && minor) {
      tags.glibc_major = *major;
      tags.glibc_minor = *minor;
    }
  }
  return tags;
}

Wheel read_wheel(const fs::path& file, const ReadLimits& limits) {
  FileNameParts name = parse_file_name(file);
  Wheel wheel;
  wheel.file = file;
  wheel.distribution = std::move(name.distribution);
  wheel.version = std::move(name.version);
  wheel.build_tag = std::move(name.build_tag);
  wheel.tags = std::move(name.tags);

  const ZipArchive archive = open_zip(file);
  const std::vector<Entry> entries = list_entries(archive.get(), file, limits);
  check_file_directory_clashes(entries, file);
  for (const auto& entry : entries) {
    if (!entry.directory) wheel.files.push_back({entry.name, read_member(archive.get(), entry, file), entry.mode});
  }

  wheel.dist_info_dir = find_dist_info_dir(wheel);
  wheel.data_dir = wheel.dist_info_dir.substr(0, wheel.dist_info_dir.size() - kDistInfoSuffix.size()) + ".data";
  read_wheel_metadata(wheel);
  verify_record(wheel);
  return wheel;
}

std::string wheel_incompatibility(const Wheel& wheel, const InterpreterTags& interpreter) {
  if (wheel.tags.empty()) return wheel.file.string() + ": has no compatibility tags";
  std::vector<std::string> reasons;
  for (const auto& tag : wheel.tags) {
    const auto problem = tag_problem(tag, interpreter);
    if (!problem) return "";
    reasons.push_back(tag.text() + " (" + *problem + ")");
  }
  return wheel.file.string() + ": does not fit CPython " + version_text(interpreter.major, interpreter.minor) +
         " on Linux " + interpreter.arch + " with glibc " +
         version_text(interpreter.glibc_major, interpreter.glibc_minor) + "; none of its tags does: " +
         join(reasons, "; ");
}

std::string record_hash(std::string_view data) { return "sha256=" + base64url_nopad(sha256(data)); }

}  // namespace freeze::packager

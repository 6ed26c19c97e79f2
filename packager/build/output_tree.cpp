#include "packager/build/output_tree.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <random>
#include <set>
#include <span>
#include <vector>

#include "packager/support/atomic_file.h"
#include "format/blob_reader.h"
#include "format/launch_settings.h"
#include "format/pyc_file.h"
#include "packager/support/console.h"
#include "packager/support/directory_lock.h"
#include "packager/support/mapped_file.h"
#include "packager/support/scratch_directory.h"
#include "packager/support/user_error.h"

namespace freeze::packager {
namespace {

namespace fs = std::filesystem;

void write_plain(const fs::path& path, const std::string& data, unsigned mode) {
  std::error_code error;
  fs::create_directories(path.parent_path(), error);
  if (error) throw UserError(path.parent_path().string() + ": cannot create directory: " + error.message());
  const bool shared_object = path.extension() == ".so" || path.filename().string().find(".so.") != std::string::npos;
  write_file_atomically(path, {data}, shared_object ? 0755 : mode);
}

// A name of the output directory freeze may replace or remove: one entry that is neither the
// executable nor freeze's own (its staging directories).
bool owned_entry(const std::string& name, const std::string& executable_name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name != executable_name && !name.starts_with(".freeze-");
}

// What the executable the output directory holds now says of the files beside it, as its
// index and launch settings record them (nothing if it is not a freeze executable, or a
// damaged one).
struct PreviousOutput {
  // The entries it wrote straight beside itself: only an executable of an earlier freeze
  // version, a plain file there, has any; the new build removes them, and nothing else goes.
  std::set<std::string> legacy_entries;
  std::set<std::string> commands;  // its [app] commands: the symlinks that build wrote
};

// `previous_directory`: the build directory NAME points into (current_build_directory), if any.
PreviousOutput read_previous_output(const fs::path& executable, const std::string& executable_name,
                                    const std::string& previous_directory) {
  PreviousOutput previous;
  std::error_code error;
  // A plain file, or our symlink into a build directory; never through a planted symlink, and
  // not a file too large to be one of ours.
  const bool plain = fs::is_regular_file(fs::symlink_status(executable, error));
  const fs::path file = plain ? executable : executable.parent_path() / previous_directory / executable_name;
  if ((!plain && previous_directory.empty()) || !fs::is_regular_file(fs::symlink_status(file, error)) ||
      fs::file_size(file, error) > (std::uintmax_t{4} << 30) || error) {
    return previous;
  }
  try {
    // Mapped, not read: only its trailer, index and settings are needed, not the megabytes of
    // payload. (The directory is locked: no build of ours rewrites the file meanwhile, and ours
    // are replaced by a rename, never truncated in place.)
    const MappedFile mapped(file);
    const std::span bytes = mapped.bytes();
    if (!blob::BlobReader::has_blob(bytes)) return previous;
    const auto reader = blob::BlobReader::open(bytes);
    for (std::size_t i = 0; plain && i < reader.entry_count(); ++i) {
      const blob::Entry entry = reader.entry_at(i);
      if (entry.location != blob::Location::FilesystemRelative && !(entry.flags & blob::kFlagFilesystemCopy)) continue;
      const std::string top(entry.path.substr(0, entry.path.find('/')));
      if (owned_entry(top, executable_name)) previous.legacy_entries.insert(top);
      // A module directly in the output directory (prefix ".") has its .pyc in __pycache__/.
      if (entry.kind == blob::Kind::Module && top == entry.path) previous.legacy_entries.insert(std::string(blob::pyc::kCacheDirectory));
    }
    try {
      for (const auto& [name, entry] : blob::LaunchSettings::from(blob::read_settings(reader)).commands) {
        previous.commands.insert(name);
      }
    } catch (const std::exception&) {  // damaged settings: no command is known, none removed
    }
  } catch (const std::exception&) {  // unreadable or damaged: nothing is known, nothing removed
    return {};
  }
  return previous;
}

// True if `path` is a symlink to `executable_name` beside it: a command symlink of that app.
bool is_command_symlink(const fs::path& path, const std::string& executable_name) {
  std::error_code error;
  return fs::is_symlink(fs::symlink_status(path, error)) && fs::read_symlink(path, error) == fs::path(executable_name) && !error;
}

// Freeze's own names in the output directory for the app NAME, each ending in six random
// letters and digits (mkstemp's and mkdtemp's): `.NAME.tmp-XXXXXX`, a file or symlink being
// written, and `.NAME.freeze-XXXXXX`, the directory of one build (the executable and its files).
// `.freeze-staging-XXXXXX` and `.freeze-previous-XXXXXX` were written by earlier versions.
constexpr std::size_t kRandomSuffix = 6;

bool has_random_suffix(const std::string& name, const std::string& prefix) {
  if (name.size() != prefix.size() + kRandomSuffix || !name.starts_with(prefix)) return false;
  return std::all_of(name.begin() + static_cast<std::ptrdiff_t>(prefix.size()), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
}

std::string temporary_prefix(const std::string& executable_name) { return "." + executable_name + ".tmp-"; }
std::string build_directory_prefix(const std::string& executable_name) { return "." + executable_name + ".freeze-"; }

bool is_own_stray_name(const std::string& name, const std::string& executable_name) {
  return has_random_suffix(name, temporary_prefix(executable_name)) ||
         has_random_suffix(name, build_directory_prefix(executable_name)) ||
         has_random_suffix(name, ".freeze-staging-") || has_random_suffix(name, ".freeze-previous-");
}

// The build directory that output_dir/NAME points into (`.NAME.freeze-XXXXXX/NAME`), if it is
// such a symlink; anything else (a regular file, a symlink planted elsewhere) names none.
std::string current_build_directory(const fs::path& executable, const std::string& executable_name) {
  std::error_code error;
  if (!fs::is_symlink(fs::symlink_status(executable, error))) return {};
  const fs::path target = fs::read_symlink(executable, error);
  if (error) return {};
  const std::string directory = target.parent_path().string();
  if (target.filename() != executable_name || !has_random_suffix(directory, build_directory_prefix(executable_name))) {
    return {};
  }
  return directory;
}

// What killed builds of this app left: temporary files and unfinished or replaced build
// directories. Called with the output directory locked, so none of them belongs to a build
// still running; the user's own files never have these names.
void remove_strays(const fs::path& output_dir, const std::string& executable_name, const std::string& keep) {
  std::error_code error;
  for (fs::directory_iterator it(output_dir, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name == keep || !is_own_stray_name(name, executable_name)) continue;
    std::error_code ignored;
    fs::remove_all(it->path(), ignored);  // a symlink is removed, never followed
  }
}

// A symlink `.NAME.tmp-XXXXXX` to `target`, beside `path`, renamed over `path`: the one step
// that switches from the previous output to the new one.
void replace_with_symlink(const fs::path& path, const fs::path& target) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::random_device random;
  for (int attempt = 0;; ++attempt) {
    std::string suffix;
    for (std::size_t i = 0; i < kRandomSuffix; ++i) suffix += kAlphabet[random() % (sizeof kAlphabet - 1)];
    const fs::path temp = path.parent_path() / (temporary_prefix(path.filename().string()) + suffix);
    if (::symlink(target.c_str(), temp.c_str()) != 0) {
      if (errno == EEXIST && attempt < 100) continue;
      throw UserError(path.string() + ": cannot create a symlink beside it: " + std::strerror(errno));
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      ::unlink(temp.c_str());
      throw UserError(path.string() + ": cannot replace it: " + std::strerror(err));
    }
    return;
  }
}

// After the switch, so that a crash cannot bring the previous output back over the new one.
void sync_directory(const fs::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void write_output(const fs::path& output_dir, const std::string& executable_name,
                  const std::vector<std::string_view>& executable_parts, const std::vector<OutputFile>& files,
                  const std::vector<std::string>& commands) {
  std::error_code error;
  fs::create_directories(output_dir, error);
  if (error) throw UserError(output_dir.string() + ": cannot create the output directory: " + error.message());
  const fs::path executable = output_dir / executable_name;
  if (fs::is_directory(fs::symlink_status(executable, error))) {
    throw UserError(executable.string() + ": is a directory; app.name must not name one");
  }
  for (const auto& file : files) {
    const fs::path relative = fs::path(file.path).lexically_normal();
    if (relative.is_absolute() || relative.empty() || *relative.begin() == "..") {
      throw UserError("refusing to write " + file.path + " outside " + output_dir.string());
    }
    if (!owned_entry(relative.begin()->string(), executable_name)) {  // check_placements() reports these
      throw UserError(output_dir.string() + ": refusing to write " + file.path + " over the executable or freeze's own files");
    }
  }

  const DirectoryLock lock(output_dir, [&] { note("waiting for another freeze build writing to " + output_dir.string()); });
  const std::string previous_directory = current_build_directory(executable, executable_name);
  if (lock.held()) remove_strays(output_dir, executable_name, previous_directory);
  const PreviousOutput previous = read_previous_output(executable, executable_name, previous_directory);
  std::set<std::string> stale_commands = previous.commands;
  for (const auto& command : commands) {
    stale_commands.erase(command);
    // Replaced only if a build of this app wrote it: the user's own file of that name stays.
    const fs::path path = output_dir / command;
    if (fs::exists(fs::symlink_status(path, error)) && !is_command_symlink(path, executable_name)) {
      throw UserError(path.string() + ": exists and is not a symlink to " + executable_name +
                      ", so the command's symlink cannot be written there: remove it, or rename the command in app.commands");
    }
  }

  if (files.empty()) {
    write_file_atomically(executable, executable_parts, 0755);
  } else {
    // The executable and its files together in a new build directory, then output_dir/NAME
    // made a symlink to the executable there by one rename: a kill at any moment leaves the
    // previous output or the new one, whole. The executable finds its files beside its real
    // path (/proc/self/exe), at the same relative paths as in a plain layout.
    ScratchDirectory build_dir(output_dir, build_directory_prefix(executable_name));
    const mode_t mask = ::umask(0);  // mkdtemp's 0700 would keep everyone else from running it
    ::umask(mask);
    ::chmod(build_dir.path().c_str(), 0777 & ~mask);
    write_file_atomically(build_dir.path() / executable_name, executable_parts, 0755);
    for (const auto& file : files) write_plain(build_dir.path() / fs::path(file.path).lexically_normal(), file.data, file.mode);
    replace_with_symlink(executable, build_dir.path().filename() / executable_name);
    build_dir.keep();
  }
  // The commands: symlinks to the executable beside it, which start it under their names.
  for (const auto& command : commands) replace_with_symlink(output_dir / command, executable_name);
  sync_directory(output_dir);

  // The previous output, now replaced: its build directory, or the files that an executable of
  // an earlier freeze version had written straight beside itself.
  if (!previous_directory.empty()) fs::remove_all(output_dir / previous_directory, error);
  for (const auto& name : previous.legacy_entries) fs::remove_all(output_dir / name, error);
  for (const auto& name : stale_commands) {
    if (is_command_symlink(output_dir / name, executable_name)) fs::remove(output_dir / name, error);
  }
}

}  // namespace freeze::packager

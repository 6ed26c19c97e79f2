#include "output_tree.h"

#include <stdlib.h>

#include <set>
#include <span>
#include <vector>

#include "atomic_file.h"
#include "blob_reader.h"
#include "read_file.h"
#include "scratch_directory.h"
#include "user_error.h"

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

// The entries of the output directory that the executable already there had written beside it,
// as its index records them (empty if it is not a freeze executable, or a damaged one). The new
// build removes those it does not write again, so a rebuild that routes fewer files to the
// filesystem, or to another prefix, leaves nothing stale; nothing else in the directory goes.
std::set<std::string> previous_entries(const fs::path& executable, const std::string& executable_name) {
  std::set<std::string> names;
  std::error_code error;
  // Not through a planted symlink, and not a file too large to be one of ours.
  const auto status = fs::symlink_status(executable, error);
  if (error || !fs::is_regular_file(status) || fs::file_size(executable, error) > (std::uintmax_t{4} << 30) || error) {
    return names;
  }
  try {
    const std::string bytes = read_file(executable);
    const std::span file(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    if (!blob::BlobReader::has_blob(file)) return names;
    const auto reader = blob::BlobReader::open(file);
    for (std::size_t i = 0; i < reader.entry_count(); ++i) {
      const blob::Entry entry = reader.entry_at(i);
      if (entry.location != blob::Location::FilesystemRelative && !(entry.flags & blob::kFlagFilesystemCopy)) continue;
      const std::string top(entry.path.substr(0, entry.path.find('/')));
      if (owned_entry(top, executable_name)) names.insert(top);
      // A module directly in the output directory (prefix ".") has its .pyc in __pycache__/.
      if (entry.kind == blob::Kind::Module && top == entry.path) names.insert("__pycache__");
    }
  } catch (const std::exception&) {  // unreadable or damaged: nothing is known, nothing removed
    return {};
  }
  return names;
}

}  // namespace

void write_output(const fs::path& output_dir, const std::string& executable_name,
                  const std::vector<std::string_view>& executable_parts, const std::vector<OutputFile>& files) {
  std::error_code error;
  fs::create_directories(output_dir, error);
  if (error) throw UserError(output_dir.string() + ": cannot create the output directory: " + error.message());
  const fs::path executable = output_dir / executable_name;
  if (fs::is_directory(executable, error)) throw UserError(executable.string() + ": is a directory; app.name must not name one");

  const std::set<std::string> stale_candidates = previous_entries(executable, executable_name);
  PendingFile pending(executable, executable_parts, 0755);
  if (files.empty() && stale_candidates.empty()) {
    pending.commit();
    return;
  }

  ScratchDirectory staging(output_dir, ".freeze-staging-");
  std::set<std::string> top_entries;
  for (const auto& file : files) {
    const fs::path relative = fs::path(file.path).lexically_normal();
    if (relative.is_absolute() || relative.empty() || *relative.begin() == "..") {
      throw UserError("refusing to write " + file.path + " outside " + output_dir.string());
    }
    const std::string top = relative.begin()->string();
    if (!owned_entry(top, executable_name)) {  // check_placements() reports these, with the resources
      throw UserError(output_dir.string() + ": refusing to write " + file.path + " over the executable or freeze's own files");
    }
    top_entries.insert(top);
    write_plain(staging.path() / relative, file.data, file.mode);
  }

  // Each entry swapped: the new one comes from staging (if the build writes it), the old one (if
  // any) is moved aside. Entries of the previous build that this one does not write are moved
  // aside too: they would be stale. On any failure, including the executable's own rename,
  // everything is swapped back in reverse order, so the previous output is left exactly as it
  // was, never a mix of old and new.
  struct Swap {
    std::string name;
    bool has_new = false;
    bool had_old = false;
  };
  std::vector<Swap> plan;
  for (const auto& top : top_entries) plan.push_back({top, true});
  for (const auto& old : stale_candidates) {
    if (!top_entries.contains(old)) plan.push_back({old, false});
  }

  ScratchDirectory previous(output_dir, ".freeze-previous-");
  std::vector<Swap> swapped;
  try {
    for (Swap swap : plan) {
      const fs::path target = output_dir / swap.name;
      swap.had_old = fs::exists(fs::symlink_status(target, error));  // not found sets `error`
      error.clear();
      if (swap.had_old) fs::rename(target, previous.path() / swap.name, error);
      if (error) throw UserError(target.string() + ": cannot replace it: " + error.message());
      if (swap.has_new) fs::rename(staging.path() / swap.name, target, error);
      if (error) {
        std::error_code ignored;
        if (swap.had_old) fs::rename(previous.path() / swap.name, target, ignored);
        throw UserError(target.string() + ": cannot replace it: " + error.message());
      }
      swapped.push_back(swap);
    }
    pending.commit();
  } catch (...) {
    for (auto it = swapped.rbegin(); it != swapped.rend(); ++it) {
      std::error_code ignored;
      if (it->has_new) fs::rename(output_dir / it->name, staging.path() / it->name, ignored);
      if (it->had_old) fs::rename(previous.path() / it->name, output_dir / it->name, ignored);
    }
    throw;
  }
}

}  // namespace freeze::packager

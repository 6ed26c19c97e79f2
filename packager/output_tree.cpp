#include "output_tree.h"

#include <stdlib.h>

#include <set>
#include <utility>
#include <vector>

#include "atomic_file.h"
#include "scratch_directory.h"
#include "user_error.h"

namespace freeze::packager {
namespace {

namespace fs = std::filesystem;

void write_plain(const fs::path& path, const std::string& data) {
  std::error_code error;
  fs::create_directories(path.parent_path(), error);
  if (error) throw UserError(path.parent_path().string() + ": cannot create directory: " + error.message());
  const bool executable = path.extension() == ".so" || path.filename().string().find(".so.") != std::string::npos;
  write_file_atomically(path, {data}, executable ? 0755 : 0644);
}

}  // namespace

void write_output(const fs::path& output_dir, const std::string& executable_name,
                  const std::vector<std::string_view>& executable_parts, const std::vector<OutputFile>& files) {
  std::error_code error;
  fs::create_directories(output_dir, error);
  if (error) throw UserError(output_dir.string() + ": cannot create the output directory: " + error.message());
  const fs::path executable = output_dir / executable_name;
  if (fs::is_directory(executable, error)) throw UserError(executable.string() + ": is a directory; app.name must not name one");

  PendingFile pending(executable, executable_parts, 0755);
  if (!files.empty()) {
    ScratchDirectory staging(output_dir, ".freeze-staging-");
    std::set<std::string> top_dirs;
    for (const auto& file : files) {
      const fs::path relative = fs::path(file.path).lexically_normal();
      if (relative.is_absolute() || relative.empty() || *relative.begin() == "..") {
        throw UserError("refusing to write " + file.path + " outside " + output_dir.string());
      }
      top_dirs.insert(relative.begin()->string());
      write_plain(staging.path() / relative, file.data);
    }
    for (const auto& top : top_dirs) {
      if (top == executable_name) throw UserError(output_dir.string() + ": routing prefix '" + top + "' is the executable's own name");
    }
    ScratchDirectory previous(output_dir, ".freeze-previous-");
    // Directories swapped in so far: (name, whether an old one was moved aside). On any failure,
    // including the executable's own rename, they are swapped back in reverse order, so that the
    // previous output is left exactly as it was, never a mix of old and new.
    std::vector<std::pair<std::string, bool>> swapped;
    try {
      for (const auto& top : top_dirs) {
        const fs::path target = output_dir / top;
        const bool had_old = fs::exists(fs::symlink_status(target, error));  // not found sets `error`
        error.clear();
        if (had_old) fs::rename(target, previous.path() / top, error);
        if (error) throw UserError(target.string() + ": cannot replace it: " + error.message());
        fs::rename(staging.path() / top, target, error);
        if (error) {
          std::error_code ignored;
          if (had_old) fs::rename(previous.path() / top, target, ignored);
          throw UserError(target.string() + ": cannot replace it: " + error.message());
        }
        swapped.emplace_back(top, had_old);
      }
      pending.commit();
    } catch (...) {
      for (auto it = swapped.rbegin(); it != swapped.rend(); ++it) {
        std::error_code ignored;
        fs::rename(output_dir / it->first, staging.path() / it->first, ignored);
        if (it->second) fs::rename(previous.path() / it->first, output_dir / it->first, ignored);
      }
      throw;
    }
    return;
  }
  pending.commit();
}

}  // namespace freeze::packager

// The unit tests' scratch directory: a fresh directory under the system temp dir, removed with
// everything in it at scope exit.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

namespace freeze::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& label = "unit") {
    static std::atomic<int> counter{0};
    const std::filesystem::path base = std::filesystem::weakly_canonical(std::filesystem::temp_directory_path());
    path_ = base / ("freeze-" + label + "-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code error;
    std::filesystem::remove_all(path_, error);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

  // Writes `text` to `relative` (its directories made), returning its path.
  std::filesystem::path write(const std::string& relative, const std::string& text) const {
    const std::filesystem::path file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out << text;
    return file;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace freeze::testing

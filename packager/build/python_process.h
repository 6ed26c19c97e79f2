// The target interpreter as a child process: `python3.X` of the distribution an app is frozen
// for, running packager/build/python_server.py, so that bytecode, source hashes and import scans
// come from the version the executable embeds, whatever CPython the packager itself links.
// One process serves a whole build.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "packager/build/target_python.h"

namespace freeze::packager {

class PythonProcess final : public TargetPython {
 public:
  // Starts `interpreter` and asks it what it is; throws UserError naming the interpreter if it
  // cannot be started or does not answer.
  explicit PythonProcess(const std::filesystem::path& interpreter);
  PythonProcess(const PythonProcess&) = delete;
  PythonProcess& operator=(const PythonProcess&) = delete;

  CompiledModule compile(const std::string& source, const std::string& filename, int optimize) override;
  std::string source_hash(const std::string& source) override;
  std::vector<std::string> imported_names(const std::string& source, const std::string& module, bool is_package,
                                          ImportScope scope, bool stdlib, bool as_main) override;
  bool is_frozen(const std::string& module) override;

  std::filesystem::path stdlib_dir() const override { return stdlib_dir_; }
  const PythonVersion& version() const override { return version_; }
  std::string magic_number() const override { return magic_; }

 private:
  struct Reply;
  Reply call(const std::string& header_json, const std::vector<const std::string*>& parts);
  [[noreturn]] void fail(const std::string& what) const;

  // The running server: its end of the socket pair and its process, closed and reaped on
  // destruction (also when the constructor throws after starting it).
  struct Child {
    int socket = -1;
    int pid = -1;
    Child() = default;
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child();
  };

  std::filesystem::path interpreter_;
  Child child_;
  std::string buffered_;  // bytes read past the last reply's end
  std::filesystem::path stdlib_dir_;
  PythonVersion version_;
  std::string magic_;
};

}  // namespace freeze::packager

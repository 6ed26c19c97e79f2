// The target interpreter as a child process: `python3.X` of the distribution an app is frozen
// for, running packager/build/python_server.py, so that bytecode, source hashes and import scans
// come from the version the executable embeds, whatever CPython the packager itself links.
// It offers what BuildPython (the embedded 3.11) offers; one process serves a whole build.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "packager/build/build_python.h"

namespace freeze::packager {

class PythonProcess {
 public:
  // Starts `interpreter` and asks it what it is; throws UserError naming the interpreter if it
  // cannot be started or does not answer.
  explicit PythonProcess(const std::filesystem::path& interpreter);
  PythonProcess(const PythonProcess&) = delete;
  PythonProcess& operator=(const PythonProcess&) = delete;

  CompiledModule compile(const std::string& source, const std::string& filename, int optimize);
  std::string source_hash(const std::string& source);
  std::vector<std::string> imported_names(const std::string& source, const std::string& module, bool is_package,
                                          bool top_level_only, bool stdlib);
  bool is_frozen(const std::string& module);

  const std::filesystem::path& stdlib_dir() const { return stdlib_dir_; }
  const std::string& version() const { return version_; }            // "3.15"
  const std::string& magic_number() const { return magic_; }         // importlib.util.MAGIC_NUMBER
  const std::string& cache_tag() const { return cache_tag_; }        // "cpython-315"

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
  std::string version_, magic_, cache_tag_;
};

}  // namespace freeze::packager

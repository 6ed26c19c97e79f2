// The CPython embedded in the packager: the very interpreter the launcher embeds (same static
// library), so bytecode compiled here always matches. Started once per process, on first use.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "packager/build/target_python.h"

namespace freeze::packager {

class BuildPython final : public TargetPython {
 public:
  static BuildPython& instance();  // starts the interpreter on first call; throws UserError

  // Compiles `source` (raw file bytes). `filename` is recorded in the code object (the
  // launcher repoints it at run time). Throws UserError carrying Python's message.
  CompiledModule compile(const std::string& source, const std::string& filename, int optimize) override;

  // importlib.util.source_hash(source): the 8 bytes a hash-based .pyc (PEP 552) records of
  // its source, which the importer and python's SourceFileLoader check.
  std::string source_hash(const std::string& source) override;

  // The absolute names a module's source imports in `scope` (with parents, and X.a for
  // `from X import a`).
  std::vector<std::string> imported_names(const std::string& source, const std::string& module, bool is_package,
                                          ImportScope scope, bool stdlib, bool as_main) override;
  // True if libpython carries a frozen copy of the module, which the launcher runs instead.
  bool is_frozen(const std::string& module) override;

  std::filesystem::path stdlib_dir() const override { return stdlib_dir_; }
  const PythonVersion& version() const override { return version_; }
  std::string magic_number() const override { return magic_; }

 private:
  BuildPython();
  std::filesystem::path stdlib_dir_;
  std::string magic_;
  PythonVersion version_ = PythonVersion::embedded();
};

}  // namespace freeze::packager

// The CPython an app is frozen for, as the build uses it: the interpreter that compiles its
// bytecode, hashes its sources for .pyc files, and scans its imports. Two implementations: the
// packager's embedded CPython (BuildPython: Debian's 3.11, the default launcher's), and a
// distribution's own `python3.X` run as a child process (PythonProcess) for any other build.
// A build picks one and hands it to every stage by reference.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "packager/config/python_version.h"

namespace freeze::packager {

// Which of a module's import statements imported_names() reports.
enum class ImportScope {
  Everywhere,        // all of them, those inside functions too
  OutsideFunctions,  // not those inside functions (run later, if ever)
  Unguarded,         // all but those inside a try that handles ImportError and those under
                     // `if TYPE_CHECKING:`: the imports whose failure nothing expects
};
// Its name in scan_imports.py.
inline const char* import_scope_name(ImportScope scope) {
  switch (scope) {
    case ImportScope::Everywhere: return "everywhere";
    case ImportScope::OutsideFunctions: return "outside_functions";
    case ImportScope::Unguarded: return "unguarded";
  }
  return "everywhere";
}

struct CompiledModule {
  std::string bytecode;     // marshal.dumps(code)
  std::string source_utf8;  // the source decoded per PEP 263, re-encoded as UTF-8
};

class TargetPython {
 public:
  virtual ~TargetPython() = default;

  // Compiles `source` (raw file bytes). `filename` is recorded in the code object (the
  // launcher repoints it at run time). Throws UserError carrying Python's message.
  virtual CompiledModule compile(const std::string& source, const std::string& filename, int optimize) = 0;
  // importlib.util.source_hash(source): the 8 bytes a hash-based .pyc (PEP 552) records of
  // its source, which the importer and python's SourceFileLoader check.
  virtual std::string source_hash(const std::string& source) = 0;
  // The absolute names a module's source imports in `scope` (with parents, and X.a for
  // `from X import a`). `as_main`: the module runs as __main__ (the app's entry module run as
  // a script, app.code), so what it imports under `if __name__ == "__main__":` counts too.
  virtual std::vector<std::string> imported_names(const std::string& source, const std::string& module,
                                                  bool is_package, ImportScope scope, bool stdlib, bool as_main) = 0;
  // True if libpython carries a frozen copy of the module, which the launcher runs instead.
  virtual bool is_frozen(const std::string& module) = 0;

  virtual std::filesystem::path stdlib_dir() const = 0;
  virtual const PythonVersion& version() const = 0;
  virtual std::string magic_number() const = 0;  // importlib.util.MAGIC_NUMBER (.pyc header)
  std::string cache_tag() const { return version().cache_tag(); }  // sys.implementation.cache_tag
};

}  // namespace freeze::packager

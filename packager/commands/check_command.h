// `freeze check [CONFIG]`: builds a verification copy of the app (same config, same resources
// and routing, but its entry point replaced by a checking program), runs it, and reports every
// module that fails to import, every resource or distribution's metadata that cannot be read,
// an entry point that does not resolve, a plugin entry point of an included distribution that
// does not load and an installed plugin distribution the config leaves out, all at once, each
// with where it was routed and a hint. A crash or a hang while importing one module is reported for that module, and the run
// continues with the next. The app's dist/ is not touched.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace freeze::packager {

struct CheckOptions {
  std::filesystem::path config_file = "app.toml";
  bool stdlib = false;                // import the standard library's modules too
  std::vector<std::string> exclude;   // dotted names or globs not imported
  int timeout_seconds = 60;           // per module
  bool json = false;                  // a JSON report on stdout
  bool tests = false;                 // import third-party test and setup modules too
  std::optional<std::filesystem::path> distribution;  // --distribution: overrides [python] distribution
};

// Returns the exit status: 0 when every check passed, 1 otherwise. Throws UserError when the
// config does not load or the app does not build.
int check(const CheckOptions& options, std::ostream& out);

}  // namespace freeze::packager

#include "packager/commands/distribution_command.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ostream>
#include <vector>

#include "packager/build/build_cache.h"
#include "packager/build/python_distribution.h"
#include "packager/commands/build_command.h"
#include "packager/support/user_error.h"

namespace fs = std::filesystem;

namespace freeze::packager {

fs::path find_distribution_builder() {
  const fs::path self = self_directory();
  std::vector<fs::path> candidates{self / ".." / "share" / "freeze" / "distribution" / "freeze_distribution.py"};
  // A freeze run from its build directory uses the builder of its own source tree (an installed
  // one never looks there: it may be gone, or another version's).
  if (self == fs::path(FREEZE_BUILD_DIR)) {
    candidates.push_back(fs::path(FREEZE_SOURCE_DIR) / "distribution" / "freeze_distribution.py");
  }
  std::error_code error;
  for (const fs::path& candidate : candidates) {
    if (fs::is_regular_file(candidate, error)) return candidate.lexically_normal();
  }
  throw UserError("the distribution builder is missing: " + candidates.front().lexically_normal().string() +
                  " is not there; reinstall freeze (cmake --install installs it)");
}

void build_distribution(const DistributionBuildOptions& options) {
  const fs::path builder = find_distribution_builder();
  // The builder's own interpreter is Debian's, as the packager's (it needs nothing of freeze's
  // build); -E -s: no PYTHON* variables or user site-packages (not -I: the builder imports the
  // modules beside it).
  const std::string python = FREEZE_BUILDER_PYTHON;
  std::error_code error;
  if (!fs::is_regular_file(python, error)) {
    throw UserError("freeze distribution build runs its builder with " + python + ", which is not installed "
                    "(Debian: apt-get install " + fs::path(python).filename().string() + "-minimal)");
  }
  std::vector<std::string> args{python, "-E", "-s", builder.string()};
  if (options.source) {
    args.insert(args.end(), {"--source", fs::absolute(*options.source).string()});
  }
  if (!options.version.empty()) args.insert(args.end(), {"--version", options.version});
  if (options.pgo) args.push_back("--pgo");
  if (options.jobs) args.insert(args.end(), {"--jobs", std::to_string(*options.jobs)});
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  ::execv(python.c_str(), argv.data());
  throw UserError("cannot run " + python + " " + builder.string() + ": " + std::strerror(errno));
}

void list_distributions(std::ostream& out) {
  const fs::path root = default_cache_directory() / "distributions";
  const std::vector<PythonDistribution> distributions = cached_distributions();
  if (distributions.empty()) {
    out << "no CPython distributions in " << root.string() << " (freeze distribution build VERSION builds one)\n";
    return;
  }
  for (const PythonDistribution& distribution : distributions) {
    out << "CPython " << distribution.version.full << "  " << distribution.dir.string();
    if (!launcher_is_current(distribution)) {
      out << "  (launcher from other freeze sources: freeze distribution build " << distribution.version.short_version()
          << " rebuilds it)";
    }
    out << "\n";
  }
}

}  // namespace freeze::packager

// freeze distribution: build and list the CPython distributions freeze embeds for versions other
// than Debian's 3.11 (distribution/freeze_distribution.py does the building).
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

namespace freeze::packager {

struct DistributionBuildOptions {
  std::string version;                 // "3.13"; empty with a source tarball (its version decides)
  std::optional<std::string> source;   // a python.org-style source tarball instead of Debian's source
  bool pgo = false;
  std::optional<int> jobs;
};

// The builder, distribution/freeze_distribution.py: installed in <prefix>/share/freeze, or in
// the source tree of a freeze run from its build directory. Throws UserError when neither has it.
std::filesystem::path find_distribution_builder();

// Runs the builder in this process's place (it prints its own progress); returns only on
// failure to start it, by throwing UserError.
[[noreturn]] void build_distribution(const DistributionBuildOptions& options);

// One line per cached distribution: version, directory, and whether its launcher is current.
void list_distributions(std::ostream& out);

}  // namespace freeze::packager

// The warnings the frozen app shows and python does not: a warning printed at import by the
// frozen app alone (requests' RequestsDependencyWarning when it finds charset_normalizer 3 and
// not chardet, an optional import the frozen app lacks) is a difference every user of the
// program sees, though no check fails.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "packager/commands/check/check_model.h"
#include "packager/commands/check/completion.h"
#include "packager/commands/check/hints.h"

namespace freeze::packager::checks {

struct FrozenOnlyWarning {
  ShownWarning warning;
  std::string shown_by;                        // the check that showed it (its module's import)
  // Optional packages of the warning module's package, installed here and not included, whose
  // absence makes python show the warning too (checked by refusing them).
  std::vector<std::string> optional_packages;
};

// Each distinct warning shown during a passed or failed module or entry check, imported again
// with the plain interpreter (python3.X with the config's directories): those it does not show.
// `entry_module` is the entry check's module (entry_module_of); at most a few python starts.
std::vector<FrozenOnlyWarning> frozen_only_warnings(const Plan& plan, const std::vector<Outcome>& outcomes,
                                                    const HintContext& context, const std::string& entry_module,
                                                    const std::vector<OptionalInstalled>& optional,
                                                    const std::filesystem::path& scratch, int timeout_seconds);

}  // namespace freeze::packager::checks

// `freeze check`'s report: as text (failures grouped by problem, each with where it was routed
// and its hint; the installed packages missing; a summary), or as JSON (--json).
#pragma once

#include <cstddef>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "packager/commands/check/check_model.h"
#include "packager/commands/check/completion.h"
#include "packager/commands/check/frozen_warnings.h"
#include "packager/commands/check/hints.h"
#include "packager/config/app_config.h"

namespace freeze::packager::checks {

// What the report is made of.
struct Results {
  const AppConfig& config;
  const Plan& plan;
  const std::vector<Outcome>& outcomes;
  const HintContext& context;
  std::size_t failed = 0;
  std::size_t passed = 0;
  std::map<std::string, std::size_t> counts;  // checks by kind
  double seconds = 0;
  Completion completion;  // empty when no installed package is missing
  std::string build_command;  // the build to run next: the same config, and --distribution if check had one
  std::vector<OptionalInstalled> optional_installed;  // optional imports this machine would satisfy
  std::vector<UncollectedImport> uncollected;  // unguarded imports the checks do not run (uncollected_left_out)
  std::vector<std::pair<std::filesystem::path, std::string>> uncollected_bring;  // brought_along_by(uncollected)
  std::vector<FrozenOnlyWarning> frozen_only_warnings;  // shown by the frozen app, not by python
  std::vector<InstalledPlugins> optional_plugins;  // left out, plugging into the dependencies' groups only
};

void write_json_report(const Results& results, std::ostream& out);
void write_text_report(const Results& results, std::ostream& out);

}  // namespace freeze::packager::checks

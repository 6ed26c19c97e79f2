// One round of `freeze check`: build the verification copy, plan its checks, run them.
#pragma once

#include <filesystem>
#include <functional>
#include <vector>

#include "packager/commands/build_command.h"
#include "packager/commands/check/check_model.h"
#include "packager/commands/check_command.h"
#include "packager/commands/inspect_command.h"
#include "packager/config/app_config.h"

namespace freeze::packager::checks {

struct Round {
  BuildResult built;
  Inspection inspection;
  Plan plan;
  std::vector<Outcome> outcomes;
  bool files_readable = false;  // embedded files could be opened by path
};

// One build and run of the verification copy of `config`, in `dir`. `keep`, when given,
// chooses the checks run (the later rounds of complete_site_packages).
Round run_round(const AppConfig& config, const CheckOptions& options, const std::filesystem::path& dir,
                const std::function<bool(const Item&)>& keep = nullptr);

}  // namespace freeze::packager::checks

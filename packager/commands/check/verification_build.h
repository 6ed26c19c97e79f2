// The verification copy `freeze check` runs: the app's config with its entry point replaced by
// the checking program (check_script.py), built into a scratch directory, never beside the
// user's output.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "packager/commands/build_command.h"
#include "packager/config/app_config.h"

namespace freeze::packager::checks {

// $TMPDIR, or /tmp.
std::filesystem::path temporary_parent();

// The app's config with [app] entry replaced by the checking program and every path made
// absolute, so that it builds the same resources from another directory.
std::string verification_config(const AppConfig& config);

// Builds the verification copy into `dir` with the build's own notes quiet (`announce`: say
// so as a note, else as a detail), finding what is reachable from the config's own entry
// (BuildResult.reachable). Its errors name the user's config, not the copy's.
BuildResult build_verification_copy(const AppConfig& config, const std::filesystem::path& dir,
                                    const std::optional<std::filesystem::path>& distribution, bool announce);

}  // namespace freeze::packager::checks

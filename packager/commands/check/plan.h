// Which checks `freeze check` runs, from the verification copy's index: the entry point, each
// included module (application, third-party, then standard library), resource file and
// distribution's metadata, the plugin entry points of the included distributions; and the
// plugin distributions installed beside them that the config leaves out.
#pragma once

#include <set>
#include <string>

#include "packager/commands/check/check_model.h"
#include "packager/commands/check_command.h"
#include "packager/commands/inspect_command.h"
#include "packager/config/app_config.h"

namespace freeze::packager::checks {

Plan plan_checks(const AppConfig& config, const Inspection& inspection, const CheckOptions& options);

// Why a third-party module is not imported by default (--tests imports it), or empty: test
// and build-time modules of installed packages, which fail for reasons no frozen app meets.
std::string third_party_test_reason(const std::string& name);

// Test tools (pytest & co.): a module that misses one is test code, not the app's.
const std::set<std::string>& test_tools();

}  // namespace freeze::packager::checks

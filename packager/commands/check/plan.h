// Which checks `freeze check` runs, from the verification copy's index: the entry point, each
// included module (application, third-party, then standard library), resource file and
// distribution's metadata, the plugin entry points of the included distributions; and the
// plugin distributions installed beside them that the config leaves out.
#pragma once

#include <set>
#include <string>

#include "packager/collect/test_code.h"
#include "packager/commands/check/check_model.h"
#include "packager/commands/check_command.h"
#include "packager/commands/inspect_command.h"
#include "packager/config/app_config.h"

namespace freeze::packager::checks {

Plan plan_checks(const AppConfig& config, const Inspection& inspection, const CheckOptions& options);

using packager::is_test_helper;
using packager::test_tools;
using packager::third_party_test_reason;

}  // namespace freeze::packager::checks

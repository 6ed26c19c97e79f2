// PEP 508 environment markers ("python_version < '3.8'", "sys_platform == 'win32' and extra ==
// 'x'"), evaluated for the CPython an app is frozen for, on Linux x86_64, no extras requested.
// Used to tell which of a distribution's Requires-Dist apply to the frozen app.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "packager/config/python_version.h"

namespace freeze::packager {

// true when the marker holds for `python`, false when it does not, nullopt when it is not a
// valid marker (the caller decides; a requirement with one is kept).
std::optional<bool> evaluate_marker(std::string_view marker, const PythonVersion& python = PythonVersion::embedded());

// PEP 440 comparison of two versions ("3.11.2" vs "3.8", "1.0rc1" vs "1.0"): <0, 0 or >0.
int compare_versions(std::string_view left, std::string_view right);

}  // namespace freeze::packager

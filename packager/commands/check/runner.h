// Runs the checking program inside the verification copy: it reads the manifest (one check
// per line) and reports on file descriptor 3 as it goes ("B" began, "K" passed, "F" failed
// with the exception's fields, "W" a warning, "I" a fact, "E" the end). A check that crashes,
// exits or hangs the program is that check's failure; the program starts again after it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "packager/commands/check/check_model.h"
#include "packager/commands/inspect_command.h"

namespace freeze::packager::checks {

// The list of checks the checking program reads: one line each, kind and arguments.
void write_manifest(const Plan& plan, const std::filesystem::path& manifest);

// An in-memory module's virtual path, for the program to try opening by path; empty if none.
std::string path_probe(const Inspection& inspection, const std::filesystem::path& executable);

// Runs the program until every check has an outcome; its output goes to dir/output.log.
// `files_readable`: whether embedded files could be opened by path.
std::vector<Outcome> run_checks(const Plan& plan, const std::filesystem::path& executable,
                                const std::filesystem::path& dir, const std::filesystem::path& manifest,
                                const std::string& probe, int timeout_seconds, bool& files_readable);

// One report line's tab-separated fields, unescaped (\t, \n, \r, \\).
std::vector<std::string> split_report_fields(const std::string& line);

}  // namespace freeze::packager::checks

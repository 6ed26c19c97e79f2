// `freeze inspect --html FILE`: a self-contained page (no network access) with a summary and a
// treemap of what takes the space in a freeze executable: origin (application, third-party,
// standard library, system libraries, launcher) -> top-level package -> module or file, by
// stored or uncompressed size.
#pragma once

#include <filesystem>
#include <string>

#include "packager/commands/inspect_command.h"

namespace freeze::packager {

std::string html_report(const Inspection& inspection);

// Writes html_report() to `file` atomically. Throws UserError.
void write_html_report(const Inspection& inspection, const std::filesystem::path& file);

}  // namespace freeze::packager

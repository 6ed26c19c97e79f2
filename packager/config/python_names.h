// Python's names, as app.toml, file trees and distributions' metadata write them.
#pragma once

#include <string_view>

namespace freeze::packager {

// An identifier (non-ASCII letters allowed, as Python's).
bool is_identifier(std::string_view name);
// Identifiers separated by dots.
bool is_dotted_name(std::string_view name);

}  // namespace freeze::packager

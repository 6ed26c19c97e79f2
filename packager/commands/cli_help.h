// The CLI's documentation: the man page, generated from the same CLI11 definitions that
// `freeze --help` and `freeze COMMAND --help` print, so the two cannot disagree.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace freeze::packager {

// A roff man page (section 1) for `app` and its subcommands; with the README's text, also its
// app.toml reference as a CONFIGURATION section.
std::string man_page(CLI::App& app, const std::string& version, const std::string& readme = {});

}  // namespace freeze::packager

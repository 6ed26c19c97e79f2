// The freeze CLI.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "build_command.h"
#include "console.h"
#include "inspect_command.h"
#include "user_error.h"

int main(int argc, char** argv) {
  using namespace freeze::packager;
  CLI::App app{"freeze: turn a Python application into one native executable"};
  app.set_version_flag("--version", std::string("freeze ") + FREEZE_VERSION + " (CPython " FREEZE_PYTHON_VERSION ")");
  app.require_subcommand(1);

  BuildOptions build_options;
  std::string output_dir;
  bool verbose = false;
  bool quiet = false;
  auto* build_cmd = app.add_subcommand("build", "Build the executable described by an app.toml");
  build_cmd->add_option("config", build_options.config_file, "The app.toml to build (default: ./app.toml)");
  build_cmd->add_option("-o,--output", output_dir, "Directory to write the executable to (default: dist/ beside the config)");
  build_cmd->add_option("--compression-level", build_options.compression_level, "zstd level for resources (1-22)")
      ->check(CLI::Range(1, 22));
  build_cmd->add_flag("-v,--verbose", verbose, "Explain what is included and why");
  build_cmd->add_flag("-q,--quiet", quiet, "Print only errors");

  std::string inspect_path;
  bool inspect_json = false;
  auto* inspect_cmd = app.add_subcommand("inspect", "List the resources embedded in a frozen executable");
  inspect_cmd->add_option("executable", inspect_path, "The executable to inspect")->required();
  inspect_cmd->add_flag("--json", inspect_json, "Print JSON instead of a table");

  CLI11_PARSE(app, argc, argv);

  try {
    if (build_cmd->parsed()) {
      set_verbosity(quiet ? Verbosity::Quiet : verbose ? Verbosity::Verbose : Verbosity::Normal);
      if (!output_dir.empty()) build_options.output_dir = output_dir;
      build(build_options);
    } else if (inspect_cmd->parsed()) {
      inspect(inspect_path, inspect_json, std::cout);
    }
  } catch (const UserError& error) {
    std::fprintf(stderr, "freeze: error: %s\n", error.what());
    return 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "freeze: internal error (please report it): %s\n", error.what());
    return 70;
  }
  return 0;
}

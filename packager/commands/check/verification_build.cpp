#include "packager/commands/check/verification_build.h"

#include <toml++/toml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "check_script_source.h"
#include "packager/config/python_version.h"
#include "packager/support/console.h"
#include "packager/support/replace_all.h"
#include "packager/support/user_error.h"

namespace freeze::packager::checks {

namespace fs = std::filesystem;

fs::path temporary_parent() {
  const char* base = std::getenv("TMPDIR");
  return base && *base ? fs::path(base) : fs::path("/tmp");
}

std::string verification_config(const AppConfig& config) {
  toml::table document;
  try {
    document = toml::parse_file(config.config_file.string());
  } catch (const toml::parse_error&) {
    throw UserError(config.config_file.string() + ": invalid TOML");  // load_app_config said so first
  }
  const toml::table* source = is_pyproject(config.config_file) ? document["tool"]["freeze"].as_table() : &document;
  if (source == nullptr) throw UserError(config.config_file.string() + ": [tool.freeze] is missing");
  toml::table root = *source;
  toml::table app;
  app.insert("name", config.name);
  app.insert("code", std::string(kCheckScriptSource));
  root.insert_or_assign("app", std::move(app));
  // include = "reachable" follows imports from the entry point, which the checking program
  // replaces: keep the entry module a root.
  if (config.stdlib_include == StdlibInclude::Reachable && !config.entry_module.empty()) {
    toml::table* stdlib = root["stdlib"].as_table();
    toml::array add;
    for (const auto& name : config.stdlib_add) add.push_back(name);
    add.push_back(config.entry_module);
    stdlib->insert_or_assign("add", std::move(add));
  }
  if (toml::table* python = root["python"].as_table(); python && !config.distribution.empty()) {
    python->insert_or_assign("distribution", config.distribution.string());
  }
  if (!config.site_packages.empty() && !root.contains("packages")) root.insert("packages", toml::table{});
  if (toml::table* packages = root["packages"].as_table()) {
    if (packages->contains("paths")) {
      toml::array paths;
      for (const auto& path : config.package_paths) paths.push_back(path.string());
      packages->insert_or_assign("paths", std::move(paths));
    }
    if (packages->contains("site_packages") || !config.site_packages.empty()) {  // more of them when completing
      toml::array sites;
      for (const auto& site : config.site_packages) {
        toml::array include;
        for (const auto& name : site.include) include.push_back(name);
        sites.push_back(toml::table{{"dir", site.dir.string()}, {"include", std::move(include)}});
      }
      packages->insert_or_assign("site_packages", std::move(sites));
    }
    if (packages->contains("wheels")) {
      toml::array wheels;
      for (const auto& wheel : config.wheels) wheels.push_back(wheel.string());
      packages->insert_or_assign("wheels", std::move(wheels));
    }
  }
  std::ostringstream out;
  out << root << '\n';
  return out.str();
}

BuildResult build_verification_copy(const AppConfig& config, const fs::path& dir,
                                    const std::optional<fs::path>& distribution, bool announce) {
  const fs::path toml_file = dir / "check.toml";
  {
    std::ofstream file(toml_file, std::ios::binary);
    file << verification_config(config);
    if (!file) throw UserError(toml_file.string() + ": cannot write (is the temporary directory full?)");
  }
  const std::string building = "freeze check: building a verification copy of " + config.name + " from " +
                               config.config_file.string();
  announce ? note(building) : detail(building);
  BuildOptions build_options;
  build_options.config_file = toml_file;
  build_options.output_dir = dir / "exe";
  build_options.distribution = distribution;
  build_options.reachable_from = BuildOptions::AppEntry{
      config.entry_module, config.console_script, config.code, config.entry_function.empty() && config.console_script.empty()};
  const Verbosity saved = verbosity();
  if (saved != Verbosity::Verbose) set_verbosity(Verbosity::Quiet);  // the build's own notes
  try {
    BuildResult built = build(build_options);
    set_verbosity(saved);
    return built;
  } catch (const UserError& error) {
    set_verbosity(saved);
    throw UserError(replace_all(error.what(), toml_file.string(), config.config_file.string()));
  }
}

}  // namespace freeze::packager::checks

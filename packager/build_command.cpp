#include "build_command.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>

#include "app_config.h"
#include "atomic_file.h"
#include "blob_reader.h"
#include "blob_writer.h"
#include "build_python.h"
#include "console.h"
#include "launch_settings.h"
#include "module_collector.h"
#include "user_error.h"

namespace freeze::packager {
namespace {

namespace fs = std::filesystem;

// The interpreter cannot start without these, whatever [stdlib] says.
const std::vector<std::string> kRequiredStdlib = {"encodings"};
// Never embedded: Debian's sitecustomize points into /etc of the build machine.
const std::vector<std::string> kNeverStdlib = {"sitecustomize"};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(path.string() + ": cannot read");
  std::ostringstream out;
  out << in.rdbuf();
  if (!in.good() && !in.eof()) throw UserError(path.string() + ": read failed");
  return out.str();
}

fs::path self_directory() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (error) throw UserError("cannot locate the freeze executable: " + error.message());
  return self.parent_path();
}

std::string format_size(std::size_t bytes) {
  std::ostringstream out;
  out.precision(1);
  out << std::fixed << static_cast<double>(bytes) / (1024.0 * 1024.0) << " MiB";
  return out.str();
}

// The modules to embed, by name: the stdlib selection first, then the app's trees, which win
// over a stdlib module of the same name (as the script's directory does on sys.path).
std::map<std::string, ModuleFile> collect_all(const AppConfig& config, const fs::path& stdlib_dir) {
  std::map<std::string, ModuleFile> modules;
  CollectOptions stdlib_options;
  stdlib_options.stdlib = true;
  stdlib_options.namespace_packages = false;
  stdlib_options.exclude = kNeverStdlib;
  for (const auto& name : config.stdlib_exclude) {
    const bool required = std::any_of(kRequiredStdlib.begin(), kRequiredStdlib.end(),
                                      [&](const auto& r) { return name_is_under(r, name); });
    if (required) {
      warning("stdlib.exclude: '" + name + "' is needed to start the interpreter; it stays included");
    } else {
      stdlib_options.exclude.push_back(name);
    }
  }
  for (auto& module : collect_modules(stdlib_dir, stdlib_options)) {
    const bool required = std::any_of(kRequiredStdlib.begin(), kRequiredStdlib.end(),
                                      [&](const auto& r) { return name_is_under(module.name, r); });
    if (config.stdlib_include == StdlibInclude::All || required) modules.emplace(module.name, std::move(module));
  }

  std::map<std::string, fs::path> app_origin;  // module -> tree that provided it
  for (const auto& root : config.package_paths) {
    for (auto& module : collect_modules(root, CollectOptions{})) {
      if (const auto it = app_origin.find(module.name); it != app_origin.end()) {
        throw UserError("packages.paths: module '" + module.name + "' is in both " + it->second.string() + " and " +
                        root.string());
      }
      app_origin.emplace(module.name, root);
      if (const auto it = modules.find(module.name); it != modules.end()) {
        warning("module '" + module.name + "' from " + root.string() + " shadows the standard library's");
        modules.erase(it);
      }
      detail("module " + module.name + " <- " + module.source.string());
      modules.emplace(module.name, std::move(module));
    }
  }
  return modules;
}

void check_entry(const AppConfig& config, const std::map<std::string, ModuleFile>& modules) {
  if (config.entry_module.empty() || modules.contains(config.entry_module)) return;
  std::string where;
  for (const auto& path : config.package_paths) where += (where.empty() ? "" : ", ") + path.string();
  throw UserError(config.config_file.string() + ": app.entry: module '" + config.entry_module +
                  "' is not among the included modules (packages.paths: " + (where.empty() ? "none" : where) + ")");
}

// Compiles every module. App modules that fail are all reported together; a stdlib module that
// fails (rare: Debian ships a few Python 2 leftovers) is skipped with a warning.
std::vector<BlobItem> compile_modules(const AppConfig& config, const std::map<std::string, ModuleFile>& modules) {
  BuildPython& python = BuildPython::instance();
  std::vector<BlobItem> items;
  std::vector<std::string> errors;
  for (const auto& [name, module] : modules) {
    BlobItem item;
    item.kind = blob::Kind::Module;
    item.name = name;
    item.flags = static_cast<std::uint8_t>((module.is_package ? blob::kFlagPackage : 0) |
                                           (module.is_namespace ? blob::kFlagNamespace : 0) |
                                           (module.from_stdlib ? blob::kFlagStdlib : 0));
    if (!module.is_namespace) {
      try {
        CompiledModule compiled = python.compile(read_file(module.source), module.relative.string(), config.optimize);
        item.data = std::move(compiled.bytecode);
        item.source = std::move(compiled.source_utf8);
      } catch (const UserError& error) {
        if (module.from_stdlib) {
          warning("skipping stdlib module '" + name + "': " + error.what());
          continue;
        }
        errors.push_back(module.source.string() + ": " + error.what());
        continue;
      }
    }
    items.push_back(std::move(item));
  }
  if (!errors.empty()) {
    std::string message = std::to_string(errors.size()) + " module(s) do not compile:";
    for (const auto& error : errors) message += "\n  " + error;
    throw UserError(message);
  }
  return items;
}

blob::Settings launch_settings(const AppConfig& config) {
  namespace keys = blob::keys;
  blob::Settings settings;
  settings[keys::kAppName] = config.name;
  if (!config.code.empty()) {
    settings[keys::kEntryCode] = config.code;
  } else {
    settings[keys::kEntryModule] = config.entry_module;
    settings[keys::kEntryFunction] = config.entry_function;
  }
  settings[keys::kIsolated] = config.isolated ? "1" : "0";
  settings[keys::kOptimize] = std::to_string(config.optimize);
  settings[keys::kPythonVersion] = BuildPython::instance().version();
  return settings;
}

}  // namespace

fs::path find_launcher() {
  const fs::path dir = self_directory();
  for (const fs::path& candidate : {dir / "freeze-launcher", dir / ".." / "libexec" / "freeze" / "freeze-launcher"}) {
    std::error_code error;
    if (fs::is_regular_file(candidate, error)) return candidate.lexically_normal();
  }
  throw UserError("the launcher stub freeze-launcher is missing beside " + (dir / "freeze").string() +
                  "; rebuild freeze (cmake --build build)");
}

BuildResult build(const BuildOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  const AppConfig config = load_app_config(options.config_file);
  const fs::path output_dir = options.output_dir ? fs::absolute(*options.output_dir) : config.base_dir / "dist";
  const fs::path launcher_path = find_launcher();
  const std::string launcher = read_file(launcher_path);
  if (blob::BlobReader::has_blob({reinterpret_cast<const unsigned char*>(launcher.data()), launcher.size()})) {
    throw UserError(launcher_path.string() + ": the launcher stub already carries resources; rebuild freeze");
  }

  BuildPython& python = BuildPython::instance();
  detail("stdlib: " + python.stdlib_dir().string());
  const auto modules = collect_all(config, python.stdlib_dir());
  check_entry(config, modules);
  std::vector<BlobItem> items = compile_modules(config, modules);
  const std::size_t module_count = items.size();

  BlobItem settings;
  settings.kind = blob::Kind::Settings;
  settings.name = "app";
  settings.data = blob::encode_settings(launch_settings(config));
  items.push_back(std::move(settings));

  BlobOptions blob_options;
  blob_options.compression_level = options.compression_level;
  const std::string blob = write_blob(std::move(items), blob_options);

  std::error_code error;
  fs::create_directories(output_dir, error);
  if (error) throw UserError(output_dir.string() + ": cannot create the output directory: " + error.message());
  const fs::path executable = output_dir / config.name;
  if (fs::is_directory(executable, error)) {
    throw UserError(executable.string() + ": is a directory; app.name must not name one");
  }
  write_file_atomically(executable, {launcher, blob}, 0755);

  BuildResult result;
  result.executable = executable;
  result.module_count = module_count;
  result.size = launcher.size() + blob.size();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::ostringstream summary;
  summary.precision(1);
  summary << std::fixed << "wrote " << executable.string() << " (" << module_count << " modules, "
          << format_size(result.size) << ") in " << seconds << " s";
  note(summary.str());
  return result;
}

}  // namespace freeze::packager

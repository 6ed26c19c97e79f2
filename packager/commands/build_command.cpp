#include "packager/commands/build_command.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <set>
#include <sstream>

#include "packager/config/app_config.h"
#include "packager/support/atomic_file.h"
#include "format/blob_reader.h"
#include "packager/build/blob_writer.h"
#include "packager/build/build_cache.h"
#include "packager/build/build_python.h"
#include "packager/collect/collect.h"
#include "packager/support/console.h"
#include "packager/collect/elf_info.h"
#include "format/launch_settings.h"
#include "packager/build/output_tree.h"
#include "packager/support/progress.h"
#include "packager/collect/reachability.h"
#include "packager/support/read_file.h"
#include "packager/build/routing.h"
#include "packager/collect/system_libraries.h"
#include "packager/support/user_error.h"

namespace freeze::packager {
namespace {

namespace fs = std::filesystem;

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

std::string join_lines(const std::vector<std::string>& lines, const std::string& heading) {
  std::string message = heading;
  for (const auto& line : lines) message += "\n  " + line;
  return message;
}

// Resolves entry = "console_script:NAME" from the included distributions' entry_points.txt.
void resolve_console_script(AppConfig& config, const std::vector<Resource>& resources) {
  if (config.console_script.empty()) return;
  std::vector<Resource> metadata;
  for (const auto& resource : resources) {
    if (resource.kind == blob::Kind::Metadata) metadata.push_back(resource);
  }
  const std::string target = find_console_script(metadata, config.console_script);
  if (target.empty()) {
    throw UserError(config.config_file.string() + ": app.entry: no included distribution declares the console script '" +
                    config.console_script + "' (in entry_points.txt [console_scripts])");
  }
  const auto colon = target.find(':');
  config.entry_module = target.substr(0, colon);
  config.entry_function = colon == std::string::npos ? "" : target.substr(colon + 1);
  detail("console script " + config.console_script + " -> " + target);
}

void check_entry(const AppConfig& config, const std::vector<Resource>& resources) {
  if (config.entry_module.empty()) return;
  const bool found = std::any_of(resources.begin(), resources.end(), [&](const Resource& r) {
    return (r.kind == blob::Kind::Module || r.kind == blob::Kind::Extension) && r.name == config.entry_module;
  });
  if (found) return;
  std::string where;
  for (const auto& path : config.package_paths) where += (where.empty() ? "" : ", ") + path.string();
  throw UserError(config.config_file.string() + ": app.entry: module '" + config.entry_module +
                  "' is not among the included modules (packages.paths: " + (where.empty() ? "none" : where) + ")");
}

// For each extension module and bundled library, the bundled libraries it needs, transitively,
// in an order that loads every library after its own dependencies.
void resolve_library_dependencies(std::vector<Resource>& resources) {
  std::map<std::string, const Resource*> by_soname;  // soname or file name -> library
  std::map<std::string, std::vector<std::string>> needed;  // resource name -> needed names
  for (const auto& resource : resources) {
    if (resource.kind != blob::Kind::SharedLibrary && resource.kind != blob::Kind::Extension) continue;
    const auto info = read_elf_dynamic_info(resource.data);
    if (!info) {
      warning(std::string(blob::kind_name(resource.kind)) + " '" + resource.name + "' (" + resource.origin +
              ") is not a 64-bit ELF shared object");
      continue;
    }
    needed[resource.name] = info->needed;
    if (resource.kind == blob::Kind::SharedLibrary) {
      by_soname[resource.relative_path.substr(resource.relative_path.rfind('/') + 1)] = &resource;
      if (!info->soname.empty()) by_soname[info->soname] = &resource;
    }
  }
  for (auto& resource : resources) {
    if (!needed.contains(resource.name)) continue;
    std::vector<std::string> order;
    std::set<std::string> visiting;
    auto visit = [&](auto&& self, const std::string& name) -> void {
      for (const auto& dependency : needed[name]) {
        const auto it = by_soname.find(dependency);
        if (it == by_soname.end()) continue;  // a system library
        const std::string& library = it->second->name;
        if (library == name || !visiting.insert(library).second) continue;
        self(self, library);
        order.push_back(library);
      }
    };
    visit(visit, resource.name);
    resource.needed_libraries = std::move(order);
  }
}

std::string pyc_path(const std::string& source_path, int optimize, const std::string& cache_tag) {
  const auto slash = source_path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : source_path.substr(0, slash + 1);
  const std::string file = source_path.substr(slash == std::string::npos ? 0 : slash + 1);
  const std::string stem = file.substr(0, file.size() - 3);
  const std::string opt = optimize == 0 ? "" : ".opt-" + std::to_string(optimize);
  return dir + "__pycache__/" + stem + "." + cache_tag + opt + ".pyc";
}

// A checked hash-based .pyc (PEP 552: flags 0b11, then the source's hash), as
// `py_compile --invalidation-mode checked-hash` writes: the importer, like python's
// SourceFileLoader, uses it only while the .py beside it still has that hash, so an edited
// source is recompiled. (A timestamp .pyc would depend on the mtime the copy gets.)
std::string pyc_file(const std::string& magic, const std::string& bytecode, const std::string& source_hash) {
  std::string out = magic;
  out += std::string("\x03\0\0\0", 4);
  return out + source_hash + bytecode;
}

// Compiles a module, or takes the result of an identical earlier compilation from the cache.
CompiledModule compile_cached(BuildPython& python, const Resource& module, int optimize) {
  BuildCache& cache = BuildCache::instance();
  const std::string key =
      cache.key({"compile", python.magic_number(), std::to_string(optimize), module.relative_path, module.data});
  if (const auto hit = cache.get(key); hit && hit->size() >= 8) {
    std::uint64_t bytecode_size = 0;
    std::memcpy(&bytecode_size, hit->data(), 8);
    if (bytecode_size <= hit->size() - 8) {
      return {hit->substr(8, bytecode_size), hit->substr(8 + bytecode_size)};
    }
  }
  CompiledModule compiled = python.compile(module.data, module.relative_path, optimize);
  std::string entry(8, '\0');
  const std::uint64_t bytecode_size = compiled.bytecode.size();
  std::memcpy(entry.data(), &bytecode_size, 8);
  cache.put(key, entry + compiled.bytecode + compiled.source_utf8);
  return compiled;
}

// Fills the module's bytecode and UTF-8 source, once. Throws UserError if it does not compile.
void compile_module(BuildPython& python, Resource& module, int optimize) {
  if (module.compiled) return;
  CompiledModule compiled = compile_cached(python, module, optimize);
  module.bytecode = std::move(compiled.bytecode);
  module.source_utf8 = std::move(compiled.source_utf8);
  module.compiled = true;
}

std::string placement_text(const Placement& placement) {
  if (placement.location == blob::Location::FilesystemRelative) return "filesystem-relative";
  if (placement.filesystem_copy) return "in-memory (fallback copy beside the executable)";
  return "in-memory";
}

// [stdlib] include = "reachable": drops the stdlib modules nothing imports. Modules the
// launcher itself may import at run time are roots, as are [stdlib] add and the entry point.
void keep_reachable_stdlib(const AppConfig& config, const BuildOptions& options, std::vector<Resource>& resources) {
  BuildPython& python = BuildPython::instance();
  // encodings: every codec, as codecs are looked up by name at run time (their C helpers for
  // CJK codecs only through [stdlib] add). runpy and traceback: the launcher runs `python -m`
  // style entries and prints tracebacks with them. (The importer's importlib.resources/metadata
  // adapters are the launcher's, and are used only through importlib.resources and
  // importlib.metadata, which bring what they import.)
  std::vector<ReachabilityRoot> roots = {{"encodings", false}, {"runpy"}, {"traceback"}};
  for (const auto& name : config.stdlib_add) roots.push_back({name});
  if (!config.entry_module.empty()) roots.push_back({config.entry_module});
  // app.code instead of an entry module: what that code imports is reached from it.
  if (!config.code.empty()) {
    for (auto& name : python.imported_names(config.code, "__main__", false, false, false)) roots.push_back({std::move(name)});
  }
  auto compile = [&](Resource& module) {
    try {
      compile_module(python, module, config.optimize);
    } catch (const UserError&) {
      return false;  // reported when the module is compiled for the blob, if it is kept
    }
    return true;
  };
  auto scan = [&](const Resource& module) {
    const bool top_level_only = module.stdlib() && python.is_frozen(module.name);
    BuildCache& cache = BuildCache::instance();
    const std::string key = cache.key({"imports-3", module.name, top_level_only ? "top" : "all",
                                       module.stdlib() ? "stdlib" : "app", module.source_utf8});
    std::vector<std::string> names;
    if (const auto hit = cache.get(key)) {
      std::istringstream lines(*hit);
      for (std::string line; std::getline(lines, line);) names.push_back(line);
      return names;
    }
    names = python.imported_names(module.source_utf8, module.name, (module.flags & blob::kFlagPackage) != 0,
                                  top_level_only, module.stdlib());
    std::string joined;
    for (const auto& name : names) joined += name + "\n";
    cache.put(key, joined);
    return names;
  };
  const auto reached = prune_unreachable_stdlib(resources, roots, compile, scan);
  detail("stdlib include = reachable: " + std::to_string(reached.size()) + " stdlib modules are reachable");
  for (const auto& module : options.why) {
    std::string chain = module;
    auto it = reached.find(module);
    if (it == reached.end()) {
      const bool app_module = std::any_of(resources.begin(), resources.end(),
                                          [&](const Resource& r) { return !r.stdlib() && r.name == module; });
      note("why " + module + ": " + (app_module ? "it is one of the app's modules or packages"
                                                : "not included (nothing imports it; add it to [stdlib] add if it is imported dynamically)"));
      continue;
    }
    for (std::set<std::string> seen; it != reached.end() && !it->second.empty() && seen.insert(it->first).second;
         it = reached.find(it->second)) {
      chain += " <- " + it->second;
    }
    note("why " + module + ": " + chain + (it != reached.end() && it->second.empty() ? " (a root: the entry point, [stdlib] add, or needed by the launcher)" : ""));
  }
}

struct BuildPlan {
  std::vector<BlobItem> items;
  std::vector<OutputFile> files;  // written beside the executable
  std::size_t module_count = 0;
};

// Routes every resource, compiles modules and lays out the blob items and files on disk.
BuildPlan plan(const AppConfig& config, std::vector<Resource>& resources) {
  BuildPython& python = BuildPython::instance();
  std::vector<Placement> placements;
  for (const auto& resource : resources) {
    RoutingDecision decision = route(config.routing, resource);
    // Only native code can fail to load from memory (memory files not executable): other kinds
    // under a prefer-in-memory policy simply live in memory.
    if (resource.kind != blob::Kind::Extension && resource.kind != blob::Kind::SharedLibrary) {
      decision.placement.filesystem_copy = false;
    }
    placements.push_back(decision.placement);
    detail(std::string(blob::kind_name(resource.kind)) + " " + resource.name + " -> " + placement_text(decision.placement) +
           (decision.rule < 0 ? " (routing.default)" : " (routing.rule " + std::to_string(decision.rule + 1) + ")"));
  }
  if (const auto problems = check_placements(resources, placements, config.name); !problems.empty()) {
    throw UserError(join_lines(problems, "resources cannot live where they are routed (" + std::to_string(problems.size()) +
                                             " problem(s)):"));
  }

  BuildPlan out;
  std::vector<std::string> compile_errors;
  Progress progress("compiling", resources.size());
  for (std::size_t i = 0; i < resources.size(); ++i) {
    progress.advance();
    Resource& resource = resources[i];
    const bool namespace_package = (resource.flags & blob::kFlagNamespace) != 0;
    // A namespace package has no file: it lives in the index wherever it is routed.
    const Placement placement = namespace_package ? Placement{} : placements[i];
    const bool on_disk = placement.location == blob::Location::FilesystemRelative;
    BlobItem item;
    item.kind = resource.kind;
    item.name = resource.name;
    item.flags = resource.flags | (placement.filesystem_copy ? blob::kFlagFilesystemCopy : 0);
    item.location = placement.location;
    // The file path, in the installation: where it is on disk, or for in-memory entries where
    // it would be (what __file__ says); a namespace package's directory (its __path__).
    item.path = placed_path(resource, placement);

    if (resource.kind == blob::Kind::Module) {
      ++out.module_count;
      if (!namespace_package) {
        try {
          compile_module(python, resource, config.optimize);
        } catch (const UserError& error) {
          // The app's own code must compile. The stdlib has files that deliberately do not
          // (CPython's tests read test/bad_coding2.py): python fails only when they are imported.
          if (!resource.stdlib()) {
            compile_errors.push_back(resource.origin + ": " + error.what());
          } else if (on_disk) {
            // On the filesystem it is just a file: copied as is, with no .pyc, so that
            // importing it raises the SyntaxError python raises.
            detail("module " + resource.name + " does not compile (" + error.what() + "): copied as is to " + item.path);
            out.files.push_back({item.path, resource.data, resource.mode});
            out.items.push_back(std::move(item));
          } else {
            // In memory: its source alone, which the importer compiles when it is imported,
            // raising the SyntaxError python raises.
            detail("module " + resource.name + " does not compile (" + error.what() + "): stored as source only");
            item.aux = resource.data;
            out.items.push_back(std::move(item));
          }
          continue;
        }
        CompiledModule compiled{std::move(resource.bytecode), std::move(resource.source_utf8)};
        if (on_disk || placement.filesystem_copy) {
          out.files.push_back({item.path, resource.data, resource.mode});
          out.files.push_back({pyc_path(item.path, config.optimize, python.cache_tag()),
                               pyc_file(python.magic_number(), compiled.bytecode, python.source_hash(resource.data))});
        }
        if (!on_disk) {
          item.data = std::move(compiled.bytecode);
          item.aux = std::move(compiled.source_utf8);
        }
      }
    } else {
      if (on_disk || placement.filesystem_copy) out.files.push_back({item.path, resource.data, resource.mode});
      if (!on_disk) item.data = resource.data;
      if (!resource.needed_libraries.empty()) {
        std::string list;
        for (const auto& library : resource.needed_libraries) list += (list.empty() ? "" : "\n") + library;
        item.aux = list;
      }
    }
    out.items.push_back(std::move(item));
  }
  if (!compile_errors.empty()) {
    throw UserError(join_lines(compile_errors, std::to_string(compile_errors.size()) + " module(s) do not compile:"));
  }
  return out;
}

// The closing summary: what went where, how big, how long, and how much the cache saved.
std::string build_summary(const std::vector<Resource>& resources, const BuildPlan& plan, const BuildResult& result,
                          double seconds) {
  std::map<std::string, std::size_t> by_kind;
  std::size_t on_disk = 0;
  for (const auto& resource : resources) ++by_kind[std::string(blob::kind_name(resource.kind))];
  for (const auto& item : plan.files) on_disk += item.data.size();
  std::ostringstream out;
  out.precision(1);
  out << std::fixed << "wrote " << result.executable.string() << " (" << format_size(result.size) << ") in " << seconds
      << " s\n  ";
  bool first = true;
  const std::map<std::string, std::string> plural = {{"module", "modules"},
                                                      {"resource", "data files"},
                                                      {"metadata", "metadata files"},
                                                      {"extension", "extension modules"},
                                                      {"shared-library", "shared libraries"}};
  for (const auto& [kind, count] : by_kind) {
    out << (first ? "" : ", ") << count << " " << (plural.contains(kind) ? plural.at(kind) : kind);
    first = false;
  }
  if (!plan.files.empty()) {
    out << "\n  " << plan.files.size() << " files beside it (" << format_size(on_disk) << ")";
  }
  const BuildCache& cache = BuildCache::instance();
  if (cache.enabled()) {
    out << "\n  cache: " << cache.hits() << " hits, " << cache.misses() << " misses (" << cache.directory().string() << ")";
  }
  return out.str();
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
  settings[keys::kInterpreter] = config.interpreter ? "1" : "0";
  settings[keys::kUnbuffered] = config.unbuffered ? "1" : "0";
  settings[keys::kSite] = config.site ? "1" : "0";
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
  BuildCache::instance().configure(options.use_cache);
  AppConfig config = load_app_config(options.config_file);
  const fs::path output_dir = options.output_dir ? fs::absolute(*options.output_dir) : config.base_dir / "dist";
  const fs::path launcher_path = find_launcher();
  const std::string launcher = read_file(launcher_path);
  if (blob::BlobReader::has_blob({reinterpret_cast<const unsigned char*>(launcher.data()), launcher.size()})) {
    throw UserError(launcher_path.string() + ": the launcher stub already carries resources; rebuild freeze");
  }

  BuildPython& python = BuildPython::instance();
  detail("stdlib: " + python.stdlib_dir().string());
  Collection collection = collect_resources(config, python.stdlib_dir(), output_dir);
  resolve_console_script(config, collection.resources);
  check_entry(config, collection.resources);
  if (config.stdlib_include == StdlibInclude::Reachable) keep_reachable_stdlib(config, options, collection.resources);
  if (config.bundle_system_libraries) add_system_libraries(collection.resources);
  resolve_library_dependencies(collection.resources);
  BuildPlan build_plan = plan(config, collection.resources);

  BlobItem settings;
  settings.kind = blob::Kind::Settings;
  settings.name = "app";
  settings.data = blob::encode_settings(launch_settings(config));
  build_plan.items.push_back(std::move(settings));

  BlobOptions blob_options;
  blob_options.compression_level = options.compression_level;
  std::string blob;
  {
    Progress progress("compressing", build_plan.items.size());
    blob_options.on_item_done = [&progress] { progress.advance(); };
    blob = write_blob(std::move(build_plan.items), blob_options);
  }
  BuildCache::instance().finish();  // all cache work is done: statistics, size limit

  const fs::path executable = output_dir / config.name;
  write_output(output_dir, config.name, {launcher, blob}, build_plan.files);

  BuildResult result;
  result.executable = executable;
  result.module_count = build_plan.module_count;
  result.size = launcher.size() + blob.size();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  note(build_summary(collection.resources, build_plan, result, seconds));
  return result;
}

}  // namespace freeze::packager

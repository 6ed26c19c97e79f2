#include "packager/commands/build_command.h"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>

#include "format/blob_reader.h"
#include "packager/build/blob_writer.h"
#include "packager/build/build_cache.h"
#include "packager/build/build_python.h"
#include "packager/build/compile.h"
#include "packager/build/layout.h"
#include "packager/build/output_tree.h"
#include "packager/build/python_distribution.h"
#include "packager/build/python_process.h"
#include "packager/build/routing.h"
#include "packager/build/stdlib_dictionaries.h"
#include "packager/collect/collect.h"
#include "packager/collect/distributions.h"
#include "packager/collect/excluded_stdlib_imports.h"
#include "packager/collect/entry_resolution.h"
#include "packager/collect/glibc_requirements.h"
#include "packager/collect/imported_names.h"
#include "packager/config/app_config.h"
#include "packager/support/console.h"
#include "packager/support/text.h"
#include "packager/support/progress.h"
#include "packager/support/read_file.h"
#include "packager/support/user_error.h"

namespace freeze::packager {

namespace fs = std::filesystem;

fs::path self_directory() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (error) throw UserError("cannot locate the freeze executable: " + error.message());
  return self.parent_path();
}

namespace {

std::string format_size(std::size_t bytes) {
  std::ostringstream out;
  out.precision(1);
  out << std::fixed << static_cast<double>(bytes) / (1024.0 * 1024.0) << " MiB";
  return out.str();
}

// The closing summary: what went where, how big, how long, and how much the cache saved.
std::string build_summary(const std::vector<Resource>& resources, const Layout& layout, const BuildResult& result,
                          double seconds) {
  std::map<std::string, std::size_t> by_kind;
  std::size_t on_disk = 0;
  for (const auto& resource : resources) ++by_kind[std::string(blob::kind_name(resource.kind))];
  for (const auto& item : layout.files) on_disk += item.data.size();
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
  if (!layout.files.empty()) {
    out << "\n  " << layout.files.size() << " files beside it (" << format_size(on_disk) << ")";
  }
  const BuildCache& cache = BuildCache::instance();
  if (cache.enabled()) {
    out << "\n  cache: " << cache.hits() << " hits, " << cache.misses() << " misses (" << cache.directory().string() << ")";
  }
  return out.str();
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

namespace {

// The CPython the app is frozen for: a distribution's own interpreter, run as a child process
// (its version's bytecode, whatever CPython the packager links), or the packager's embedded one.
// `process` keeps the child alive for the build.
TargetPython& target_python(const std::optional<PythonDistribution>& distribution, std::unique_ptr<PythonProcess>& process) {
  if (!distribution) return BuildPython::instance();
  process = std::make_unique<PythonProcess>(distribution->interpreter);
  if (process->magic_number() != distribution->magic_number || process->version() != distribution->version) {
    throw UserError(distribution->interpreter.string() + " is CPython " + process->version().full + ", but " +
                    (distribution->dir / "manifest.json").string() + " describes CPython " + distribution->version.full +
                    ": the distribution is damaged; build it again");
  }
  return *process;
}

// The launcher stub, checked to be a bare one.
std::string read_launcher(const fs::path& launcher_path) {
  std::string launcher = read_file(launcher_path);
  if (blob::BlobReader::has_blob({reinterpret_cast<const unsigned char*>(launcher.data()), launcher.size()})) {
    throw UserError(launcher_path.string() + ": the launcher stub already carries resources; rebuild freeze");
  }
  return launcher;
}

// The modules are compressed with the dictionaries of the interpreter's stdlib, which do not
// depend on the app: an edit of the app recompresses only what it changed.
std::string write_blob_with_progress(std::vector<BlobItem> items, int compression_level, TargetPython& python,
                                     int optimize) {
  BlobOptions blob_options;
  blob_options.compression_level = compression_level;
  if (compression_level > 0) blob_options.given_dictionaries = stdlib_dictionaries(python, python.stdlib_dir(), compression_level, optimize);
  Progress progress("compressing", items.size());
  blob_options.on_item_done = [&progress] { progress.advance(); };
  return write_blob(std::move(items), blob_options);
}

}  // namespace

// Each stage once, in order; a resource goes from collect() to the writer as one Resource,
// which routing gives its placement and compiling its bytecode, and which the layout turns
// into blob items and files.
BuildResult build(const BuildOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  BuildCache::instance().configure(options.use_cache);
  AppConfig config = load_app_config(options.config_file);
  const fs::path output_dir = options.output_dir ? fs::absolute(*options.output_dir) : config.base_dir / "dist";
  const std::optional<PythonDistribution> distribution = chosen_distribution(config, options.distribution);
  const std::string launcher = read_launcher(distribution ? distribution->launcher : find_launcher());
  std::unique_ptr<PythonProcess> process;
  TargetPython& python = target_python(distribution, process);

  CollectOptions collect_options{python, output_dir, options.why, {}};
  if (distribution) collect_options.builtin_extensions = distribution->builtin_modules;
  std::vector<Resource> resources = collect(config, collect_options);
  warn_about_newer_glibc(resources, launcher);
  route_resources(config.routing, config.name, resources);
  compile_modules(resources, config.optimize, python);
  for (const auto& text : excluded_stdlib_import_warnings(config, resources, python)) warning(text);
  ImportsLeftOut left_out = imports_left_out(config, resources, python);
  std::optional<std::set<std::string>> reachable;
  if (options.reachable_from && !config.interpreter) {  // an interpreter may import anything
    const auto& entry = *options.reachable_from;
    if (entry.runs_as_main && entry.code.empty()) mark_main_module(entry.module, resources);
    std::vector<std::string> roots;
    if (!entry.module.empty()) roots.push_back(entry.module);
    if (!entry.console_script.empty()) {
      std::vector<Resource> metadata;
      std::copy_if(resources.begin(), resources.end(), std::back_inserter(metadata),
                   [](const Resource& r) { return r.kind == blob::Kind::Metadata; });
      const std::string target = find_console_script(metadata, entry.console_script);
      roots.push_back(target.substr(0, target.find(':')));
    }
    if (!entry.code.empty()) roots = python.imported_names(entry.code, "__main__", false, ImportScope::Unguarded, false, true);
    // An entry that names nothing (a console script no included distribution declares) reaches
    // nothing knowable: every module would look unreachable, so none is judged so.
    const bool entry_known = std::none_of(roots.begin(), roots.end(), [](const std::string& root) { return root.empty(); });
    if (entry_known) {
      reachable = reachable_third_party(resources, roots, [&](const Resource& module) {
        return cached_imported_names(python, module, ImportScope::Unguarded);
      });
    }
  }
  if (const std::string text = uncollected_imports_warning(left_out.uncollected); !text.empty()) warning(text);
  Layout layout = lay_out(resources, config, python);
  const std::string blob =
      write_blob_with_progress(std::move(layout.items), options.compression_level, python, config.optimize);
  BuildCache::instance().finish();  // all cache work is done: statistics, size limit
  // The blob starts on a page of its own: the kernel maps the launcher's last segment (its
  // writable data) by whole pages, and a page shared with the blob would map the blob's first
  // bytes writable. The reader finds the blob from the trailer; the padding is never read.
  constexpr std::size_t kPageSize = 4096;
  const std::string padding((kPageSize - launcher.size() % kPageSize) % kPageSize, '\0');
  std::vector<std::string> commands;
  for (const auto& command : config.commands) commands.push_back(command.name);
  write_output(output_dir, config.name, {launcher, padding, blob}, layout.files, commands);

  BuildResult result;
  result.executable = output_dir / config.name;
  result.module_count = layout.module_count;
  result.size = launcher.size() + blob.size();
  result.imports_left_out = std::move(left_out);
  result.reachable = std::move(reachable);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  note(build_summary(resources, layout, result, seconds));
  if (!commands.empty()) {
    note("  commands " + join(commands) + ": symlinks to it beside it, each starting it as that command ([app] commands)");
  }
  return result;
}

}  // namespace freeze::packager

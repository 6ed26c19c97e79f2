#include "module_collector.h"

#include <algorithm>

#include "app_config.h"
#include "user_error.h"

namespace freeze::packager {
namespace {

namespace fs = std::filesystem;

class Collector {
 public:
  Collector(const fs::path& root, const CollectOptions& options) : root_(root), options_(options) {}

  std::vector<ModuleFile> run() {
    walk(root_, "");
    std::sort(modules_.begin(), modules_.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return std::move(modules_);
  }

 private:
  bool excluded(const std::string& name) const {
    return std::any_of(options_.exclude.begin(), options_.exclude.end(),
                       [&](const std::string& prefix) { return name_is_under(name, prefix); });
  }

  static std::string join(const std::string& package, const std::string& name) {
    return package.empty() ? name : package + "." + name;
  }

  // Directory entries sorted by name, so that builds are reproducible.
  static std::vector<fs::directory_entry> list(const fs::path& dir) {
    std::vector<fs::directory_entry> entries;
    std::error_code error;
    for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) entries.push_back(*it);
    if (error) throw UserError(dir.string() + ": cannot list directory: " + error.message());
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.path() < b.path(); });
    return entries;
  }

  static bool has_python_files(const fs::path& dir, int depth = 0) {
    if (depth > 32) return false;
    std::error_code error;
    for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
      if (it->is_regular_file(error) && it->path().extension() == ".py") return true;
      if (it->is_directory(error) && is_identifier(it->path().filename().string()) &&
          has_python_files(it->path(), depth + 1)) {
        return true;
      }
    }
    return false;
  }

  // Adds the modules of directory `dir`, whose package is `package` ("" at the root).
  void walk(const fs::path& dir, const std::string& package) {
    for (const auto& entry : list(dir)) {
      const fs::path& path = entry.path();
      const std::string filename = path.filename().string();
      std::error_code error;
      if (entry.is_regular_file(error) && path.extension() == ".py") {
        const std::string stem = path.stem().string();
        if (stem == "__init__" || !is_identifier(stem)) continue;
        add_module(join(package, stem), path, false, false);
      } else if (entry.is_directory(error) && is_identifier(filename) && filename != "__pycache__") {
        const std::string name = join(package, filename);
        if (excluded(name)) continue;
        const fs::path init = path / "__init__.py";
        if (fs::is_regular_file(init, error)) {
          add_module(name, init, true, false);
          walk(path, name);
        } else if (options_.namespace_packages && has_python_files(path)) {
          add_module(name, fs::path(), true, true);
          walk(path, name);
        }
      }
    }
  }

  void add_module(const std::string& name, const fs::path& source, bool is_package, bool is_namespace) {
    if (excluded(name)) return;
    ModuleFile module;
    module.name = name;
    module.source = source;
    module.relative = source.empty() ? fs::path() : source.lexically_relative(root_);
    module.is_package = is_package;
    module.is_namespace = is_namespace;
    module.from_stdlib = options_.stdlib;
    modules_.push_back(std::move(module));
  }

  fs::path root_;
  const CollectOptions& options_;
  std::vector<ModuleFile> modules_;
};

}  // namespace

bool name_is_under(std::string_view name, std::string_view prefix) {
  return name == prefix || (name.size() > prefix.size() && name.starts_with(prefix) && name[prefix.size()] == '.');
}

std::vector<ModuleFile> collect_modules(const fs::path& root, const CollectOptions& options) {
  return Collector(root, options).run();
}

}  // namespace freeze::packager

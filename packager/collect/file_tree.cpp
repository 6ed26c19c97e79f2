#include "packager/collect/file_tree.h"

#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "format/module_names.h"
#include "format/pyc_file.h"
#include "packager/config/python_names.h"
#include "packager/support/console.h"
#include "packager/support/read_file.h"
#include "packager/support/user_error.h"

namespace freeze::packager {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  while (true) {
    const auto slash = path.find('/');
    parts.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return parts;
    path.remove_prefix(slash + 1);
  }
}

std::string join(const std::vector<std::string>& parts, std::size_t count, char separator) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i) out += separator;
    out += parts[i];
  }
  return out;
}

// File names import can reach: identifiers, and any other name without a dot or space that
// __import__ finds on disk (CPython's own "_sysconfigdata__x86_64-linux-gnu" is one).
bool is_module_stem(std::string_view stem) {
  return !stem.empty() && stem.find_first_of(". \t") == std::string_view::npos;
}

class Classifier {
 public:
  Classifier(const FileTree& tree, const ClassifyOptions& options) : tree_(tree), options_(options) {}

  std::vector<Resource> run() {
    find_packages();
    for (const auto& [path, file] : tree_) classify(path, file);
    for (const auto& name : namespace_packages_) add_namespace(name);
    settle_same_names();
    std::vector<Resource> out;
    for (auto& resource : resources_) {
      if (!excluded(resource.routing_name)) out.push_back(std::move(resource));
    }
    return out;
  }

 private:
  // One name, several files in one directory: python's FileFinder takes a package directory
  // (with __init__) first, then an extension module, then the .py source. mypyc-compiled
  // packages ship each module as both "mod.py" and "mod.cpython-311-...so" and python imports
  // the extension; pytest's "py.py" shim sits beside Debian's "py/" package. What loses stays a
  // plain file of its package (package data), as it is on disk.
  void settle_same_names() {
    auto rank = [](const Resource& r) {  // package: __init__ extension, then __init__.py; extension; source
      const bool package = (r.flags & blob::kFlagPackage) != 0;
      if (package) return r.kind == blob::Kind::Extension ? 0 : 1;
      return r.kind == blob::Kind::Extension ? 2 : 3;
    };
    std::map<std::string, std::size_t> winner;  // module name -> index in resources_
    for (std::size_t i = 0; i < resources_.size(); ++i) {
      const Resource& r = resources_[i];
      if (r.kind != blob::Kind::Module && r.kind != blob::Kind::Extension) continue;
      if (r.flags & blob::kFlagNamespace) continue;  // settled later: a directory without __init__ loses to any file
      const auto [it, inserted] = winner.emplace(r.name, i);
      if (!inserted && rank(r) < rank(resources_[it->second])) it->second = i;
    }
    std::vector<Resource> kept;
    for (std::size_t i = 0; i < resources_.size(); ++i) {
      Resource& r = resources_[i];
      const auto it = (r.kind == blob::Kind::Module || r.kind == blob::Kind::Extension) && !(r.flags & blob::kFlagNamespace)
                          ? winner.find(r.name)
                          : winner.end();
      if (it == winner.end() || it->second == i) {
        kept.push_back(std::move(r));
        continue;
      }
      const Resource& first = resources_[it->second];
      const std::string message = std::string(blob::kind_name(r.kind)) + " " + r.name + " (" + r.origin + ") is hidden by " +
                                  ((first.flags & blob::kFlagPackage) ? "the package " : "the extension module ") +
                                  first.origin + ", as python imports that";
      const bool compiled_source = first.kind == blob::Kind::Extension && r.kind == blob::Kind::Module &&
                                   (first.flags & blob::kFlagPackage) == (r.flags & blob::kFlagPackage);
      if (compiled_source) {
        detail(message);  // mypyc's usual layout: each module both compiled and as source
      } else {
        warning(message);
      }
      const auto parts = split_path(r.relative_path);
      if (options_.data_files && parts.size() > 1 && !enclosing_package(parts, parts.size() - 1).empty()) {
        r.kind = blob::Kind::Resource;
        r.name = r.relative_path;
        r.routing_name = enclosing_package(parts, parts.size() - 1);
        r.flags &= blob::kFlagStdlib;
        kept.push_back(std::move(r));
      }
    }
    resources_ = std::move(kept);
  }

  bool excluded(const std::string& name) const {
    return std::any_of(options_.exclude.begin(), options_.exclude.end(),
                       [&](const std::string& pattern) { return name_matches(name, pattern); });
  }

  // Directories that are packages: those with __init__.py and, where namespace packages are
  // allowed, every other directory with an identifier name, as python's path finder sees them
  // (a package's "data/" directory is importable, and importlib.resources.files() takes it).
  void find_packages() {
    for (const auto& [path, file] : tree_) {
      const auto parts = split_path(path);
      const std::size_t dirs = parts.size() - 1;
      for (std::size_t depth = 1; depth <= dirs && is_identifier(parts[depth - 1]); ++depth) {
        const std::string dir = join(parts, depth, '/');
        if (tree_.contains(dir + "/__init__.py")) {
          packages_.insert(dir);
        } else if (options_.namespace_packages && (depth > 1 || holds_python(dir))) {
          packages_.insert(dir);
          namespace_packages_.insert(package_name(dir));
        } else {
          break;  // not a package: nothing below it is importable
        }
      }
    }
  }

  // True if a .py file lies somewhere below directory `dir`: a top-level directory is taken as a
  // namespace package only then (a project's "docs/" or "dist/" is not one).
  bool holds_python(const std::string& dir) const {
    const std::string prefix = dir + "/";
    for (auto it = tree_.lower_bound(prefix); it != tree_.end() && it->first.starts_with(prefix); ++it) {
      if (it->first.ends_with(".py")) return true;
    }
    return false;
  }

  // The dotted name of a package directory (its parts are identifiers: find_packages).
  static std::string package_name(const std::string& dir) { return blob::name_of_directory(dir).value_or(""); }

  // The dotted package that directory path `dir` is, or the nearest enclosing package.
  std::string enclosing_package(const std::vector<std::string>& parts, std::size_t dirs) const {
    for (std::size_t depth = dirs; depth > 0; --depth) {
      if (const std::string dir = join(parts, depth, '/'); packages_.contains(dir)) return package_name(dir);
    }
    return {};
  }

  void classify(const std::string& path, const TreeFile& file) {
    const auto parts = split_path(path);
    const std::size_t dirs = parts.size() - 1;
    const std::string& filename = parts.back();
    const bool in_packages = dirs == 0 || packages_.contains(join(parts, dirs, '/'));
    std::uint8_t stdlib = options_.stdlib ? blob::kFlagStdlib : 0;

    if (path.ends_with(".py") && in_packages) {
      const std::string stem = filename.substr(0, filename.size() - 3);
      if (stem == "__init__" && dirs == 0) return;  // an __init__.py at the root belongs to no package
      const auto source = stem == "__init__" || is_module_stem(stem) ? blob::module_of_source_file(path) : std::nullopt;
      if (!source) return add_data(path, file, parts, dirs);
      Resource module;
      module.kind = blob::Kind::Module;
      module.name = source->name;
      module.flags = source->is_package ? blob::kFlagPackage : 0;
      namespace_packages_.erase(module.name);
      if (excluded(module.name)) return;
      module.flags |= stdlib;
      module.routing_name = module.name;
      module.relative_path = path;
      module.origin = file.origin;
      module.mode = file.mode;
      module.data = file.read();
      resources_.push_back(std::move(module));
      return;
    }
    if (const std::string stem = extension_module_stem(filename, options_.python); !stem.empty() && in_packages) {
      Resource extension;
      extension.kind = blob::Kind::Extension;
      const std::string package = package_name(join(parts, dirs, '/'));
      extension.name = blob::submodule_name(package, stem);
      if (stem == "__init__") {
        // A package whose __init__ is an extension module (mypyc compiles them so): FileFinder
        // looks for __init__ with each suffix, extensions first.
        if (dirs == 0) return;
        extension.name = package;
        extension.flags = blob::kFlagPackage;
      }
      if (excluded(extension.name)) return;
      extension.routing_name = extension.name;
      extension.relative_path = path;
      extension.origin = file.origin;
      extension.mode = file.mode;
      extension.flags |= stdlib;
      extension.data = file.read();
      resources_.push_back(std::move(extension));
      return;
    }
    add_data(path, file, parts, dirs);
  }

  void add_data(const std::string& path, const TreeFile& file, const std::vector<std::string>& parts, std::size_t dirs) {
    if (!options_.data_files) return;
    const std::string package = dirs == 0 ? std::string() : enclosing_package(parts, dirs);
    if (package.empty()) {
      // Files at the root and in directories that are no package (.dist-info, .libs, docs/)
      // are no package's data: taken only when a glob asks for them, with no package name.
      const auto& globs = options_.outside_packages;
      if (std::none_of(globs.begin(), globs.end(), [&](const std::string& glob) { return path_matches(path, glob); })) return;
    } else if (excluded(package)) {
      return;
    }
    Resource data;
    data.kind = blob::Kind::Resource;
    data.name = path;
    data.routing_name = package;
    data.relative_path = path;
    data.origin = file.origin;
    data.mode = file.mode;
    data.flags = options_.stdlib ? blob::kFlagStdlib : 0;
    data.data = file.read();
    resources_.push_back(std::move(data));
  }

  void add_namespace(const std::string& name) {
    Resource module;
    module.kind = blob::Kind::Module;
    module.name = name;
    module.routing_name = name;
    module.flags = blob::kFlagPackage | blob::kFlagNamespace | (options_.stdlib ? blob::kFlagStdlib : 0);
    module.origin = "namespace package";
    resources_.push_back(std::move(module));
  }

  const FileTree& tree_;
  const ClassifyOptions& options_;
  std::set<std::string> packages_;            // '/'-separated directories
  std::set<std::string> namespace_packages_;  // dotted names without __init__.py
  std::vector<Resource> resources_;
};

}  // namespace

unsigned copy_mode(unsigned source_mode) { return 0644 | (source_mode & 0111); }

std::string TreeFile::read() const {
  return bytes ? *bytes : read_file(disk);
}

std::string extension_module_stem(std::string_view filename, const PythonVersion& python) {
  for (const std::string& suffix : python.extension_suffixes()) {
    if (filename.ends_with(suffix)) {
      const std::string_view stem = filename.substr(0, filename.size() - suffix.size());
      // With an interpreter tag, any name import can reach: mypyc's shared helper module is
      // "<hash>__mypyc.cpython-311-...so", which its compiled modules import by name. A bare
      // ".so" is taken for an extension module only with an identifier name (libfoo-2.so is
      // a library).
      const bool tagged = suffix != ".so";
      return (tagged ? is_module_stem(stem) : is_identifier(stem)) ? std::string(stem) : std::string();
    }
  }
  return {};
}

bool directory_has_module(const fs::path& dir, std::string_view name) {
  std::error_code error;
  const fs::path path = dir / blob::directory_of(name);
  if (fs::is_directory(path, error) || fs::is_regular_file(path.string() + ".py", error)) return true;
  const std::string extension_prefix = path.filename().string() + ".";
  for (const auto& entry : fs::directory_iterator(path.parent_path(), error)) {
    const std::string file = entry.path().filename().string();
    if (file.starts_with(extension_prefix) && file.ends_with(".so")) return true;
  }
  return false;
}

bool stdlib_has_module(const fs::path& stdlib_dir, std::string_view name) {
  return directory_has_module(stdlib_dir, name) ||
         (name.find('.') == std::string_view::npos && directory_has_module(stdlib_dir / "lib-dynload", name));
}

bool name_matches(std::string_view name, std::string_view pattern) {
  const std::string n(name);
  const std::string p(pattern);
  if (fnmatch(p.c_str(), n.c_str(), 0) == 0) return true;
  // Everything below a matching package matches too.
  for (auto dot = n.find('.'); dot != std::string::npos; dot = n.find('.', dot + 1)) {
    if (fnmatch(p.c_str(), n.substr(0, dot).c_str(), 0) == 0) return true;
  }
  return false;
}

bool path_matches(std::string_view path, std::string_view pattern) {
  const std::string p(pattern);
  const std::string whole(path);
  for (auto slash = whole.find('/'); slash != std::string::npos; slash = whole.find('/', slash + 1)) {
    if (fnmatch(p.c_str(), whole.substr(0, slash).c_str(), FNM_PATHNAME) == 0) return true;
  }
  return fnmatch(p.c_str(), whole.c_str(), FNM_PATHNAME) == 0;
}

FileTree tree_from_directory(const fs::path& root, const std::optional<std::set<std::string>>& top_level,
                             const std::vector<fs::path>& skip, const PythonVersion& python) {
  FileTree tree;
  std::error_code error;
  fs::recursive_directory_iterator it(root, fs::directory_options::follow_directory_symlink, error), end;
  if (error) throw UserError(root.string() + ": cannot read directory: " + error.message());
  std::set<std::pair<dev_t, ino_t>> visited;
  if (struct stat st {}; ::stat(root.c_str(), &st) == 0) visited.insert({st.st_dev, st.st_ino});
  for (; it != end; it.increment(error)) {
    if (error) throw UserError(root.string() + ": cannot read directory: " + error.message());
    const fs::path& path = it->path();
    const std::string name = path.filename().string();
    const std::string relative = path.lexically_relative(root).generic_string();
    if (it.depth() == 0 && top_level) {
      std::string head = name;
      for (const char* suffix : {".py"}) {
        if (head.ends_with(suffix)) head.resize(head.size() - std::strlen(suffix));
      }
      if (const auto stem = extension_module_stem(name, python); !stem.empty()) head = stem;
      const bool distribution_files = name.ends_with(".dist-info") || name.ends_with(".egg-info") || name.ends_with(".libs");
      if (!top_level->contains(head) && !distribution_files) {
        it.disable_recursion_pending();
        continue;
      }
    }
    const bool skipped = std::any_of(skip.begin(), skip.end(), [&](const fs::path& dir) {
      std::error_code ignored;
      return fs::equivalent(path, dir, ignored);
    });
    if (name.starts_with(".") || skipped) {
      if (it->is_directory(error)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory(error)) {
      // Symlinked directories are followed, but each directory only once: a symlink loop
      // would otherwise be walked forever.
      struct stat st {};
      const bool seen = ::stat(path.c_str(), &st) == 0 && !visited.insert({st.st_dev, st.st_ino}).second;
      if (name == blob::pyc::kCacheDirectory || seen) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(error) || name.ends_with(".pyc") || name.ends_with(".pyo")) continue;
    const auto permissions = static_cast<unsigned>(it->status(error).permissions());
    tree[relative] = TreeFile{path, std::nullopt, path.string(), copy_mode(error ? 0 : permissions)};
  }
  return tree;
}

std::vector<Resource> classify_tree(const FileTree& tree, const ClassifyOptions& options) {
  return Classifier(tree, options).run();
}

}  // namespace freeze::packager

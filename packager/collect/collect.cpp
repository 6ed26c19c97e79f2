#include "packager/collect/collect.h"

#include <algorithm>
#include <map>
#include <set>

#include "format/module_names.h"
#include "importer/install_layout.h"
#include "packager/collect/entry_resolution.h"
#include "packager/collect/library_dependencies.h"
#include "packager/collect/namespace_pth.h"
#include "packager/collect/reachable_stdlib.h"
#include "packager/collect/system_libraries.h"
#include "packager/support/console.h"
#include "packager/support/user_error.h"
#include "packager/collect/wheel.h"
#include "packager/support/text.h"

namespace freeze::packager {
namespace {

namespace fs = std::filesystem;

// The interpreter cannot start without these, whatever [stdlib] says.
const std::vector<std::string> kRequiredStdlib = {"encodings"};
// Never embedded: Debian's sitecustomize points into /etc of the build machine; the rest are
// CPython's own test extension modules.
const std::vector<std::string> kNeverStdlib = {"sitecustomize", "_test*", "_ctypes_test", "_xxtestfuzz", "xxlimited*",
                                               "__phello__", "__hello__"};

// Puts resources collected from one tree of files at their place in the virtual installation:
// relative_path becomes the path below the executable's directory. A namespace package, which
// has no file, gets its directory.
std::vector<Resource> placed_in(std::vector<Resource> resources, std::string_view tree) {
  for (auto& resource : resources) {
    const std::string below =
        (resource.flags & blob::kFlagNamespace) ? blob::directory_of(resource.name) : resource.relative_path;
    resource.relative_path = std::string(tree) + "/" + below;
  }
  return resources;
}

bool required_stdlib(const std::string& name) {
  return std::any_of(kRequiredStdlib.begin(), kRequiredStdlib.end(), [&](const auto& r) { return name_matches(name, r); });
}

// Where the collected trees go in the installation, and which extension modules they hold: what
// depends on the CPython version the app is frozen for.
struct Target {
  const PythonVersion& python;
  layout::VersionDirs dirs = layout::version_dirs(python.lib_name());

  ClassifyOptions classify() const {
    ClassifyOptions options;
    options.python = python;
    return options;
  }
};

std::vector<Resource> collect_stdlib(const AppConfig& config, const fs::path& stdlib_dir, const Target& target) {
  ClassifyOptions options = target.classify();
  options.stdlib = true;
  options.namespace_packages = false;
  options.exclude = kNeverStdlib;
  for (const auto& name : config.stdlib_exclude) {
    if (std::any_of(kRequiredStdlib.begin(), kRequiredStdlib.end(), [&](const auto& r) { return name_matches(r, name); })) {
      warning("stdlib.exclude: '" + name + "' is needed to start the interpreter; it stays included");
    } else {
      options.exclude.push_back(name);
    }
  }
  std::vector<Resource> resources = placed_in(classify_tree(tree_from_directory(stdlib_dir), options), target.dirs.stdlib);
  const fs::path dynload = stdlib_dir / "lib-dynload";
  if (std::error_code error; fs::is_directory(dynload, error)) {
    for (auto& extension : placed_in(classify_tree(tree_from_directory(dynload), options), target.dirs.dynload)) {
      resources.push_back(std::move(extension));
    }
  }
  if (config.stdlib_include == StdlibInclude::None) {
    std::erase_if(resources, [](const Resource& r) { return !required_stdlib(r.routing_name); });
  }
  return resources;
}

bool provides_top_level(const FileTree& tree, const std::string& name, const PythonVersion& python) {
  for (auto it = tree.lower_bound(name); it != tree.end() && it->first.starts_with(name); ++it) {
    const std::string_view rest = std::string_view(it->first).substr(name.size());
    if (rest.starts_with("/") || rest == ".py" || (rest.starts_with(".") && !extension_module_stem(it->first, python).empty())) {
      return true;
    }
  }
  return false;
}

void add_distributions(Collection& out, const FileTree& tree, const std::set<std::string>& top_level, bool all,
                       const Target& target) {
  std::set<std::string> library_dirs;
  for (auto& distribution : find_distributions(tree, target.python)) {
    const bool wanted = all || std::any_of(distribution.top_level.begin(), distribution.top_level.end(),
                                           [&](const auto& name) { return top_level.contains(name); });
    if (!wanted) {
      out.left_out.push_back(std::move(distribution));
      continue;
    }
    for (auto& resource : placed_in(metadata_resources(tree, distribution), target.dirs.third_party)) {
      out.resources.push_back(std::move(resource));
    }
    library_dirs.insert(distribution.library_dirs.begin(), distribution.library_dirs.end());
    out.distributions.push_back(std::move(distribution));
  }
  for (const auto& name : top_level) {  // auditwheel names the directory after the package
    if (tree.lower_bound(name + ".libs/") != tree.end() && tree.lower_bound(name + ".libs/")->first.starts_with(name + ".libs/")) {
      library_dirs.insert(name + ".libs");
    }
  }
  for (auto& library : placed_in(shared_library_resources(tree, library_dirs), target.dirs.third_party)) {
    out.resources.push_back(std::move(library));
  }
}

// The mypyc helper modules ("<hash>__mypyc", a top-level extension module that mypyc's compiled
// modules import) of the distributions providing `include`: part of those packages although
// nobody names them.
std::set<std::string> mypyc_helpers(const FileTree& tree, const std::set<std::string>& include, const PythonVersion& python) {
  std::set<std::string> helpers;
  for (const auto& distribution : find_distributions(tree, python)) {
    const bool wanted = std::any_of(distribution.top_level.begin(), distribution.top_level.end(),
                                    [&](const auto& name) { return include.contains(name); });
    for (const auto& name : distribution.top_level) {
      if (wanted && name.ends_with("__mypyc") && !include.contains(name)) {
        helpers.insert(name);
      }
    }
  }
  return helpers;
}

[[noreturn]] void throw_other_versions(const std::string& where, const std::vector<std::string>& unusable,
                                      const PythonVersion& python) {
  std::string list;
  for (std::size_t i = 0; i < unusable.size() && i < 3; ++i) list += (i ? ", " : "") + unusable[i];
  if (unusable.size() > 3) list += " and " + std::to_string(unusable.size() - 3) + " more";
  throw UserError(where + " holds extension modules built only for another CPython than " + python.short_version() +
                  ", which the app is frozen for: " + list + "; use a site-packages (a venv) of python" +
                  python.short_version() + ", or wheels for cp" + python.cache_tag().substr(8));
}

// Extension modules of `tree` tagged for another CPython than the target
// ("_speedups.cpython-311-x86_64-linux-gnu.so" in an app frozen for 3.13) are never imported
// by it: they are left out. Where python would find the module another way (the target's own
// tag, abi3, an untagged .so, a .py beside it as mypyc-compiled packages ship, a package
// directory), that is all. A module with nothing else was installed for another version only:
// UserError naming `where`, up to three of them, and the fix.
void drop_other_versions(FileTree& tree, const std::string& where, const PythonVersion& python) {
  std::vector<std::pair<std::string, std::string>> foreign;  // (path, "pkg/_speedups")
  for (const auto& [path, file] : tree) {
    const auto tag = path.rfind(".cpython-");
    const std::string_view filename = std::string_view(path).substr(path.rfind('/') + 1);
    if (tag != std::string::npos && path.ends_with("-linux-gnu.so") && extension_module_stem(filename, python).empty()) {
      foreign.emplace_back(path, path.substr(0, tag));
    }
  }
  std::vector<std::string> unusable;
  for (const auto& [path, module] : foreign) {
    tree.erase(path);
    bool found_otherwise = tree.contains(module + ".py") || tree.contains(module + "/__init__.py");
    const std::string prefix = module + ".";  // module.<suffix>: an extension module this python loads?
    for (auto it = tree.lower_bound(prefix); !found_otherwise && it != tree.end() && it->first.starts_with(prefix); ++it) {
      found_otherwise = !extension_module_stem(it->first.substr(it->first.rfind('/') + 1), python).empty();
    }
    if (!found_otherwise) unusable.push_back(path);
  }
  if (!foreign.empty()) detail(where + ": " + std::to_string(foreign.size()) + " extension module file(s) built for another CPython left out");
  if (!unusable.empty()) throw_other_versions(where, unusable, python);
}

// The namespace packages that the site directory's -nspkg.pth files declare (namespace_pth.h).
std::set<std::string> namespace_packages_of_site(const fs::path& dir) {
  std::set<std::string> packages;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (!is_namespace_pth(entry.path().filename().string()) || !entry.is_regular_file(error)) continue;
    packages.merge(pth_namespace_packages(TreeFile{entry.path(), std::nullopt, entry.path().string()}.read()));
  }
  return packages;
}

void collect_site_packages(Collection& out, const AppConfig::SitePackages& site, const Target& target) {
  std::set<std::string> include(site.include.begin(), site.include.end());
  FileTree tree = tree_from_directory(site.dir, include, {}, target.python);
  if (const auto helpers = mypyc_helpers(tree, include, target.python); !helpers.empty()) {
    for (const auto& name : helpers) detail("packages.site_packages: " + name + " (mypyc's helper module) comes with its distribution");
    include.insert(helpers.begin(), helpers.end());
    tree = tree_from_directory(site.dir, include, {}, target.python);
  }
  // A module installed for another CPython only is named as such, not as missing: a package's
  // files here, a top-level extension module (which the tree does not list) below.
  const std::string where = "packages.site_packages: " + site.dir.string();
  drop_other_versions(tree, where, target.python);
  std::vector<std::string> missing;
  for (const auto& name : site.include) {
    if (!provides_top_level(tree, name, target.python)) missing.push_back(name);
  }
  std::vector<std::string> foreign;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(site.dir, error)) {
    const std::string filename = entry.path().filename().string();
    for (const auto& name : missing) {
      if (filename.starts_with(name + ".cpython-") && filename.ends_with(".so")) foreign.push_back(filename);
    }
  }
  if (!foreign.empty()) throw_other_versions(where, foreign, target.python);
  if (!missing.empty()) {
    std::string list;
    std::string instead;  // names that are distributions: what they provide
    for (const auto& name : missing) {
      list += (list.empty() ? "'" : ", '") + name + "'";
      if (const std::string named = distribution_named(site.dir, name, target.python); !named.empty()) {
        instead += "; " + named;
      }
    }
    throw UserError("packages.site_packages: " + list + " not found in " + site.dir.string() +
                    " (no package directory, module or extension module of that name" + instead + ")");
  }
  drop_declared_namespace_inits(tree, namespace_packages_of_site(site.dir));
  for (auto& resource : placed_in(classify_tree(tree, target.classify()), target.dirs.third_party)) {
    out.resources.push_back(std::move(resource));
  }
  add_distributions(out, tree, include, false, target);
}

void collect_wheel(Collection& out, const fs::path& path, const Target& target) {
  const Wheel wheel = read_wheel(path);
  if (const std::string problem = wheel_incompatibility(wheel, interpreter_tags(target.python)); !problem.empty()) {
    throw UserError(problem);
  }
  FileTree tree;
  const std::string data_prefix = wheel.data_dir + "/";
  for (const auto& file : wheel.files) {
    std::string relative = file.path;
    if (!wheel.data_dir.empty() && relative.starts_with(data_prefix)) {
      // <name>.data/purelib|platlib/... install into site-packages; scripts, headers and data do not.
      const std::string rest = relative.substr(data_prefix.size());
      if (rest.starts_with("purelib/") || rest.starts_with("platlib/")) {
        relative = rest.substr(8);
      } else {
        detail("wheel " + path.filename().string() + ": skipping " + file.path + " (not installed into site-packages)");
        continue;
      }
    }
    tree[relative] = TreeFile{{}, file.data, path.string() + ":" + file.path, copy_mode(file.mode)};
  }
  std::set<std::string> namespaces;  // the wheel's own -nspkg.pth files, which pip installs beside it
  for (const auto& [relative, file] : tree) {
    if (relative.find('/') == std::string::npos && is_namespace_pth(relative)) namespaces.merge(pth_namespace_packages(file.read()));
  }
  drop_declared_namespace_inits(tree, namespaces);
  for (auto& resource : placed_in(classify_tree(tree, target.classify()), target.dirs.third_party)) {
    out.resources.push_back(std::move(resource));
  }
  add_distributions(out, tree, {}, true, target);
}

std::string resource_key(const Resource& r) { return std::string(blob::kind_name(r.kind)) + " '" + r.name + "'"; }

// [packages] exclude: the app's and its packages' modules, extension modules and package data
// (those after `first`) that a pattern names, with everything below them. Distribution metadata
// stays. A pattern that names nothing is a typo, or a name that moved: said, not fatal.
void drop_excluded(std::vector<Resource>& resources, std::size_t first, const std::vector<std::string>& patterns) {
  if (patterns.empty()) return;
  std::set<std::string> used;
  const auto excluded = [&](const Resource& r) {
    if (r.kind != blob::Kind::Module && r.kind != blob::Kind::Extension && r.kind != blob::Kind::Resource) return false;
    bool any = false;
    for (const auto& pattern : patterns) {
      if (name_matches(r.routing_name, pattern)) {
        used.insert(pattern);
        any = true;
      }
    }
    if (any) detail("packages.exclude: leaving out " + resource_key(r));
    return any;
  };
  resources.erase(std::remove_if(resources.begin() + static_cast<std::ptrdiff_t>(first), resources.end(), excluded),
                  resources.end());
  for (const auto& pattern : patterns) {
    if (!used.contains(pattern)) {
      warning("packages.exclude: '" + pattern + "' names no module or package data of the app or its packages");
    }
  }
}

// Settles resources that more than one source provides: the app's own trees win over the
// stdlib (as the script's directory does on sys.path); any other clash is an error.
std::vector<Resource> settle_duplicates(std::vector<Resource> resources, std::size_t stdlib_count) {
  std::map<std::pair<blob::Kind, std::string>, std::size_t> seen;
  std::vector<bool> dropped(resources.size(), false);
  // A directory without __init__.py is a namespace package only if no module of that name
  // exists anywhere: python's finders take a module file or an extension module first
  // (cryptography has bindings/_rust.abi3.so beside a bindings/_rust/ of type stubs).
  std::set<std::string> modules;
  for (const auto& r : resources) {
    if (r.kind == blob::Kind::Extension || (r.kind == blob::Kind::Module && !(r.flags & blob::kFlagNamespace))) {
      modules.insert(r.name);
    }
  }
  for (std::size_t i = 0; i < resources.size(); ++i) {
    if ((resources[i].flags & blob::kFlagNamespace) && modules.contains(resources[i].name)) dropped[i] = true;
  }
  std::vector<std::string> clashes;
  for (std::size_t i = 0; i < resources.size(); ++i) {
    if (dropped[i]) continue;
    const auto key = std::make_pair(resources[i].kind, resources[i].name);
    const auto [it, inserted] = seen.emplace(key, i);
    if (inserted) continue;
    if (it->second < stdlib_count) {
      if (resources[i].kind == blob::Kind::Module) {
        warning(resource_key(resources[i]) + " from " + resources[i].origin + " shadows the standard library's");
      }
      dropped[it->second] = true;
      it->second = i;
    } else if ((resources[i].flags & blob::kFlagNamespace) && (resources[it->second].flags & blob::kFlagNamespace)) {
      dropped[i] = true;  // portions of one namespace package
    } else {
      clashes.push_back(resource_key(resources[i]) + ": " + resources[it->second].origin + " and " + resources[i].origin);
    }
  }
  if (!clashes.empty()) {
    std::string message = std::to_string(clashes.size()) + " resource(s) are provided twice:";
    for (const auto& clash : clashes) message += "\n  " + clash;
    throw UserError(message);
  }
  std::vector<Resource> out;
  for (std::size_t i = 0; i < resources.size(); ++i) {
    if (!dropped[i]) out.push_back(std::move(resources[i]));
  }
  return out;
}

// An included distribution's Requires-Dist that no included distribution satisfies. Requirements
// are distribution names and site_packages include takes import names: for one installed in a
// site_packages dir, the warning gives its import names too.
void warn_missing_requirements(const Collection& collection) {
  std::set<std::string> present;
  for (const auto& distribution : collection.distributions) present.insert(normalize_distribution_name(distribution.name));
  std::map<std::string, const Distribution*> installed;
  for (const auto& distribution : collection.left_out) installed.emplace(normalize_distribution_name(distribution.name), &distribution);
  for (const auto& distribution : collection.distributions) {
    std::vector<std::string> missing;
    std::set<std::string> import_names;
    for (const auto& required : distribution.requires_dist) {
      if (present.contains(required)) continue;
      missing.push_back(required);
      if (const auto it = installed.find(required); it != installed.end()) {
        import_names.insert(it->second->top_level.begin(), it->second->top_level.end());
      }
    }
    if (missing.empty()) continue;
    const std::string names = join(missing);
    std::string fix = "add " + std::string(missing.size() == 1 ? "it" : "them") + " to packages.wheels, or " +
                      (missing.size() == 1 ? "its" : "their") + " import names to a packages.site_packages include";
    if (!import_names.empty()) {
      std::string list;
      for (const auto& name : import_names) list += (list.empty() ? "\"" : ", \"") + name + "\"";
      fix += " (installed as " + list + ")";
    }
    warning("distribution " + distribution.name + " requires " + names + ", which " +
            (missing.size() == 1 ? "is" : "are") + " not included: " + fix);
  }
}

}  // namespace

Collection collect_resources(const AppConfig& config, const fs::path& stdlib_dir, const fs::path& output_dir,
                             const PythonVersion& python) {
  const Target target{python};
  Collection out;
  out.resources = collect_stdlib(config, stdlib_dir, target);
  const std::size_t stdlib_count = out.resources.size();
  ClassifyOptions app_options = target.classify();
  app_options.outside_packages = config.package_data_files;
  std::set<std::string> unmatched(config.package_data_files.begin(), config.package_data_files.end());
  for (const auto& root : config.package_paths) {
    const FileTree tree = tree_from_directory(root, std::nullopt, {output_dir}, python);
    std::erase_if(unmatched, [&](const std::string& glob) {
      return std::any_of(tree.begin(), tree.end(), [&](const auto& file) { return path_matches(file.first, glob); });
    });
    for (auto& resource : placed_in(classify_tree(tree, app_options), layout::kAppDir)) {
      out.resources.push_back(std::move(resource));
    }
  }
  if (!unmatched.empty()) {
    std::string roots;
    for (const auto& root : config.package_paths) roots += (roots.empty() ? "" : ", ") + root.string();
    throw UserError(config.key_prefix + "packages.data_files: '" + *unmatched.begin() + "' matches no file in packages.paths (" + roots + ")");
  }
  for (const auto& site : config.site_packages) collect_site_packages(out, site, target);
  for (const auto& wheel : config.wheels) collect_wheel(out, wheel, target);
  drop_excluded(out.resources, stdlib_count, config.packages_exclude);
  out.resources = settle_duplicates(std::move(out.resources), stdlib_count);
  warn_missing_requirements(out);
  return out;
}

std::vector<Resource> default_stdlib(const fs::path& stdlib_dir, const PythonVersion& python) {
  AppConfig defaults;
  defaults.stdlib_include = StdlibInclude::All;
  defaults.stdlib_exclude = default_stdlib_exclude();
  return collect_stdlib(defaults, stdlib_dir, Target{python});
}

std::vector<Resource> collect(AppConfig& config, const CollectOptions& options) {
  const fs::path stdlib_dir = options.python.stdlib_dir();
  detail("stdlib: " + stdlib_dir.string() + " (CPython " + options.python.version().full + ")");
  std::vector<Resource> resources = collect_resources(config, stdlib_dir, options.output_dir, options.python.version()).resources;
  std::erase_if(resources, [&](const Resource& r) {
    return r.stdlib() && r.kind == blob::Kind::Extension && options.builtin_extensions.contains(r.routing_name);
  });
  resolve_entry(config, resources);
  if (config.code.empty() && config.entry_function.empty()) mark_main_module(config.entry_module, resources);
  for (const auto& command : config.commands) {
    if (command.entry_function.empty()) mark_main_module(command.entry_module, resources);
  }
  if (config.stdlib_include == StdlibInclude::Reachable) keep_reachable_stdlib(config, options.why, resources, options.python);
  if (config.bundle_system_libraries) add_system_libraries(resources);
  resolve_library_dependencies(resources);
  return resources;
}

}  // namespace freeze::packager

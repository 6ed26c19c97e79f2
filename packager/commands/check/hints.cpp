#include "packager/commands/check/hints.h"

#include <cctype>

#include "format/module_names.h"
#include "importer/install_layout.h"
#include "packager/build/build_python.h"
#include "packager/build/python_distribution.h"
#include "packager/collect/entry_point_plugins.h"
#include "packager/collect/file_tree.h"
#include "packager/commands/check/plan.h"
#include "packager/support/toml_text.h"

namespace freeze::packager::checks {

namespace fs = std::filesystem;

namespace {

// The package whose directory holds `path`: the included package with the longest directory
// that contains it. The directories come from the index (each package's __init__ path, where
// its __file__ points), whatever the layout of the virtual tree is.
const HintContext::Package* owning_package(const std::string& path, const HintContext& context) {
  const HintContext::Package* best = nullptr;
  std::size_t best_length = 0;
  for (const auto& [dir, package] : context.package_dirs) {
    if (dir.size() > best_length && path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/') {
      best = &package;
      best_length = dir.size();
    }
  }
  return best;
}

// What --exclude takes to leave `item`'s failure out of the check: a module check's module, the
// module an entry point names; nothing for app.entry, which the check never leaves out.
std::string excludable_module(const Item& item) {
  if (item.kind == "entry") return "";
  // args: group, name, value as the plan read them (plan_plugin_checks), --exclude matching its module.
  if (item.kind == "entry_point" && item.args.size() == 3) return EntryPoint{item.args[0], item.args[1], item.args[2]}.module();
  return item.name;
}

// The module an entry check names, or the entry itself ("console_script:x") when no module is known.
std::string entry_module_of(const Item& item, const HintContext& context) {
  const std::string module = entry_check_module(item, context.config.entry_module);
  return module.empty() ? item.name : module;
}

// The way out of a failure of an optional import, as the last sentence of a hint.
std::string if_optional(const Item& item) {
  const std::string module = excludable_module(item);
  if (module.empty()) return "If the import is optional, make it so: try: ... except ImportError:";
  return "If the import is optional, --exclude " + module + " skips it";
}

// The test package (or module) `name` is in: its first part named like tests ("pkg.tests" for
// "pkg.tests.test_x"), so that --exclude leaves out the tests and not the package they test.
std::string test_part(const std::string& name) {
  for (std::size_t start = 0; start < name.size();) {
    const std::size_t end = std::min(name.find('.', start), name.size());
    const std::string_view part = std::string_view(name).substr(start, end - start);
    if (part.starts_with("test") || part.ends_with("tests") || part == "conftest") return name.substr(0, end);
    start = end + 1;
  }
  return name;
}

// A module CPython took out of its standard library, and the minor version (3.MINOR) it is gone
// from: an app that worked under 3.11 imports it, frozen for a newer version.
struct RemovedStdlib {
  std::string_view name;
  int minor;
  std::string_view instead;
};
constexpr RemovedStdlib kRemovedStdlib[] = {
    {"distutils", 12, "setuptools provides it"},
    {"imp", 12, "importlib replaces it"},
    {"asynchat", 12, "asyncio replaces it"},
    {"asyncore", 12, "asyncio replaces it"},
    {"smtpd", 12, "asyncio replaces it"},
    {"lib2to3", 13, ""},
    // PEP 594's "dead batteries".
    {"aifc", 13, ""}, {"audioop", 13, ""}, {"cgi", 13, ""}, {"cgitb", 13, ""}, {"chunk", 13, ""},
    {"crypt", 13, ""}, {"imghdr", 13, ""}, {"mailcap", 13, ""}, {"msilib", 13, ""}, {"nis", 13, ""},
    {"nntplib", 13, ""}, {"ossaudiodev", 13, ""}, {"pipes", 13, ""}, {"sndhdr", 13, ""}, {"spwd", 13, ""},
    {"sunau", 13, ""}, {"telnetlib", 13, ""}, {"uu", 13, ""}, {"xdrlib", 13, ""},
};

// "'cgi' was removed from the standard library in Python 3.13 ...", or "" if `top` was not.
std::string removed_stdlib_hint(const std::string& top, const PythonVersion& python) {
  for (const auto& removed : kRemovedStdlib) {
    if (removed.name != top || python.minor < removed.minor) continue;
    const std::string version = "3." + std::to_string(removed.minor);
    return "'" + top + "' was removed from the standard library in Python " + version + ", and the app is frozen for " +
           python.short_version() + ": " +
           (removed.instead.empty() ? "include a copy of it published on PyPI" : std::string(removed.instead)) +
           ", or freeze the app for an older Python ([python] version)";
  }
  return "";
}

std::string routing_snippet(const std::string& top) {
  return "\n        [[routing.rule]]\n        name = \"" + top + "\"\n        location = \"filesystem-relative\"";
}

// The included module whose code raised `outcome` (its last frame, "…/dist-packages/pkg/sub/
// __init__.py:13 in <module>": pkg.sub), or `fallback`: the one to name when every module
// importing it fails alike.
std::string raising_module(const Outcome& outcome, const HintContext& context, const std::string& fallback) {
  const auto colon = outcome.where.rfind(':', outcome.where.rfind(" in "));
  const std::string file = outcome.where.substr(0, colon);
  for (std::size_t slash = 0; slash != std::string::npos; slash = file.find('/', slash + 1)) {
    const auto module = blob::module_of_source_file(std::string_view(file).substr(slash == 0 ? 0 : slash + 1));
    if (module && context.included_modules.contains(module->name)) return module->name;
  }
  return fallback;
}

// An ImportError naming the module it did not find: where that module is, and how to include it.
std::string missing_module_hint(const Item& item, const Outcome& outcome, const HintContext& context) {
  const std::string missing = outcome.missing_module;
  const std::string top = missing.substr(0, missing.find('.'));
  if (context.included_modules.contains(missing)) {
    if (outcome.lacks_a_name()) {
      return "'" + missing + "' is included, but does not define that name when the frozen app imports it: it may "
             "define it only if an optional import succeeds (see optional packages below)";
    }
    return "'" + missing + "' is included but failed to import: see its own entry in this report";
  }
  if (context.included_tops.contains(top)) {
    for (const auto& pattern : context.config.packages_exclude) {
      if (name_matches(missing, pattern)) {
        return "'" + missing + "' is left out by [packages] exclude (\"" + pattern +
               "\"): remove it from packages.exclude if the app imports it";
      }
    }
  }
  if (is_optional_test_tool(top, context) && item.kind != "entry") {
    const bool named_as_test = !third_party_test_reason(item.name).empty() || is_test_helper(item.name);
    if (item.third_party && !named_as_test) {
      // Not named like tests: a package's own code needing the test tool (beancount.ingest
      // imports pytest to register its assertion rewriting).
      const auto site = installed_site_of(top, context);
      const std::string importer = raising_module(outcome, context, item.name);
      return importer + " imports the test tool " + top +
             (site ? ", installed in " + site->string() + " but not included" : "") +
             ", which the entry point does not need: include " + top + " if the app uses " + importer +
             ", or leave it out of the check with --exclude " + importer;
    }
    if (item.third_party) {
      return "it is the test code of an installed package (it imports " + top + "): leave it out of the check with "
             "--exclude " + test_part(item.name);
    }
    return "it is test code (it imports " + top + "): keep tests out of packages.paths (put the app in src/), or "
           "leave them out of the check with --exclude " + test_part(item.name);
  }
  // In the standard library?
  const bool stdlib = in_stdlib(top, context);
  if (stdlib && !context.included_tops.contains(top)) {
    for (const auto& pattern : context.config.stdlib_exclude) {
      if (!name_matches(missing, pattern)) continue;
      if (context.config.stdlib_exclude != default_stdlib_exclude()) {
        return "'" + top + "' is in the standard library, but [stdlib] exclude leaves it out (\"" + pattern +
               "\"): remove it from stdlib.exclude";
      }
      return "'" + top + "' is in the standard library, but the default [stdlib] exclude leaves it out (\"" + pattern +
             "\"); if the app uses it, give [stdlib] the list without it:\n        exclude = " +
             quoted_list(default_stdlib_exclude_without(pattern));
    }
    if (context.config.stdlib_include != StdlibInclude::All) {
      return "'" + top + "' is in the standard library, but [stdlib] include leaves it out: name it in [stdlib] add, "
             "or set include = \"all\"";
    }
    return "'" + top + "' is in the standard library but not included";
  }
  if (!stdlib && context.debian_python && (top == "tkinter" || top == "_tkinter" || top == "_gdbm")) {
    return "'" + top + "' is not part of Debian's python3.11 package (apt install python3-tk / python3-gdbm)";
  }
  if (context.included_tops.contains(top)) {
    return "'" + missing + "' is not among the included modules, though '" + top +
           "' is: an optional part installed separately, a module generated at install time, or a platform-specific "
           "extension module? " + if_optional(item);
  }
  if (const auto site = installed_site_of(top, context)) {
    const std::string fallback = outcome.fallback_missing.empty() ? "" :
        " (it is tried first; the fallback, '" + outcome.fallback_missing + "', is not there either)";
    return "'" + top + "' is installed in " + site->string() + " but not included" + fallback + ": add it to [packages], e.g.\n" +
           "        site_packages = [{ dir = " + quote(site->string()) + ", include = [..., " + quote(top) + "] }]";
  }
  if (std::string removed = removed_stdlib_hint(top, context.python); !removed.empty()) return removed;
  if (!context.debian_packages_fit) {  // installed for Debian's python3.11, not for the target
    for (const fs::path& dir : debian_site_directories()) {
      if (!directory_has_module(dir, top)) continue;
      const std::string target = context.python.short_version();
      return "'" + top + "' is installed in " + dir.string() + ", but for Debian's python3.11, and the app is frozen "
             "for CPython " + target + ": install it into a venv of python" + target + " (or take a wheel built for " +
             target + ") and add that to [packages] site_packages or wheels; a pure-Python package can also come from " +
             dir.string() + " itself. " + if_optional(item);
    }
  }
  std::string debian = top;
  for (auto& c : debian) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // A private name (_ast_gen) is no Debian package's.
  const std::string install = context.debian_packages_fit && !top.starts_with("_")
                                  ? "apt install python3-" + debian + ", or a wheel built for CPython 3.11"
                                  : "a wheel built for CPython " + context.python.short_version() + ", or a venv of that version";
  return "'" + top + "' is neither included nor installed on this machine: install it (" + install +
         ") and add it to [packages] site_packages or wheels. " + if_optional(item);
}

// "libdep.so: cannot open shared object file" when a library loaded by its path from memory
// (ctypes.CDLL(os.path.join(here, "_lib.abi3.so")), handed to the dynamic loader as a memory
// file) needs one that lies beside it, embedded in memory too: the launcher loads that one
// first, but the loader matches it only by a DT_SONAME (libdep.so built without -soname has
// none), and otherwise looks beside /proc/self/fd/N ($ORIGIN) and in the system's directories.
// A path below the executable's directory in the message names a file that is not embedded.
std::string library_by_path_hint(const Outcome& outcome, const HintContext& context) {
  const std::string& message = outcome.message;
  const std::string needed = message.substr(0, message.find(": cannot open shared object file"));
  if (needed.find('/') == std::string::npos) {
    for (const auto& entry : context.inspection.entries) {
      if (!entry.in_memory() || entry.path.empty() || entry.top_level.empty() || entry.stdlib) continue;
      if (entry.path.size() > needed.size() && entry.path.ends_with("/" + needed)) {
        const std::string what = outcome.error_type == "OSError"
                                     ? "a library it loads by its path (ctypes.CDLL, dlopen) is loaded from memory"
                                     : "an extension module is loaded from memory";
        return what + ", and needs " + needed + ", which lies beside it in " + entry.top_level +
               ", in memory too, where the dynamic loader finds a library only by its DT_SONAME (has it none?) and "
               "otherwise looks on the file system. Route the package to the filesystem:" + routing_snippet(entry.top_level);
      }
    }
  }
  const std::string exe_prefix = context.exe_dir.string() + "/";
  const auto at = message.find(exe_prefix);
  if (context.exe_dir.empty() || at == std::string::npos) return "";
  const std::string path = message.substr(at, message.find(':', at) - at);
  const HintContext::Package* owner = owning_package(path, context);
  if (owner == nullptr) return "";
  const std::string relative = path.substr(exe_prefix.size());
  const bool embedded = std::any_of(context.inspection.entries.begin(), context.inspection.entries.end(),
                                    [&](const InspectedResource& entry) { return entry.path == relative; });
  if (embedded && owner->in_memory) {  // no memory file could be made of it (memfd_create refused here?)
    return "it loads <exe dir>/" + relative + " by its path (ctypes.CDLL, dlopen), which is embedded, but could not "
           "be handed to the dynamic loader from memory: route the package to the filesystem:" + routing_snippet(owner->name);
  }
  return "it loads <exe dir>/" + relative + " by its path (ctypes.CDLL, dlopen), and " + owner->name +
         " has no such file: is it made at install time? Make it before building";
}

// A file of the app's directories that is no package's ("lib/app/data/txt/x.txt" for sqlmap's
// data/ beside its script): packages.data_files ships it. "" if `relative` is not such a file.
std::string outside_packages_hint(const std::string& relative, const HintContext& context) {
  const std::string app_prefix = std::string(layout::kAppDir) + "/";
  if (!relative.starts_with(app_prefix)) return "";
  const std::string below = relative.substr(app_prefix.size());
  for (const auto& root : context.config.package_paths) {
    std::error_code error;
    if (below.empty() || !fs::exists(root / below, error)) continue;
    const std::string top = below.substr(0, below.find('/'));
    return "<exe dir>/" + relative + " is " + (root / below).string() +
           ", which belongs to no package and so was not built in: list it in [packages] data_files = [\"" + top + "\"]";
  }
  return "";
}

// An OSError naming a file: one below the executable's directory is an embedded file that is
// not there, or a package's data read by a path when the package is in memory.
std::string missing_file_hint(const Item& item, const Outcome& outcome, const HintContext& context) {
  const std::string exe_prefix = context.exe_dir.string() + "/";
  const std::string filename = outcome.filename;
  if (filename.starts_with(exe_prefix)) {
    const std::string relative = filename.substr(exe_prefix.size());
    if (const std::string hint = outside_packages_hint(relative, context); !hint.empty()) return hint;
    // The package whose data it is (blib2to3 when black fails on blib2to3's grammar).
    const HintContext::Package* owner = owning_package(filename, context);
    const bool in_memory = owner ? owner->in_memory : item.location.starts_with("in memory");
    const std::string package = owner ? owner->name : item.top_level.empty() ? relative.substr(0, relative.find('/'))
                                                                             : item.top_level;
    if (in_memory && context.files_readable) {  // embedded files open by path: this one is not among them
      return "<exe dir>/" + relative + " is not among the files of " + package +
             " that were built in: is it created at install time or at first run? Create it before building, or "
             "have the package write it elsewhere (a cache directory)";
    }
    if (in_memory) {
      return "it opens <exe dir>/" + relative +
             " by a path built from __file__, but in-memory packages are not files: it needs a filesystem "
             "location. Route the package to the filesystem:" + routing_snippet(package) +
             "\n      or read the file with importlib.resources.files(\"" + package + "\").joinpath(...)";
    }
    return "<exe dir>/" + relative + " is not among the files written beside the executable: is it created at "
           "install time, or outside the package directories?";
  }
  return "it reads " + filename + " when imported, which does not exist here: will it exist on the target machine?";
}

}  // namespace

std::vector<fs::path> installed_site_dirs(const HintContext& context) {
  std::vector<fs::path> sites;
  for (const auto& site : context.config.site_packages) sites.push_back(site.dir);
  if (context.debian_packages_fit) {
    sites.insert(sites.end(), debian_site_directories().begin(), debian_site_directories().end());
  }
  return sites;
}

std::optional<fs::path> installed_site_of(const std::string& top, const HintContext& context) {
  for (const auto& site : installed_site_dirs(context)) {
    if (directory_has_module(site, top)) return site;
  }
  return std::nullopt;
}

bool in_stdlib(const std::string& top, const HintContext& context) {
  return stdlib_has_module(context.stdlib_dir, top);
}

bool is_optional_test_tool(const std::string& top, const HintContext& context) {
  return test_tools().contains(top) && !context.app_test_tools.contains(top);
}

std::set<std::string> optional_test_tools(const HintContext& context) {
  std::set<std::string> optional;
  for (const auto& tool : test_tools()) {
    if (!context.app_test_tools.contains(tool)) optional.insert(tool);
  }
  return optional;
}

void note_test_tools_the_entry_needs(const Plan& plan, const std::vector<Outcome>& outcomes, HintContext& context) {
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    if (plan.items[i].kind != "entry" || outcomes[i].state != Outcome::State::Failed) continue;
    const std::string top = outcomes[i].missing_module.substr(0, outcomes[i].missing_module.find('.'));
    if (test_tools().contains(top)) context.app_test_tools.insert(top);
  }
}

std::string hint_for(const Item& item, const Outcome& outcome, const HintContext& context) {
  if (!outcome.hint.empty()) return outcome.hint;
  const std::string excludable = excludable_module(item);
  const std::string or_leave_out = excludable.empty() ? "" : ", or leave it out of the check with --exclude " + excludable;
  if (outcome.timed_out) {
    return "importing it did not finish: does it wait for input, a lock or the network when imported? Raise "
           "--timeout" + or_leave_out;
  }
  if (outcome.crashed) {
    if (item.kind == "module") {
      return "the process died while importing it (a crashing extension module, or os._exit() at import time); "
             "check with --exclude " + excludable + " to see the rest";
    }
    return "the process died during this check";
  }
  const std::string& type = outcome.error_type;
  if (type == "SystemExit") {
    return "it calls sys.exit() when imported: it is a script. Put its code under if __name__ == \"__main__\":" +
           or_leave_out;
  }
  if (item.kind == "entry") {
    if (type == "AttributeError" || type == "TypeError") {
      // item.location is the key: app.entry, or app.commands.NAME.
      return item.location + " names a function that module " + entry_module_of(item, context) +
             " does not define (or that is not callable): fix " + item.location;
    }
    if (type == "LookupError") {
      return "no included distribution declares it in entry_points.txt: check the name, and that the distribution's "
             "package is in a site_packages include list (its metadata comes with it)";
    }
  }
  if (!outcome.missing_distribution.empty()) {  // importlib.metadata's PackageNotFoundError (blame_missing_distributions)
    return "importlib.metadata finds no distribution '" + outcome.missing_distribution +
           "': its metadata comes with its package. " + missing_module_hint(item, outcome, context);
  }
  // An ImportError naming the module checked itself is about how it loads, not a missing module.
  if (!outcome.missing_module.empty() && outcome.missing_module != item.name &&
      (type == "ModuleNotFoundError" || type == "ImportError")) {
    return missing_module_hint(item, outcome, context);
  }
  if ((type == "ImportError" || type == "OSError") && outcome.message.find("cannot open shared object file") != std::string::npos) {
    if (std::string hint = library_by_path_hint(outcome, context); !hint.empty()) return hint;
    return "a shared library it needs is missing: keep [packages] bundle_system_libraries = true (the default) so "
           "freeze bundles it, or install it on every target machine";
  }
  if (type.find("Error") != std::string::npos && !outcome.filename.empty()) return missing_file_hint(item, outcome, context);
  if (item.kind == "resource") {
    return "the file cannot be read back: rebuild; if it lives beside the executable, ship that directory with it";
  }
  if (item.kind == "metadata") {
    return "importlib.metadata cannot read this distribution's metadata";
  }
  if (outcome.imports_under_python) {
    // Perhaps with an optional package it tried and went without (borg.fuse without llfuse).
    std::string optional;
    for (const auto& [package, tops] : context.optional_installed) {
      if (tops.contains(item.top_level) || tops.contains("")) optional += (optional.empty() ? "'" : "', '") + package;
    }
    if (!optional.empty()) {
      return context.interpreter.string() + " imports it, where " + optional + "' (imported optionally, installed here, "
             "not included: see optional packages below) can be imported: include " +
             (optional.find(',') == std::string::npos ? "it" : "them");
    }
    return context.interpreter.string() + " imports it (with the config's packages on its sys.path): the difference is "
           "the frozen environment (sys.frozen is True, the interpreter is isolated; see \"Behaving like python\" in the "
           "README)";
  }
  const std::string module = item.kind == "entry" ? entry_module_of(item, context) : excludable;
  return "it fails when imported in the frozen app; if `python" + context.python.short_version() + " -c \"import " + module +
         "\"` works, the difference is the frozen environment (sys.frozen is True, the interpreter is isolated; see "
         "\"Behaving like python\" in the README)";
}

HintContext hint_context(const AppConfig& config, const std::optional<fs::path>& distribution_option,
                         const Inspection& inspection, const fs::path& executable, bool files_readable) {
  // The stdlib of the CPython the app is frozen for: a distribution's, or Debian's.
  const std::optional<PythonDistribution> distribution = chosen_distribution(config, distribution_option);
  HintContext context{config, inspection, {}, {}, executable.parent_path(),
                      distribution ? distribution->stdlib_dir : BuildPython::instance().stdlib_dir(),
                      distribution ? distribution->version : PythonVersion::embedded(), !distribution,
                      !distribution || distribution->version.short_version() == PythonVersion::embedded().short_version(),
                      distribution ? distribution->interpreter : fs::path("/usr/bin") / PythonVersion::embedded().lib_name(),
                      {}, files_readable, {}, {}};
  for (const auto& item : inspection.entries) {
    if (item.importable()) {
      context.included_modules.insert(item.name);
      context.included_tops.insert(item.top_level);
      if (item.package && !item.path.empty()) {
        const fs::path init = context.exe_dir / item.path;
        context.package_dirs[init.parent_path().lexically_normal().string()] = {item.name, item.in_memory()};
      }
    }
  }
  return context;
}

}  // namespace freeze::packager::checks

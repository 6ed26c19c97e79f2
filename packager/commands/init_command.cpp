#include "packager/commands/init_command.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "format/pyc_file.h"
#include "packager/collect/distributions.h"
#include "packager/collect/file_tree.h"
#include "packager/config/app_config.h"
#include "packager/support/console.h"
#include "packager/config/environment_markers.h"
#include "packager/config/python_version.h"
#include "packager/support/toml_text.h"
#include "packager/support/user_error.h"
#include "packager/support/text.h"

namespace freeze::packager {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool is_dir(const fs::path& path) {
  std::error_code error;
  return fs::is_directory(path, error);
}

bool is_file(const fs::path& path) {
  std::error_code error;
  return fs::is_regular_file(path, error);
}

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// ---- pyproject.toml --------------------------------------------------------------------------

struct Script {
  std::string name;
  std::string target;  // "pkg.cli:main"
};

struct Project {
  bool present = false;
  std::string name;
  std::vector<Script> scripts;      // [project.scripts], then [project.gui-scripts]
  std::vector<std::string> dependencies;
  std::vector<std::string> source_roots;  // from build-backend settings, relative
};

std::vector<Script> read_scripts(const toml::table* table) {
  std::vector<Script> scripts;
  if (table == nullptr) return scripts;
  for (const auto& [key, value] : *table) {
    if (!value.is_string()) continue;
    std::string target = value.as_string()->get();
    target = trim(target.substr(0, target.find('[')));  // "pkg.cli:main [extra]"
    scripts.push_back({std::string(key.str()), target});
  }
  return scripts;
}

Project read_pyproject(const fs::path& file) {
  Project project;
  if (!is_file(file)) return project;
  toml::table document;
  try {
    document = toml::parse_file(file.string());
  } catch (const toml::parse_error& error) {
    std::ostringstream out;
    out << file.string() << ':' << error.source().begin.line << ':' << error.source().begin.column
        << ": invalid TOML: " << error.description() << " (fix it, or pass --name and --entry)";
    throw UserError(out.str());
  }
  if (document["tool"]["freeze"].is_table()) {
    throw UserError(file.string() + ": already has a [tool.freeze] table, which `freeze build " + file.string() +
                    "` uses; freeze init writes an app.toml only for projects without one");
  }
  project.present = true;
  if (const auto name = document["project"]["name"].value<std::string>()) project.name = *name;
  project.scripts = read_scripts(document["project"]["scripts"].as_table());
  for (auto& script : read_scripts(document["project"]["gui-scripts"].as_table())) project.scripts.push_back(script);
  if (const auto* dependencies = document["project"]["dependencies"].as_array()) {
    for (const auto& item : *dependencies) {
      if (item.is_string()) project.dependencies.push_back(item.as_string()->get());
    }
  }
  // Where the build backend takes the packages from.
  if (const auto dir = document["tool"]["setuptools"]["package-dir"][""].value<std::string>()) {
    project.source_roots.push_back(*dir);
  }
  if (const auto* where = document["tool"]["setuptools"]["packages"]["find"]["where"].as_array()) {
    for (const auto& item : *where) {
      if (item.is_string()) project.source_roots.push_back(item.as_string()->get());
    }
  }
  if (const auto* packages = document["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"].as_array()) {
    for (const auto& item : *packages) {
      if (!item.is_string()) continue;
      const fs::path parent = fs::path(item.as_string()->get()).parent_path();
      project.source_roots.push_back(parent.empty() ? "." : parent.string());
    }
  }
  if (const auto* packages = document["tool"]["poetry"]["packages"].as_array()) {
    for (const auto& item : *packages) {
      if (const auto from = item.as_table() ? (*item.as_table())["from"].value<std::string>() : std::nullopt) {
        project.source_roots.push_back(*from);
      }
    }
  }
  return project;
}

std::vector<std::string> read_requirements_txt(const fs::path& file) {
  std::vector<std::string> requirements;
  if (!is_file(file)) return requirements;
  std::istringstream in(read_text(file));
  for (std::string line; std::getline(in, line);) {
    line = trim(line.substr(0, line.find(" #")));
    if (line.empty() || line[0] == '#' || line[0] == '-') continue;  // comments, -r, -e, --options
    requirements.push_back(line);
  }
  return requirements;
}

// ---- finding the code ------------------------------------------------------------------------

// Directories and files of a project root that are not the app.
bool is_project_clutter(const std::string& name) {
  static const std::set<std::string> kClutter = {
      "tests", "test", "testing", "docs", "doc", "examples", "example", "scripts", "tools", "build", "dist",
      "venv", "env", "site-packages", "node_modules", "setup", "conftest", "noxfile", "fabfile", "tasks", "manage"};
  return name.empty() || name[0] == '.' || name[0] == '_' || kClutter.contains(lower(name)) || name.starts_with("test_");
}

struct Candidate {
  std::string name;    // top-level import name
  bool package = false;
  fs::path path;       // the package directory or module file
};

bool holds_python(const fs::path& dir) {
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (it->path().extension() == ".py") return true;
  }
  return false;
}

std::vector<Candidate> find_candidates(const fs::path& root, bool flat) {
  std::vector<Candidate> out;
  std::error_code error;
  std::vector<fs::directory_entry> entries;
  for (const auto& entry : fs::directory_iterator(root, error)) entries.push_back(entry);
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.path() < b.path(); });
  for (const auto& entry : entries) {
    const std::string file_name = entry.path().filename().string();
    if (entry.is_directory(error)) {
      if (!is_identifier(file_name) || (flat && is_project_clutter(file_name)) || file_name == blob::pyc::kCacheDirectory) continue;
      if (is_file(entry.path() / "__init__.py") || (!flat && holds_python(entry.path()))) {
        out.push_back({file_name, true, entry.path()});
      }
    } else if (entry.path().extension() == ".py") {
      const std::string stem = entry.path().stem().string();
      if (!is_identifier(stem) || (flat && is_project_clutter(stem))) continue;
      out.push_back({stem, false, entry.path()});
    }
  }
  return out;
}

bool defines_main(const fs::path& file) {
  if (!is_file(file)) return false;
  const std::string text = read_text(file);
  return text.find("\ndef main(") != std::string::npos || text.starts_with("def main(");
}

bool has_main_guard(const fs::path& file) {
  const std::string text = read_text(file);
  return text.find("__name__ == \"__main__\"") != std::string::npos ||
         text.find("__name__ == '__main__'") != std::string::npos;
}

// How a candidate is started, or empty if that cannot be told.
std::string entry_for(const Candidate& candidate, std::string* why) {
  if (!candidate.package) {
    if (has_main_guard(candidate.path)) {
      *why = candidate.path.filename().string() + " has an `if __name__ == \"__main__\":` block: it runs like python -m " +
             candidate.name;
      return candidate.name;
    }
    if (defines_main(candidate.path)) {
      *why = candidate.path.filename().string() + " defines main()";
      return candidate.name + ":main";
    }
    *why = candidate.path.filename().string() + " runs as a script (like python -m " + candidate.name + ")";
    return candidate.name;
  }
  if (is_file(candidate.path / "__main__.py")) {
    *why = candidate.name + "/__main__.py: it runs like python -m " + candidate.name;
    return candidate.name;
  }
  for (const char* module : {"cli", "main", "app", "__init__"}) {
    const fs::path file = candidate.path / (std::string(module) + ".py");
    if (defines_main(file)) {
      *why = candidate.name + "/" + module + ".py defines main()";
      return std::string(module) == "__init__" ? candidate.name + ":main" : candidate.name + "." + module + ":main";
    }
  }
  return {};
}

// ---- dependencies from this machine ----------------------------------------------------------

struct InstalledDistribution {
  std::string name;  // as the metadata spells it
  fs::path site_dir;
  std::vector<std::string> top_level;
  std::vector<std::string> requires_dist;  // as written, those that apply to the target CPython
};

// The distributions installed in `site_dir`, by normalised name, read as a build reads them
// (collect/distributions.h), with the top-level names that are really there.
std::map<std::string, InstalledDistribution> scan_site_dir(const fs::path& site_dir, const PythonVersion& python) {
  std::map<std::string, InstalledDistribution> out;
  std::set<std::string> extension_stems;  // top-level extension modules, by module name
  std::error_code error;
  for (const auto& file : fs::directory_iterator(site_dir, error)) {
    if (const auto stem = extension_module_stem(file.path().filename().string(), python); !stem.empty()) {
      extension_stems.insert(stem);
    }
  }
  for (auto& distribution : installed_distributions(site_dir, python)) {
    InstalledDistribution installed;
    installed.name = distribution.name;
    installed.site_dir = site_dir;
    for (const auto& name : distribution.top_level) {
      if (is_dir(site_dir / name) || is_file(site_dir / (name + ".py")) || extension_stems.contains(name)) {
        installed.top_level.push_back(name);
      }
    }
    installed.requires_dist = std::move(distribution.requirements);
    out.emplace(normalize_distribution_name(installed.name), std::move(installed));  // the first of a name wins
  }
  return out;
}

struct Requirement {
  std::string name;  // normalised
  std::string text;
  bool applies = true;
};

// "name[extra] >=1.0 ; marker". The marker is evaluated for the CPython the app is frozen for
// (on Linux x86_64, no extras): requirements for extras, other platforms or other Pythons do not
// apply. One that does not parse is kept.
Requirement parse_requirement(const std::string& text, const PythonVersion& python) {
  Requirement requirement;
  requirement.text = trim(text);
  std::size_t end = 0;
  while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '-' ||
                               text[end] == '_' || text[end] == '.')) {
    ++end;
  }
  requirement.name = normalize_distribution_name(trim(text.substr(0, end)));
  if (const auto semicolon = text.find(';'); semicolon != std::string::npos) {
    requirement.applies = evaluate_marker(text.substr(semicolon + 1), python) != false;
  }
  return requirement;
}

struct Dependencies {
  std::map<fs::path, std::vector<std::string>> include;  // site dir -> top-level names (in order)
  std::vector<std::string> found;                         // "PyYAML (yaml)"
  std::vector<std::string> missing;                       // requirement texts
};

Dependencies resolve_dependencies(const std::vector<std::string>& requirements, const std::vector<fs::path>& site_dirs,
                                  const std::string& own_name, const PythonVersion& python) {
  std::vector<std::map<std::string, InstalledDistribution>> sites;
  for (const auto& dir : site_dirs) sites.push_back(scan_site_dir(dir, python));
  Dependencies out;
  std::set<std::string> seen = {normalize_distribution_name(own_name)};
  std::vector<Requirement> queue;
  for (const auto& text : requirements) queue.push_back(parse_requirement(text, python));
  for (std::size_t i = 0; i < queue.size(); ++i) {
    const Requirement requirement = queue[i];
    if (!requirement.applies || requirement.name.empty() || !seen.insert(requirement.name).second) continue;
    const InstalledDistribution* found = nullptr;
    for (const auto& site : sites) {
      if (const auto it = site.find(requirement.name); it != site.end()) {
        found = &it->second;
        break;
      }
    }
    if (found == nullptr || found->top_level.empty()) {
      out.missing.push_back(requirement.text);
      continue;
    }
    auto& names = out.include[found->site_dir];
    for (const auto& name : found->top_level) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    out.found.push_back(found->name + " (" + join(found->top_level) + ")");
    for (const auto& text : found->requires_dist) queue.push_back(parse_requirement(text, python));
  }
  return out;
}

// The project's own virtual environment (.venv, venv or env): its site-packages and the CPython
// version it was made with (lib/python3.X), if that is one freeze can freeze for.
struct ProjectVenv {
  fs::path site;
  PythonVersion version;
};

std::optional<ProjectVenv> find_project_venv(const fs::path& project_dir) {
  for (const char* venv : {".venv", "venv", "env"}) {
    std::error_code error;
    std::vector<fs::path> sites;
    for (fs::directory_iterator it(project_dir / venv / "lib", error), end; !error && it != end; it.increment(error)) {
      const std::string name = it->path().filename().string();
      if (name.starts_with("python3.") && is_dir(it->path() / "site-packages")) sites.push_back(it->path());
    }
    std::sort(sites.begin(), sites.end());
    for (const fs::path& lib : sites) {
      if (auto version = PythonVersion::parse_target(lib.filename().string().substr(std::string("python").size()))) {
        return ProjectVenv{(lib / "site-packages").lexically_normal(), *version};
      }
    }
  }
  return std::nullopt;
}

// Where dependencies are looked for: the project's venv first; Debian's directories only for the
// CPython they serve (the embedded 3.11).
std::vector<fs::path> site_directories(const std::optional<ProjectVenv>& venv, const PythonVersion& python) {
  std::vector<fs::path> dirs;
  if (venv) dirs.push_back(venv->site);
  if (python == PythonVersion::embedded()) {
    for (const fs::path& system : debian_site_directories()) {
      if (is_dir(system)) dirs.push_back(system);
    }
  }
  return dirs;
}

// ---- writing ---------------------------------------------------------------------------------

std::string relative_to(const fs::path& path, const fs::path& base) {
  const fs::path relative = fs::absolute(path).lexically_normal().lexically_relative(fs::absolute(base).lexically_normal());
  if (relative.empty() || relative.string().starts_with("..")) return fs::absolute(path).lexically_normal().string();
  return relative.string();
}

}  // namespace

fs::path find_config(const fs::path& given) {
  auto in_directory = [](const fs::path& dir) -> std::optional<fs::path> {
    if (is_file(dir / "app.toml")) return dir / "app.toml";
    const fs::path pyproject = dir / "pyproject.toml";
    if (is_file(pyproject) && read_text(pyproject).find("[tool.freeze") != std::string::npos) return pyproject;
    return std::nullopt;
  };
  if (!given.empty() && !is_dir(given)) return given;  // a file (load_app_config says if it is missing)
  const fs::path dir = given.empty() ? fs::path(".") : given;
  if (auto found = in_directory(dir)) return found->lexically_normal();
  const std::string where = given.empty() ? "the current directory" : dir.string();
  throw UserError("no app.toml in " + where + " (and no pyproject.toml with a [tool.freeze] table): run `freeze init" +
                  (given.empty() ? std::string() : " " + dir.string()) + "` to write one, or give the config's path");
}

namespace {

// ---- deciding: each value app.toml gets, and why ------------------------------------------------

// What freeze init found out about the project: the values app.toml gets, and why.
struct Findings {
  std::vector<std::string> notes;  // why each value was chosen, printed with --verbose
  std::string source_root;         // packages.paths, relative to the project directory
  bool flat = false;               // the code sits in the project directory itself
  fs::path root_dir;
  std::string entry;
  std::string entry_comment;
  std::vector<std::string> other_scripts;  // [project.scripts] not chosen, "name = \"target\""
  std::string name;
  std::string name_comment;
  std::string requirements_source;
  PythonVersion python = PythonVersion::embedded();  // what the app is frozen for
  std::string python_comment;                         // why, when it is not the embedded one
  Dependencies dependencies;
  std::vector<std::string> extras;  // in a flat layout, what else comes along with "."
};

// Where the code is: the build backend's setting, else src/, else the project directory.
void choose_source_root(const fs::path& dir, const Project& project, Findings& found) {
  for (const auto& root : project.source_roots) {
    if (is_dir(dir / root)) {
      found.source_root = root;
      found.notes.push_back("packages.paths: " + root + " (the build backend's package directory in pyproject.toml)");
      break;
    }
  }
  if (found.source_root.empty()) {
    if (is_dir(dir / "src") && !find_candidates(dir / "src", false).empty()) {
      found.source_root = "src";
      found.notes.push_back("packages.paths: src (a src/ layout)");
    } else {
      found.source_root = ".";
      found.notes.push_back("packages.paths: . (the code sits in the project directory)");
    }
  }
  found.root_dir = dir / found.source_root;
  found.flat = found.source_root == ".";
}

// Without --entry or [project.scripts]: the candidate that says how it runs (a __main__, a main
// guard, a main()).
void choose_entry_among_candidates(const Findings& found, std::string& entry, std::string& comment) {
  const std::vector<Candidate> candidates = find_candidates(found.root_dir, found.flat);
  std::vector<std::pair<const Candidate*, std::string>> runnable;
  std::vector<std::string> reasons;
  for (const auto& candidate : candidates) {
    std::string why;
    const std::string candidate_entry = entry_for(candidate, &why);
    if (!candidate_entry.empty()) {
      runnable.emplace_back(&candidate, candidate_entry);
      reasons.push_back(why);
    }
  }
  // One candidate: take it. Several: the ones that say how they run (a __main__, a main guard).
  if (runnable.size() == 1) {
    entry = runnable.front().second;
    comment = reasons.front();
  } else if (candidates.empty()) {
    throw UserError("found no Python package or module in " + found.root_dir.lexically_normal().string() +
                    (found.flat ? " (nor in src/)" : "") +
                    ": run freeze init in the project's directory, or pass --entry MODULE[:FUNCTION] and edit "
                    "packages.paths afterwards");
  } else {
    std::vector<std::string> names;
    for (const auto& candidate : candidates) names.push_back(candidate.name);
    throw UserError("cannot tell how to start the app in " + found.root_dir.lexically_normal().string() + " (found " + join(names) +
                    "; " + (runnable.empty() ? "none has a __main__.py or main()" : "several can run") +
                    "): pass --entry MODULE or --entry MODULE:FUNCTION (e.g. --entry " +
                    (runnable.empty() ? candidates.front().name : runnable.front().second) + ")");
  }
}

// The entry point: --entry, else [project.scripts], else the one runnable candidate.
void choose_entry(const InitOptions& options, const Project& project, Findings& found) {
  std::string& entry = found.entry;
  entry = options.entry;
  if (!entry.empty()) {
    const auto colon = entry.find(':');
    if ((!is_dotted_name(entry.substr(0, colon)) || (colon != std::string::npos && !is_dotted_name(entry.substr(colon + 1)))) &&
        !entry.starts_with("console_script:")) {
      throw UserError("--entry '" + entry + "' is not \"module\" or \"module:function\" (dotted Python names)");
    }
    found.entry_comment = "given with --entry";
  } else if (!project.scripts.empty()) {
    const Script* chosen = &project.scripts.front();
    for (const auto& script : project.scripts) {
      if (normalize_distribution_name(script.name) == normalize_distribution_name(project.name)) chosen = &script;
    }
    entry = chosen->target;
    found.entry_comment = "[project.scripts] " + chosen->name + " in pyproject.toml";
    for (const auto& script : project.scripts) {
      if (&script == chosen) continue;
      // A bare TOML key, or a quoted one (a name with a dot would make a table).
      const bool bare = !script.name.empty() && std::all_of(script.name.begin(), script.name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      });
      found.other_scripts.push_back((bare ? script.name : quote(script.name)) + " = " + quote(script.target));
    }
  } else {
    choose_entry_among_candidates(found, entry, found.entry_comment);
  }
}

// The executable's name: --name, else [project] name, else the entry's top-level module.
void choose_name(const InitOptions& options, const Project& project, Findings& found) {
  std::string& name = found.name;
  name = options.name;
  found.name_comment = "given with --name";
  if (name.empty() && !project.name.empty()) {
    name = project.name;
    found.name_comment = "[project] name in pyproject.toml";
  }
  if (name.empty()) {
    name = found.entry.substr(0, found.entry.find_first_of(".:"));
    if (name.starts_with("console_script:")) name = found.entry.substr(15);
    found.name_comment = "the entry's top-level module";
  }
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
    throw UserError("'" + name + "' cannot be a file name: pass --name NAME");
  }
}

// Dependencies: pyproject.toml, else requirements.txt, found on this machine.
void find_dependencies(const fs::path& dir, const Project& project, Findings& found) {
  std::vector<std::string> requirements = project.dependencies;
  found.requirements_source = "[project] dependencies";
  if (!project.present && requirements.empty()) {
    requirements = read_requirements_txt(dir / "requirements.txt");
    found.requirements_source = "requirements.txt";
  }
  const std::optional<ProjectVenv> venv = find_project_venv(dir);
  if (venv && !(venv->version == PythonVersion::embedded())) {
    found.python = venv->version;
    found.python_comment = "the project's virtual environment is " + venv->version.lib_name();
  }
  found.dependencies = resolve_dependencies(requirements, site_directories(venv, found.python), project.name, found.python);
}

// Files in a flat layout that come along with "." (and would be better left out).
void find_flat_layout_extras(Findings& found) {
  if (!found.flat) return;
  const std::string top = found.entry.substr(0, found.entry.find_first_of(".:"));
  std::error_code error;
  for (const auto& entry_file : fs::directory_iterator(found.root_dir, error)) {
    const std::string file_name = entry_file.path().filename().string();
    if (file_name.starts_with(".") || file_name == "dist" || file_name == blob::pyc::kCacheDirectory) continue;
    const bool module = entry_file.path().extension() == ".py" && entry_file.path().stem() != top;
    const bool package = entry_file.is_directory(error) && file_name != top && holds_python(entry_file.path());
    if (module || package) found.extras.push_back(file_name + (package ? "/" : ""));
  }
}

// ---- writing app.toml --------------------------------------------------------------------------

// The commented app.toml.
std::string app_toml_text(const Findings& found, const fs::path& dir) {
  const std::string& name = found.name;
  const Dependencies& dependencies = found.dependencies;
  std::ostringstream out;
  out << "# freeze: how to build " << name << " into one executable (" << name << " -> dist/" << name << ").\n"
      << "# Written by `freeze init`. Check it with `freeze check`, build it with `freeze build`;\n"
      << "# every key is described in the README's app.toml reference (or `man freeze`).\n\n";
  out << "[app]\n";
  out << "name = " << quote(name) << "   # the executable's file name (" << found.name_comment << ")\n";
  out << "entry = " << quote(found.entry) << "   # " << found.entry_comment << "\n";
  out << "# \"module:function\" calls function() and exits with what it returns; \"module\" runs it like\n"
      << "# python -m module; console_script:NAME runs an entry point of an included distribution.\n";
  if (!found.other_scripts.empty()) {
    out << "# The project's other scripts, which the same executable runs when started under their names\n"
        << "# (freeze build writes each as a symlink to it):\n";
    std::string table;
    for (const auto& script : found.other_scripts) table += (table.empty() ? "" : ", ") + script;
    out << "# commands = { " << table << " }\n";
  }
  out << "\n[python]\n";
  if (!found.python_comment.empty()) {
    out << "version = " << quote(found.python.short_version()) << "   # " << found.python_comment
        << "; freeze distribution build " << found.python.short_version() << " builds it, once\n";
  } else {
    out << "# version = \"3.13\"   # another CPython than Debian's " << PythonVersion::embedded().short_version()
        << ", built once by freeze distribution build 3.13\n";
  }
  out << "# isolated = true     # ignore PYTHON* environment variables, like python -I\n"
      << "# optimize = 0        # 1 drops asserts, 2 also docstrings (python -O / -OO)\n";
  out << "\n[stdlib]\n"
      << "# include = \"all\"     # the whole standard library, in memory; \"none\": only what start-up needs\n"
      << "# exclude = " << quoted_list(default_stdlib_exclude()) << "   # the default\n";
  out << "\n[packages]\n";
  out << "paths = " << quoted_list({found.source_root}) << "   # your modules and packages";
  if (!found.extras.empty()) {
    out << "\n# Everything importable under \".\" comes along, including:";
    std::string line;
    for (const auto& extra : found.extras) line += (line.empty() ? " " : ", ") + extra;
    out << line << "\n# (move the app into src/ and set paths = [\"src\"] to leave them out)";
  }
  out << "\n# data_files = [\"data\"]   # files there that belong to no package (a script's data/), embedded too\n";
  if (!dependencies.include.empty()) {
    out << "# Dependencies (" << found.requirements_source << " and what they require), as installed on this machine:\n";
    for (const auto& found : dependencies.found) out << "#   " << found << "\n";
    out << "site_packages = [\n";
    for (const auto& [site, names] : dependencies.include) {
      out << "  { dir = " << quote(relative_to(site, dir)) << ", include = " << quoted_list(names) << " },\n";
    }
    out << "]\n";
  } else {
    out << "# Third-party packages: take them from an installed site-packages directory, or from wheels:\n"
        << "# site_packages = [{ dir = \"/usr/lib/python3/dist-packages\", include = [\"yaml\"] }]\n";
  }
  if (!dependencies.missing.empty()) {
    out << "# NOT FOUND on this machine (install them, then add their top-level packages above):\n";
    for (const auto& missing : dependencies.missing) out << "#   " << missing << "\n";
    const bool debian = found.python == PythonVersion::embedded();
    out << "# e.g. " << (debian ? "apt install python3-<name>" : "pip install them into " + found.python.lib_name() + "'s venv")
        << ", or download wheels for CPython " << found.python.short_version() << " into wheels/ and set\n"
        << "# wheels = [\"wheels/*.whl\"]\n";
  } else {
    const std::string tag = "cp" + std::to_string(found.python.major) + std::to_string(found.python.minor);
    out << "# wheels = [\"wheels/*.whl\"]   # wheels for CPython " << found.python.short_version()
        << " (py3-none-any, " << tag << ", abi3), read directly\n";
  }
  out << "# bundle_system_libraries = true   # libssl, libsqlite3, libffi ... that extension modules need\n";
  out << "# exclude = [\"*.tests\"]   # modules (with what is below them) left out of the build\n";
  out << "\n# Where each resource lives: inside the executable (the default), or as files beside it.\n"
      << "# [routing]\n"
      << "# default = \"in-memory\"\n"
      << "# Code that opens files next to its __file__ needs them on disk, e.g.:\n"
      << "# [[routing.rule]]\n"
      << "# name = \"mypackage\"\n"
      << "# location = \"filesystem-relative\"\n";
  return out.str();
}

// Creates `target` with `text`, failing if it exists (no race with another writer).
void write_new_file(const fs::path& target, const std::string& text) {
  std::FILE* file = std::fopen(target.c_str(), "wx");
  if (file == nullptr) {
    throw UserError(target.string() + ": cannot create it: " + std::strerror(errno));
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  if (std::fclose(file) != 0 || !written) {
    std::error_code error;
    fs::remove(target, error);
    throw UserError(target.string() + ": cannot write it (disk full?)");
  }

}

// What was written and why, and what to do next.
void report(const Findings& found, const fs::path& target, const fs::path& dir) {
  note("wrote " + target.lexically_normal().string());
  note("  name   " + found.name + "  (" + found.name_comment + ")");
  note("  entry  " + found.entry + "  (" + found.entry_comment + ")");
  for (const auto& why : found.notes) detail(why);
  note("  paths  " + found.source_root);
  if (!found.python_comment.empty()) note("  python " + found.python.short_version() + "  (" + found.python_comment + ")");
  for (const auto& [site, names] : found.dependencies.include) {
    note("  from " + site.string() + ": " + join(names));
  }
  if (!found.dependencies.missing.empty()) {
    warning("dependencies not installed on this machine: " + join(found.dependencies.missing) + " (see the comment in app.toml)");
  }
  if (!found.extras.empty()) {
    note("  note: paths = [\".\"] also takes " + join(found.extras) + " (move the app into src/ to leave them out)");
  }
  try {
    load_app_config(target);
  } catch (const UserError& problem) {
    warning(std::string("the new app.toml does not load yet: ") + problem.what());
  }
  const std::string shown = target.lexically_normal().string();
  note("next: freeze check " + shown + "   (builds and imports every module, to find problems early)");
  note("      freeze build " + shown + "   (writes " + (dir / "dist" / found.name).lexically_normal().string() + ")");
}

}  // namespace

InitResult init_project(const InitOptions& options) {
  const fs::path dir = options.directory.empty() ? fs::path(".") : options.directory;
  if (!is_dir(dir)) throw UserError(dir.string() + ": no such directory (freeze init DIR writes DIR/app.toml)");
  const fs::path target = dir / "app.toml";
  if (fs::exists(target)) {
    throw UserError(target.string() +
                    ": already exists; freeze init never overwrites a file (edit it, or remove it and run freeze init again)");
  }
  const Project project = read_pyproject(dir / "pyproject.toml");
  Findings found;
  choose_source_root(dir, project, found);
  choose_entry(options, project, found);
  choose_name(options, project, found);
  find_dependencies(dir, project, found);
  find_flat_layout_extras(found);
  const std::string text = app_toml_text(found, dir);
  write_new_file(target, text);
  report(found, target, dir);
  return {target, text};
}

}  // namespace freeze::packager

// Plugins found through entry points (flake8's `flake8.extension`, pytest's `pytest11`, sphinx's
// `sphinx.*`): python loads every installed distribution's entry points of a group, the frozen
// app sees only the included distributions' metadata. `freeze check` loads the entry points the
// app has and reports the installed plugin distributions it lacks.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace freeze::packager {

struct EntryPoint {
  std::string group;  // "flake8.extension"
  std::string name;   // "C90"
  std::string value;  // "mccabe:McCabeChecker" (extras, "[...]", removed)
  std::string module() const { return value.substr(0, value.find(':')); }
  std::string top_level() const { return value.substr(0, value.find_first_of(":.")); }
};

// The entries of an entry_points.txt (an INI file: [group] then name = value lines).
std::vector<EntryPoint> parse_entry_points(const std::string& text);

// A group is a plugin group of an included package when it is named after it: "pytest11"
// and "flake8.extension" after pytest and flake8 (the name, then anything but a letter).
// console_scripts and gui_scripts are not plugin groups.
bool is_plugin_group_of(const std::string& group, const std::set<std::string>& top_levels);

struct InstalledPlugins {
  std::filesystem::path site_dir;     // where it is installed
  std::string directory;              // "mccabe-0.7.0.egg-info"
  std::string name;                   // the distribution's name, from the directory
  std::vector<EntryPoint> entry_points;  // those in the plugin groups

  std::set<std::string> groups() const {  // the plugin groups it declares entry points in
    std::set<std::string> names;
    for (const auto& entry_point : entry_points) names.insert(entry_point.group);
    return names;
  }
};

// Distributions installed in `site_dirs` but not among `included_directories` (metadata
// directory names) that declare entry points in the plugin groups of `top_levels`.
std::vector<InstalledPlugins> plugins_not_included(const std::vector<std::filesystem::path>& site_dirs,
                                                   const std::set<std::string>& included_directories,
                                                   const std::set<std::string>& top_levels);

}  // namespace freeze::packager

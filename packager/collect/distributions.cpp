#include "packager/collect/distributions.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <sstream>

#include "format/pyc_file.h"
#include "packager/collect/entry_point_plugins.h"
#include "packager/config/python_names.h"
#include "packager/config/environment_markers.h"
#include "packager/support/text.h"
#include "packager/support/user_error.h"

namespace freeze::packager {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

// Header fields of an RFC 822-style METADATA/PKG-INFO (up to the first blank line).
std::vector<std::pair<std::string, std::string>> header_fields(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& line : lines_of(text)) {
    if (line.empty()) break;
    if (std::isspace(static_cast<unsigned char>(line[0]))) continue;  // continuation
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    fields.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return fields;
}

// The distribution name a requirement line names ("Jinja2 (>=3.0) ; python_version < '3.8'"
// -> "jinja2"), or empty if its environment marker excludes the embedded interpreter (an
// extra, another platform, another Python). A marker that does not parse keeps it.
std::string required_name(const std::string& requirement, const PythonVersion& python) {
  const auto semicolon = requirement.find(';');
  if (semicolon != std::string::npos && evaluate_marker(requirement.substr(semicolon + 1), python) == false) return {};
  std::size_t end = 0;
  while (end < requirement.size() &&
         (std::isalnum(static_cast<unsigned char>(requirement[end])) || std::strchr("-_.", requirement[end]))) {
    ++end;
  }
  return normalize_distribution_name(requirement.substr(0, end));
}

// Whether a requires.txt section applies: "[:python_version < '3.8']" by its marker, an extra
// ("[socks]", "[socks:sys_platform == 'win32']") never, since no extras are requested.
bool requires_section_applies(const std::string& header, const PythonVersion& python) {
  const std::string inside = trim(std::string_view(header).substr(1, header.find(']') - 1));
  const auto colon = inside.find(':');
  if (!trim(inside.substr(0, colon)).empty()) return false;
  return colon == std::string::npos || evaluate_marker(inside.substr(colon + 1), python) != false;
}

std::string first_component(const std::string& path) { return path.substr(0, path.find('/')); }

// The importable top-level name a RECORD path provides, or empty.
std::string top_level_of(const std::string& path, const PythonVersion& python) {
  const std::string head = first_component(path);
  if (head == path) {  // a file at the root: module.py or an extension
    if (path.ends_with(".py")) return path.substr(0, path.size() - 3);
    return extension_module_stem(path, python);
  }
  return is_identifier(head) && head != blob::pyc::kCacheDirectory ? head : std::string();
}

}  // namespace

std::string normalize_distribution_name(std::string_view name) {
  std::string out;
  bool separator = false;
  for (const char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      separator = true;
      continue;
    }
    if (separator && !out.empty()) out += '-';
    separator = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

namespace {

// "Jaraco.Classes" -> "jaracoclasses": names compared whatever their separators and case.
std::string squeezed(std::string_view text) {
  std::string out = normalize_distribution_name(text);
  std::erase(out, '-');
  return out;
}

// True if a top-level name and a distribution's name are alike (codespell_lib of codespell,
// debian of python-debian, jaraco of jaraco.classes).
bool named_alike(const std::string& top, const std::string& distribution) {
  const std::string a = squeezed(top);
  const std::string b = squeezed(distribution);
  return !a.empty() && !b.empty() && (a.find(b) != std::string::npos || b.find(a) != std::string::npos);
}

// Debian's egg-info top_level.txt (no RECORD to check it by) can name a directory of the build
// that another distribution installs: setuptools' and jaraco.classes' list "debian", which is
// python-debian's. A top-level name several distributions claim stays with those named like
// it, and with those that have no top-level name of their own (protobuf's "google" is shared
// with googleapis-common-protos: a namespace package).
void drop_borrowed_top_levels(std::vector<Distribution>& distributions) {
  std::map<std::string, std::vector<Distribution*>> claims;
  for (auto& distribution : distributions) {
    for (const auto& top : distribution.top_level) claims[top].push_back(&distribution);
  }
  for (const auto& [top, claimers] : claims) {
    if (claimers.size() < 2) continue;
    const bool owned = std::any_of(claimers.begin(), claimers.end(), [&](const Distribution* d) { return named_alike(top, d->name); });
    if (!owned) continue;
    for (Distribution* claimer : claimers) {
      if (named_alike(top, claimer->name)) continue;
      const bool has_own = std::any_of(claimer->top_level.begin(), claimer->top_level.end(),
                                       [&](const std::string& name) { return named_alike(name, claimer->name); });
      if (has_own) claimer->top_level.erase(top);
    }
  }
}

}  // namespace

std::vector<Distribution> find_distributions(const FileTree& tree, const PythonVersion& python) {
  std::vector<Distribution> distributions;
  std::set<std::string> seen;
  for (const auto& [path, file] : tree) {
    const std::string head = first_component(path);
    const bool dist_info = head.ends_with(".dist-info");
    const bool egg_info = head.ends_with(".egg-info");
    if ((!dist_info && !egg_info) || !seen.insert(head).second) continue;

    Distribution distribution;
    distribution.directory = head;
    const bool single_file = head == path;  // Debian: "foo-1.0.egg-info" may be PKG-INFO itself
    const std::string metadata_path = single_file ? head : head + (dist_info ? "/METADATA" : "/PKG-INFO");
    if (const auto it = tree.find(metadata_path); it != tree.end()) {
      for (const auto& [key, value] : header_fields(it->second.read())) {
        if (key == "Name") distribution.name = value;
        if (key == "Version") distribution.version = value;
        if (key == "Requires-Dist") {
          if (auto required = required_name(value, python); !required.empty()) {
            distribution.requires_dist.push_back(required);
            distribution.requirements.push_back(value);
          }
        }
      }
    }
    if (const auto it = tree.find(head + "/top_level.txt"); it != tree.end()) {
      for (const auto& line : lines_of(it->second.read())) {
        // mypyc's helper module, "<hash>__mypyc", is no identifier but a top-level module all the same.
        if (const auto name = trim(line); is_dotted_name(name) || (name.ends_with("__mypyc") && is_dotted_name("_" + name))) {
          distribution.top_level.insert(name.substr(0, name.find('.')));
        }
      }
    }
    // Without top_level.txt (hatchling and flit write none), every top-level name RECORD lists.
    const bool top_level_listed = !distribution.top_level.empty();
    if (const auto it = tree.find(head + "/RECORD"); it != tree.end()) {
      std::set<std::string> recorded;
      for (const auto& line : lines_of(it->second.read())) {
        std::string record_path = line.substr(0, line.find(','));
        if (record_path.size() >= 2 && record_path.front() == '"') record_path = record_path.substr(1, record_path.size() - 2);
        const std::string top = first_component(record_path);
        if (top.ends_with(".libs") && top != record_path) distribution.library_dirs.insert(top);
        if (auto name = top_level_of(record_path, python); !name.empty()) recorded.insert(std::move(name));
      }
      if (!top_level_listed) {
        distribution.top_level = recorded;
      } else if (std::any_of(distribution.top_level.begin(), distribution.top_level.end(),
                             [&](const std::string& name) { return recorded.contains(name); })) {
        // Debian's top_level.txt can name directories of the package's build that were never
        // installed (keyring's and importlib_metadata's list "debian", python-debian's
        // package): RECORD says what was.
        std::erase_if(distribution.top_level, [&](const std::string& name) { return !recorded.contains(name); });
      }
    }
    if (const auto it = tree.find(head + "/requires.txt"); it != tree.end()) {  // egg-info
      bool applies = true;
      std::string section_marker;  // "[:python_version < '3.8']" applies its marker to the lines below
      for (const auto& line : lines_of(it->second.read())) {
        const auto text = trim(line);
        if (!text.empty() && text.front() == '[') {
          applies = requires_section_applies(text, python);
          const auto colon = text.find(':');
          section_marker = colon == std::string::npos ? "" : trim(text.substr(colon + 1, text.find(']') - colon - 1));
          continue;
        }
        if (!applies) continue;
        if (auto required = required_name(text, python); !required.empty()) {
          distribution.requires_dist.push_back(required);
          distribution.requirements.push_back(section_marker.empty() ? text : text + " ; " + section_marker);
        }
      }
    }
    if (distribution.name.empty()) distribution.name = head.substr(0, head.find('-'));
    if (distribution.top_level.empty()) {
      // A module named like the project: "Foo-Bar" gives Foo_Bar and foo_bar, and foobar (Debian's
      // trash_cli-0.17.egg-info, a lone PKG-INFO file, installs trashcli).
      std::string guess = distribution.name;
      std::replace(guess.begin(), guess.end(), '-', '_');
      distribution.top_level.insert(guess);
      guess = normalize_distribution_name(distribution.name);
      std::replace(guess.begin(), guess.end(), '-', '_');
      distribution.top_level.insert(guess);
      distribution.top_level.insert(squeezed(distribution.name));
    }
    distributions.push_back(std::move(distribution));
  }
  drop_borrowed_top_levels(distributions);
  return distributions;
}

std::vector<Distribution> installed_distributions(const std::filesystem::path& dir, const PythonVersion& python) {
  try {
    return find_distributions(tree_from_directory(dir, std::set<std::string>{}, {}, python), python);
  } catch (const UserError&) {
    return {};
  }
}

std::string distribution_named(const std::filesystem::path& dir, std::string_view name, const PythonVersion& python) {
  const std::string wanted = normalize_distribution_name(name);
  for (const auto& distribution : installed_distributions(dir, python)) {
    if (normalize_distribution_name(distribution.name) != wanted || distribution.top_level.contains(std::string(name))) continue;
    // Debian's top_level.txt can name its build's directories too (codespell's lists "debian"):
    // only the names installed in `dir` are offered.
    auto installed = [&](const std::string& top) {
      std::error_code error;
      if (std::filesystem::is_directory(dir / top, error) || std::filesystem::exists(dir / (top + ".py"), error)) return true;
      for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
        const std::string file = entry.path().filename().string();
        if (file.starts_with(top + ".") && file.ends_with(".so")) return true;
      }
      return false;
    };
    // ... and those named like the distribution are the ones meant, when there are any
    // (codespell_lib, not the "build" of another distribution).
    std::vector<std::string> offered;
    std::vector<std::string> alike;
    for (const auto& top : distribution.top_level) {
      if (!installed(top)) continue;
      offered.push_back(top);
      if (named_alike(top, distribution.name)) alike.push_back(top);
    }
    if (!alike.empty()) offered = alike;
    if (offered.empty()) continue;
    std::string names;
    for (const auto& top : offered) names += (names.empty() ? "" : ", ") + top;
    return "the distribution " + distribution.name + " provides " + names;
  }
  return {};
}

std::vector<Resource> metadata_resources(const FileTree& tree, const Distribution& distribution) {
  std::vector<Resource> out;
  // Routed with the top-level name the distribution is named after, if it has one (black's
  // RECORD lists _black_version before black).
  std::string routing = normalize_distribution_name(distribution.name);
  std::replace(routing.begin(), routing.end(), '-', '_');
  if (!distribution.top_level.contains(routing)) routing = *distribution.top_level.begin();
  for (auto it = tree.lower_bound(distribution.directory); it != tree.end(); ++it) {
    const std::string& path = it->first;
    const bool single_file = path == distribution.directory;
    if (!single_file && !path.starts_with(distribution.directory + "/")) {
      if (path > distribution.directory + "/") break;
      continue;
    }
    Resource resource;
    resource.kind = blob::Kind::Metadata;
    resource.name = single_file ? path + "/PKG-INFO" : path;
    resource.relative_path = resource.name;
    resource.routing_name = routing;
    resource.origin = it->second.origin;
    resource.data = it->second.read();
    out.push_back(std::move(resource));
  }
  return out;
}

std::vector<Resource> shared_library_resources(const FileTree& tree, const std::set<std::string>& dirs) {
  std::vector<Resource> out;
  for (const auto& dir : dirs) {
    const std::string prefix = dir + "/";
    for (auto it = tree.lower_bound(prefix); it != tree.end() && it->first.starts_with(prefix); ++it) {
      Resource library;
      library.kind = blob::Kind::SharedLibrary;
      library.name = it->first;
      library.relative_path = it->first;
      library.routing_name = dir.substr(0, dir.size() - 5);  // the package it serves
      library.origin = it->second.origin;
      library.data = it->second.read();
      out.push_back(std::move(library));
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> console_scripts(const std::vector<Resource>& metadata) {
  std::vector<std::pair<std::string, std::string>> scripts;
  for (const auto& resource : metadata) {
    if (!resource.name.ends_with("/entry_points.txt")) continue;
    for (auto& entry_point : parse_entry_points(resource.data)) {
      if (entry_point.group == "console_scripts") scripts.emplace_back(std::move(entry_point.name), std::move(entry_point.value));
    }
  }
  return scripts;
}

std::string find_console_script(const std::vector<Resource>& metadata, const std::string& name) {
  for (const auto& [script, target] : console_scripts(metadata)) {
    if (script == name) return target;
  }
  return {};
}

}  // namespace freeze::packager

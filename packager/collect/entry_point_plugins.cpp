#include "packager/collect/entry_point_plugins.h"
#include "packager/support/text.h"

#include <cctype>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

namespace freeze::packager {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::vector<EntryPoint> parse_entry_points(const std::string& text) {
  std::vector<EntryPoint> out;
  std::istringstream in(text);
  std::string group;
  for (std::string line; std::getline(in, line);) {
    const std::string entry = trim(line);
    if (entry.empty() || entry.front() == '#' || entry.front() == ';') continue;
    if (entry.front() == '[') {
      group = trim(entry.substr(1, entry.find(']') - 1));
      continue;
    }
    const auto equals = entry.find('=');
    if (group.empty() || equals == std::string::npos) continue;
    std::string value = trim(entry.substr(equals + 1));
    if (const auto bracket = value.find('['); bracket != std::string::npos) value = trim(value.substr(0, bracket));
    std::string compact;  // "mod : attr" is allowed: EntryPoint.load() strips the parts
    for (const char c : value) {
      if (!std::isspace(static_cast<unsigned char>(c))) compact += c;
    }
    if (!compact.empty()) out.push_back({group, trim(entry.substr(0, equals)), compact});
  }
  return out;
}

bool is_plugin_group_of(const std::string& group, const std::set<std::string>& top_levels) {
  if (group == "console_scripts" || group == "gui_scripts") return false;
  for (const auto& top : top_levels) {
    if (!group.starts_with(top)) continue;
    if (group.size() == top.size() || !std::isalpha(static_cast<unsigned char>(group[top.size()]))) return true;
  }
  return false;
}

std::vector<InstalledPlugins> plugins_not_included(const std::vector<fs::path>& site_dirs,
                                                   const std::set<std::string>& included_directories,
                                                   const std::set<std::string>& top_levels) {
  std::vector<InstalledPlugins> out;
  std::set<std::string> seen;  // one report per distribution directory, from the first site dir
  for (const auto& site : site_dirs) {
    std::error_code error;
    std::map<std::string, fs::path> candidates;  // sorted: a stable report
    for (const auto& entry : fs::directory_iterator(site, error)) {
      const std::string directory = entry.path().filename().string();
      if (!directory.ends_with(".dist-info") && !directory.ends_with(".egg-info")) continue;
      if (included_directories.contains(directory) || !fs::is_regular_file(entry.path() / "entry_points.txt", error)) continue;
      candidates.emplace(directory, entry.path() / "entry_points.txt");
    }
    for (const auto& [directory, file] : candidates) {
      if (!seen.insert(directory).second) continue;
      InstalledPlugins plugins{site, directory, directory.substr(0, directory.find('-')), {}};
      for (auto& entry_point : parse_entry_points(read_text(file))) {
        if (is_plugin_group_of(entry_point.group, top_levels)) plugins.entry_points.push_back(std::move(entry_point));
      }
      if (!plugins.entry_points.empty()) out.push_back(std::move(plugins));
    }
  }
  return out;
}

}  // namespace freeze::packager

#include "packager/commands/inspect_command.h"

#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "format/blob_reader.h"
#include "format/launch_settings.h"
#include "format/library_list.h"
#include "format/pyc_file.h"
#include "packager/support/console.h"
#include "packager/support/user_error.h"

namespace freeze::packager {
namespace {

namespace fs = std::filesystem;

std::string_view location_name(blob::Location location) {
  return location == blob::Location::InMemory ? "in-memory" : "filesystem-relative";
}

// Short form for the list: where the bytes are.
std::string location_column(const nlohmann::json& item) {
  if (item["location"] == "filesystem-relative") return "file";
  return item.value("filesystem_copy", false) ? "memory+file" : "memory";
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// The top-level import names a distribution's metadata file declares: top_level.txt lists them;
// RECORD lists files, whose first path component is one ("pkg/x.py", "mod.py", "_c.cpython-...so").
void add_top_level_names(const std::string& file_name, const std::string& text, std::set<std::string>& out) {
  if (file_name == "top_level.txt") {
    for (const auto& line : split_lines(text)) out.insert(line);
    return;
  }
  for (const auto& line : split_lines(text)) {  // RECORD
    std::string path = line.substr(0, line.find(','));
    if (path.starts_with("..") || path.starts_with("/")) continue;
    const auto slash = path.find('/');
    std::string first = path.substr(0, slash);
    if (first.ends_with(".dist-info") || first.ends_with(".egg-info") || first.ends_with(".data") ||
        first == blob::pyc::kCacheDirectory) {
      continue;
    }
    if (slash == std::string::npos) {
      if (!first.ends_with(".py") && first.find(".so") == std::string::npos) continue;
      first = first.substr(0, first.find('.'));
    } else if (first.ends_with(".libs")) {
      continue;
    }
    if (!first.empty()) out.insert(first);
  }
}

std::string first_component(std::string_view name, char separator) {
  return std::string(name.substr(0, name.find(separator)));
}

// Works out the "top_level" and "group" of every resource.
void classify(std::vector<InspectedResource>& resources,
              const std::map<std::string, std::set<std::string>>& distribution_top_level) {
  std::set<std::string> third_party;
  for (const auto& [distribution, names] : distribution_top_level) third_party.insert(names.begin(), names.end());
  for (auto& item : resources) {
    const blob::Kind kind = item.kind;
    const std::string& name = item.name;
    std::string top_level;
    if (item.importable()) {
      top_level = first_component(name, '.');
    } else if (kind == blob::Kind::Resource) {
      top_level = first_component(name, '/');
    } else if (kind == blob::Kind::Metadata) {
      const std::string directory = first_component(name, '/');
      const auto it = distribution_top_level.find(directory);
      top_level = it != distribution_top_level.end() && !it->second.empty() ? *it->second.begin() : directory;
    } else if (kind == blob::Kind::Dictionary) {
      top_level = "(zstd dictionaries)";
    } else {  // shared-library: "system-libs/libssl.so.3", "pkg.libs/libx.so"
      top_level = first_component(name, '/');
      if (top_level.ends_with(".libs") && third_party.contains(top_level.substr(0, top_level.size() - 5))) {
        top_level = top_level.substr(0, top_level.size() - 5);
      }
    }
    std::string group;
    if (kind == blob::Kind::SharedLibrary && name.starts_with("system-libs/")) {
      group = kGroupSystemLibraries;
    } else if (kind == blob::Kind::Dictionary) {
      group = kGroupDictionaries;
    } else if (item.stdlib) {
      group = kGroupStdlib;
    } else if (kind == blob::Kind::Metadata || kind == blob::Kind::SharedLibrary || third_party.contains(top_level)) {
      group = kGroupThirdParty;
    } else {
      group = kGroupApplication;
    }
    item.top_level = top_level;
    item.group = group;
  }
}

std::string read_whole_file(const fs::path& path) {
  std::error_code error;
  if (!fs::exists(path, error)) throw UserError(path.string() + ": no such file");
  if (fs::is_directory(path, error)) throw UserError(path.string() + ": is a directory, not a freeze executable");
  std::ifstream in(path, std::ios::binary);
  std::string data;
  if (in) data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) throw UserError(path.string() + ": cannot read it (check its permissions)");
  return data;
}

struct Totals {
  std::uint64_t count = 0;
  std::uint64_t stored = 0;
  std::uint64_t raw = 0;
  void add(const nlohmann::json& item) {
    ++count;
    stored += item["stored_size"].get<std::uint64_t>();
    raw += item["raw_size"].get<std::uint64_t>();
  }
};

std::string row(std::string_view label, std::size_t label_width, const Totals& totals, std::string_view extra = {}) {
  char line[512];
  std::snprintf(line, sizeof line, "  %-*.*s %6llu %11s %11s", static_cast<int>(label_width), static_cast<int>(label.size()),
                label.data(), static_cast<unsigned long long>(totals.count), human_size(totals.stored).c_str(),
                human_size(totals.raw).c_str());
  std::string text = line;
  if (!extra.empty()) text += "  " + std::string(extra);
  return text + "\n";
}

std::string heading(std::string_view label, std::size_t label_width, bool colors) {
  char line[256];
  std::snprintf(line, sizeof line, "%-*.*s %6s %11s %11s", static_cast<int>(label_width), static_cast<int>(label.size()),
                label.data(), "count", "stored", "raw");
  return paint(line, Style::Bold, colors) + "\n";
}

void write_summary(const Inspection& inspection, std::ostream& out, bool colors) {
  const auto& settings = inspection.settings;
  Totals all;
  std::map<std::string, Totals> by_kind;
  std::map<std::string, Totals> by_location;
  std::map<std::string, Totals> by_top_level;
  std::map<std::string, std::string> top_level_group;
  std::uint64_t beside_bytes = 0;
  const fs::path exe_dir = inspection.executable.parent_path();
  for (const auto& item : inspection.resources) {
    all.add(item);
    by_kind[item["kind"]].add(item);
    std::string location = "in memory";
    if (item["location"] == "filesystem-relative") {
      location = "beside the executable";
      std::error_code error;
      const std::string path = item.value("path", std::string());
      const auto size = path.empty() ? 0 : fs::file_size(exe_dir / path, error);
      if (!error) beside_bytes += size;
    } else if (item.value("filesystem_copy", false)) {
      location = "in memory, with a copy beside it";
    }
    by_location[location].add(item);
    const std::string top = item["top_level"];
    const std::string group = item["group"];
    const std::string key = group == kGroupSystemLibraries ? std::string("(system libraries)") : top;
    by_top_level[key].add(item);
    top_level_group[key] = group;
  }

  namespace keys = blob::keys;
  const std::string version = settings.value(keys::kPythonVersion, "?");
  out << paint(inspection.executable.string(), Style::Bold, colors) << ": freeze executable, "
      << human_size(inspection.file_size) << "\n";
  out << "  app          " << settings.value(keys::kAppName, "?") << "\n";
  out << "  entry        " << describe_entry(settings) << "\n";
  for (const auto& [key, value] : settings.items()) {
    if (!key.starts_with(keys::kCommandPrefix) || !value.is_string()) continue;
    const auto entry = blob::decode_command_entry(value.get<std::string>());
    const nlohmann::json command = {{keys::kEntryModule, entry.module}, {keys::kEntryFunction, entry.function}};
    out << "  command      " << key.substr(keys::kCommandPrefix.size()) << ": " << describe_entry(command) << "\n";
  }
  out << "  interpreter  CPython " << version << (settings.value(keys::kIsolated, "1") == "1" ? ", isolated" : ", not isolated")
      << ", optimize " << settings.value(keys::kOptimize, "0") << "\n";
  out << "  launcher     " << human_size(inspection.launcher_size) << " (CPython " << version
      << " linked statically, and the freeze runtime)\n";
  out << "  resources    " << all.count << ": " << human_size(all.stored) << " stored, " << human_size(all.raw)
      << " uncompressed (blob format " << inspection.format_version << ")\n";
  if (beside_bytes > 0) out << "  beside it    " << human_size(beside_bytes) << " in files next to the executable\n";

  const std::size_t width = 34;
  out << "\n" << heading("by kind", width + 2, colors);
  for (const char* kind : {"module", "extension", "resource", "metadata", "shared-library", "dictionary"}) {
    if (by_kind.contains(kind)) out << row(kind, width, by_kind[kind]);
  }
  out << "\n" << heading("by location", width + 2, colors);
  for (const auto& [location, totals] : by_location) out << row(location, width, totals);

  std::vector<std::pair<std::string, Totals>> packages(by_top_level.begin(), by_top_level.end());
  std::stable_sort(packages.begin(), packages.end(), [](const auto& a, const auto& b) {
    return a.second.stored != b.second.stored ? a.second.stored > b.second.stored : a.first < b.first;
  });
  const std::size_t shown = std::min<std::size_t>(packages.size(), 15);
  out << "\n"
      << heading("largest packages (" + std::to_string(shown) + " of " + std::to_string(packages.size()) + ")",
                 width + 2, colors);
  for (std::size_t i = 0; i < shown; ++i) {
    out << row(packages[i].first, width, packages[i].second, top_level_group[packages[i].first]);
  }
  std::map<std::string, Totals> by_group;
  for (const auto& item : inspection.resources) by_group[item["group"]].add(item);
  out << "\n" << heading("by origin", width + 2, colors);
  for (const char* group : {kGroupApplication, kGroupThirdParty, kGroupStdlib, kGroupSystemLibraries, kGroupDictionaries}) {
    if (by_group.contains(group)) out << row(group, width, by_group[group]);
  }
  out << "\n"
      << paint("every resource: freeze inspect --list EXE; a size map: freeze inspect --html FILE EXE; for tools: --json",
               Style::Dim, colors)
      << "\n";
}

void write_list(const Inspection& inspection, std::ostream& out) {
  out << inspection.executable.string() << ": " << inspection.resources.size() << " resources, launcher "
      << inspection.launcher_size << " bytes, blob " << inspection.blob_size << " bytes (format "
      << inspection.format_version << ")\n";
  for (const auto& [key, value] : inspection.settings.items()) {
    out << "  " << key << " = " << value.get<std::string>() << '\n';
  }
  out << std::left << std::setw(15) << "KIND" << std::setw(12) << "LOCATION" << std::right << std::setw(10) << "STORED"
      << std::setw(10) << "RAW" << "  NAME\n";
  for (const auto& item : inspection.resources) {
    out << std::left << std::setw(15) << item["kind"].get<std::string>() << std::setw(12) << location_column(item)
        << std::right << std::setw(10) << item["stored_size"].get<std::uint64_t>() << std::setw(10)
        << item["raw_size"].get<std::uint64_t>() << "  " << item["name"].get<std::string>();
    if (location_column(item) != "memory" && item.contains("path")) out << "  (" << item["path"].get<std::string>() << ")";
    out << '\n';
  }
}

}  // namespace

std::string describe_entry(const nlohmann::json& settings) {
  const std::string module = settings.value(blob::keys::kEntryModule, "");
  const std::string function = settings.value(blob::keys::kEntryFunction, "");
  const std::string code = settings.value(blob::keys::kEntryCode, "");
  if (!code.empty()) {
    std::string first_line = code.substr(0, code.find('\n'));
    if (first_line.size() > 60) first_line = first_line.substr(0, 57) + "...";
    return "app.code (" + std::to_string(code.size()) + " characters: " + first_line +
           (code.find('\n') != std::string::npos ? " ..." : "") + ")";
  }
  if (function.empty()) return module + ", run as __main__ (like python -m " + module + ")";
  return module + ":" + function + " (imports " + module + " and calls " + function + "())";
}

Inspection read_inspection(const fs::path& executable) {
  const std::string file = read_whole_file(executable);
  const std::span<const unsigned char> bytes(reinterpret_cast<const unsigned char*>(file.data()), file.size());
  if (!blob::BlobReader::has_blob(bytes)) {
    throw UserError(executable.string() + ": not a freeze executable (it carries no freeze resources; build one with freeze build)");
  }
  Inspection inspection;
  inspection.executable = executable;
  inspection.file_size = file.size();
  try {
    const auto reader = blob::BlobReader::open(bytes);
    inspection.launcher_size = reader.blob_offset();
    inspection.blob_size = reader.trailer().blob_size;
    inspection.format_version = reader.trailer().format_version;
    std::map<std::string, std::set<std::string>> distribution_top_level;  // "X.dist-info" -> names
    for (std::size_t i = 0; i < reader.entry_count(); ++i) {
      const blob::Entry entry = reader.entry_at(i);
      if (entry.kind == blob::Kind::Settings) {
        for (const auto& [key, value] : blob::decode_settings(reader.read(entry.data))) inspection.settings[key] = value;
        continue;
      }
      nlohmann::json item;
      item["name"] = std::string(entry.name);
      item["kind"] = std::string(blob::kind_name(entry.kind));
      item["location"] = std::string(location_name(entry.location));
      item["stored_size"] = std::uint64_t{entry.data.stored_size} + entry.aux.stored_size;
      item["raw_size"] = std::uint64_t{entry.data.raw_size} + entry.aux.raw_size;
      if (!entry.path.empty()) item["path"] = std::string(entry.path);
      if (entry.flags & blob::kFlagFilesystemCopy) item["filesystem_copy"] = true;
      if (entry.needed_libraries().present()) {
        item["needs"] = blob::decode_library_list(reader.read(entry.needed_libraries()));
      }
      // Absolute file offsets of the stored bytes, for tools and tests that look at the layout.
      const std::uint64_t payload_start = reader.blob_offset() + reader.trailer().payload_offset;
      if (entry.data.present()) item["data_offset"] = payload_start + entry.data.offset;
      if (entry.aux.present()) item["aux_offset"] = payload_start + entry.aux.offset;
      item["data_stored_size"] = entry.data.stored_size;
      item["aux_stored_size"] = entry.aux.stored_size;
      if (entry.kind == blob::Kind::Module) {
        item["package"] = entry.is_package();
        item["stdlib"] = (entry.flags & blob::kFlagStdlib) != 0;
        item["has_source"] = entry.source().present();
        item["bytecode_size"] = entry.data.raw_size;
        item["source_size"] = entry.source().raw_size;
      }
      if (entry.kind == blob::Kind::Dictionary && entry.data.present()) {
        // The ID its frames name: builds with the same interpreter and level share it.
        const std::string content = reader.read(entry.data);
        item["dictionary_id"] = ZSTD_getDictID_fromDict(content.data(), content.size());
      }
      inspection.entries.push_back({entry.kind, std::string(entry.name), entry.location, std::string(entry.path),
                                    (entry.flags & blob::kFlagFilesystemCopy) != 0,
                                    entry.kind == blob::Kind::Module && entry.is_package(),
                                    (entry.flags & blob::kFlagStdlib) != 0, item["raw_size"].get<std::uint64_t>(), {}, {}});
      if (entry.kind == blob::Kind::Metadata && entry.data.present() && entry.in_memory()) {
        const std::string name(entry.name);
        const auto slash = name.find('/');
        if (slash != std::string::npos) {
          const std::string file_name = name.substr(slash + 1);
          auto& names = distribution_top_level[name.substr(0, slash)];
          if (file_name == "top_level.txt" || file_name == "RECORD") {
            add_top_level_names(file_name, reader.read(entry.data), names);
          }
        }
      }
      inspection.resources.push_back(std::move(item));
    }
    classify(inspection.entries, distribution_top_level);
    for (std::size_t i = 0; i < inspection.entries.size(); ++i) {
      inspection.resources[i]["top_level"] = inspection.entries[i].top_level;
      inspection.resources[i]["group"] = inspection.entries[i].group;
    }
  } catch (const blob::DamagedError& error) {
    throw UserError(executable.string() + ": embedded resources are damaged: " + error.what() +
                    " (rebuild it with freeze build, or copy it again)");
  }
  return inspection;
}

void write_inspection(const Inspection& inspection, InspectFormat format, std::ostream& out, bool colors) {
  switch (format) {
    case InspectFormat::Json: {
      nlohmann::json doc;
      doc["executable"] = inspection.executable.string();
      doc["file_size"] = inspection.file_size;
      doc["launcher_size"] = inspection.launcher_size;
      doc["format_version"] = inspection.format_version;
      doc["settings"] = inspection.settings;
      doc["resources"] = inspection.resources;
      out << doc.dump(2) << '\n';
      return;
    }
    case InspectFormat::List:
      write_list(inspection, out);
      return;
    case InspectFormat::Summary:
      write_summary(inspection, out, colors);
      return;
  }
}

void inspect(const fs::path& executable, InspectFormat format, std::ostream& out, bool colors) {
  write_inspection(read_inspection(executable), format, out, colors);
}

}  // namespace freeze::packager

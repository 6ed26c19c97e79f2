#include "packager/build/layout.h"

#include <string>

#include "format/launch_settings.h"
#include "format/pyc_file.h"
#include "importer/install_layout.h"

namespace freeze::packager {
namespace {

blob::LaunchSettings launch_settings(const AppConfig& config, TargetPython& python) {
  blob::LaunchSettings settings;
  settings.app_name = config.name;
  settings.entry_code = config.code;
  if (config.code.empty()) {
    settings.entry_module = config.entry_module;
    settings.entry_function = config.entry_function;
  }
  settings.isolated = config.isolated;
  settings.optimize = config.optimize;
  settings.interpreter = config.interpreter;
  settings.unbuffered = config.unbuffered;
  settings.site = config.site;
  settings.frozen = config.frozen;
  for (const auto& command : config.commands) {
    settings.commands[command.name] = blob::encode_command_entry(command.entry_module, command.entry_function);
  }
  settings.python_version = python.version().short_version();
  return settings;
}

// A module: its bytecode and UTF-8 source in memory, or its source and .pyc on disk (both
// with a fallback copy). One that did not compile (a stdlib module: compile_modules() let it
// through) is its source alone in memory, or a plain file on disk.
void lay_out_module(Resource& resource, BlobItem& item, Layout& out, int optimize, TargetPython& python) {
  const Placement& placement = resource.placement;
  if (resource.namespace_package()) return;  // in the index only
  if (!resource.compiled) {
    if (placement.writes_file()) {
      out.files.push_back({item.path, resource.data, resource.mode});
    } else {
      item.source = resource.data;
    }
    return;
  }
  if (placement.writes_file()) {
    // A checked hash-based .pyc: the importer, like python's SourceFileLoader, uses it only
    // while the .py beside it still has that hash (a timestamp one would depend on the mtime
    // the copy gets).
    out.files.push_back({item.path, resource.data, resource.mode});
    out.files.push_back({blob::pyc::cached_path(item.path, python.cache_tag(), optimize),
                         blob::pyc::encode_checked_hash(python.magic_number(), python.source_hash(resource.data),
                                                        resource.bytecode)});
  }
  if (placement.in_blob()) {
    item.data = std::move(resource.bytecode);
    item.source = std::move(resource.source_utf8);
  }
}

// Any other resource: its bytes, in memory or in a file (or both), and for native code the
// bundled libraries to load before it.
void lay_out_file(Resource& resource, BlobItem& item, Layout& out) {
  const Placement& placement = resource.placement;
  if (placement.writes_file()) out.files.push_back({item.path, resource.data, resource.mode});
  if (placement.in_blob()) item.data = std::move(resource.data);
  item.needed_libraries = resource.needed_libraries;
}

}  // namespace

Layout lay_out(std::vector<Resource>& resources, const AppConfig& config, TargetPython& python) {
  Layout out;
  out.items.reserve(resources.size() + 1);
  // Third-party modules (site_packages, wheels) get dictionaries of their own; they sit below
  // the target version's dist-packages.
  const std::string third_party_dir = layout::version_dirs(python.version().lib_name()).third_party + "/";
  for (auto& resource : resources) {
    const Placement& placement = resource.placement;
    BlobItem item;
    item.kind = resource.kind;
    item.name = resource.name;
    item.flags = resource.flags | (placement.filesystem_copy ? blob::kFlagFilesystemCopy : 0);
    item.location = placement.location;
    // The file path, in the installation: where it is on disk, or for in-memory entries where
    // it would be (what __file__ says); a namespace package's directory (its __path__).
    item.path = placement.path;
    if (resource.kind == blob::Kind::Module) {
      ++out.module_count;
      item.third_party = resource.relative_path.starts_with(third_party_dir);
      lay_out_module(resource, item, out, config.optimize, python);
    } else {
      lay_out_file(resource, item, out);
    }
    out.items.push_back(std::move(item));
  }
  BlobItem settings;
  settings.kind = blob::Kind::Settings;
  settings.name = blob::kSettingsEntryName;
  settings.data = blob::encode_settings(launch_settings(config, python).to_settings());
  out.items.push_back(std::move(settings));
  return out;
}

}  // namespace freeze::packager

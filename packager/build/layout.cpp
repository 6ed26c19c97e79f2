#include "packager/build/layout.h"

#include <string>

#include "format/launch_settings.h"

namespace freeze::packager {
namespace {

std::string pyc_path(const std::string& source_path, int optimize, const std::string& cache_tag) {
  const auto slash = source_path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : source_path.substr(0, slash + 1);
  const std::string file = source_path.substr(slash == std::string::npos ? 0 : slash + 1);
  const std::string stem = file.substr(0, file.size() - 3);
  const std::string opt = optimize == 0 ? "" : ".opt-" + std::to_string(optimize);
  return dir + "__pycache__/" + stem + "." + cache_tag + opt + ".pyc";
}

// A checked hash-based .pyc (PEP 552: flags 0b11, then the source's hash), as
// `py_compile --invalidation-mode checked-hash` writes: the importer, like python's
// SourceFileLoader, uses it only while the .py beside it still has that hash, so an edited
// source is recompiled. (A timestamp .pyc would depend on the mtime the copy gets.)
std::string pyc_file(const std::string& magic, const std::string& bytecode, const std::string& source_hash) {
  std::string out = magic;
  out += std::string("\x03\0\0\0", 4);
  return out + source_hash + bytecode;
}

blob::Settings launch_settings(const AppConfig& config, BuildPython& python) {
  namespace keys = blob::keys;
  blob::Settings settings;
  settings[keys::kAppName] = config.name;
  if (!config.code.empty()) {
    settings[keys::kEntryCode] = config.code;
  } else {
    settings[keys::kEntryModule] = config.entry_module;
    settings[keys::kEntryFunction] = config.entry_function;
  }
  settings[keys::kIsolated] = config.isolated ? "1" : "0";
  settings[keys::kOptimize] = std::to_string(config.optimize);
  settings[keys::kInterpreter] = config.interpreter ? "1" : "0";
  settings[keys::kUnbuffered] = config.unbuffered ? "1" : "0";
  settings[keys::kSite] = config.site ? "1" : "0";
  settings[keys::kPythonVersion] = python.version();
  return settings;
}

// A module: its bytecode and UTF-8 source in memory, or its source and .pyc on disk (both
// with a fallback copy). One that did not compile (a stdlib module: compile_modules() let it
// through) is its source alone in memory, or a plain file on disk.
void lay_out_module(Resource& resource, BlobItem& item, Layout& out, int optimize, BuildPython& python) {
  const Placement& placement = resource.placement;
  if (resource.namespace_package()) return;  // in the index only
  if (!resource.compiled) {
    if (placement.writes_file()) {
      out.files.push_back({item.path, resource.data, resource.mode});
    } else {
      item.aux = resource.data;
    }
    return;
  }
  if (placement.writes_file()) {
    out.files.push_back({item.path, resource.data, resource.mode});
    out.files.push_back({pyc_path(item.path, optimize, python.cache_tag()),
                         pyc_file(python.magic_number(), resource.bytecode, python.source_hash(resource.data))});
  }
  if (placement.in_blob()) {
    item.data = std::move(resource.bytecode);
    item.aux = std::move(resource.source_utf8);
  }
}

// Any other resource: its bytes, in memory or in a file (or both), and for native code the
// bundled libraries to load before it.
void lay_out_file(Resource& resource, BlobItem& item, Layout& out) {
  const Placement& placement = resource.placement;
  if (placement.writes_file()) out.files.push_back({item.path, resource.data, resource.mode});
  if (placement.in_blob()) item.data = std::move(resource.data);
  if (!resource.needed_libraries.empty()) {
    std::string list;
    for (const auto& library : resource.needed_libraries) list += (list.empty() ? "" : "\n") + library;
    item.aux = list;
  }
}

}  // namespace

Layout lay_out(std::vector<Resource>& resources, const AppConfig& config, BuildPython& python) {
  Layout out;
  out.items.reserve(resources.size() + 1);
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
      lay_out_module(resource, item, out, config.optimize, python);
    } else {
      lay_out_file(resource, item, out);
    }
    out.items.push_back(std::move(item));
  }
  BlobItem settings;
  settings.kind = blob::Kind::Settings;
  settings.name = "app";
  settings.data = blob::encode_settings(launch_settings(config, python));
  out.items.push_back(std::move(settings));
  return out;
}

}  // namespace freeze::packager

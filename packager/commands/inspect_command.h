// `freeze inspect EXE`: what a frozen executable carries, and what takes the space.
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "format/blob_format.h"

namespace freeze::packager {

// One embedded resource, typed (an owned copy of its blob::Entry, with what inspect works out
// about it): what `freeze check` plans from.
struct InspectedResource {
  blob::Kind kind = blob::Kind::Module;
  std::string name;
  blob::Location location = blob::Location::InMemory;
  std::string path;  // in the installation (empty if the index records none)
  bool filesystem_copy = false;
  bool package = false;  // a module that is a package (as "package" in the JSON)
  bool stdlib = false;
  std::uint64_t raw_size = 0;  // data and aux, uncompressed
  std::string top_level;       // the package it belongs to ("(zstd dictionaries)" for those)
  std::string group;           // kGroupApplication, kGroupThirdParty, ...

  bool in_memory() const { return location == blob::Location::InMemory; }
  bool importable() const { return kind == blob::Kind::Module || kind == blob::Kind::Extension; }
};

// Everything `inspect` knows about an executable. `resources` holds one object per embedded
// resource, exactly as `freeze inspect --json` prints them (name, kind, location, path,
// stored_size, raw_size, data_offset, ..., group, top_level); `entries` the same resources,
// in the same order, typed.
struct Inspection {
  std::filesystem::path executable;
  std::uint64_t file_size = 0;
  std::uint64_t launcher_size = 0;
  std::uint64_t blob_size = 0;
  std::uint32_t format_version = 0;
  nlohmann::json settings = nlohmann::json::object();
  nlohmann::json resources = nlohmann::json::array();
  std::vector<InspectedResource> entries;
};

// Reads the blob of `executable`. Throws UserError (not a freeze executable, damaged, unreadable).
Inspection read_inspection(const std::filesystem::path& executable);

// How the app starts, in words: "taskcli.main:main (calls the function)".
std::string describe_entry(const nlohmann::json& settings);

// The groups `group` takes, biggest story first.
inline constexpr const char* kGroupApplication = "application";
inline constexpr const char* kGroupThirdParty = "third-party";
inline constexpr const char* kGroupStdlib = "standard library";
inline constexpr const char* kGroupSystemLibraries = "system libraries";
inline constexpr const char* kGroupDictionaries = "compression dictionaries";

enum class InspectFormat { Summary, List, Json };

// Writes the summary (sizes by kind, location and top-level package), the full list of
// resources, or the JSON document to `out`.
void write_inspection(const Inspection& inspection, InspectFormat format, std::ostream& out, bool colors = false);

// Convenience: read_inspection + write_inspection. Throws UserError.
void inspect(const std::filesystem::path& executable, InspectFormat format, std::ostream& out, bool colors = false);

}  // namespace freeze::packager

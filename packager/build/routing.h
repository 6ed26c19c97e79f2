// The routing policy of app.toml: where each resource lives, in memory (inside the executable)
// or filesystem-relative (a file under a directory beside it). Rules are ordered; the first
// that matches decides, else the default.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "packager/build/resource.h"

namespace freeze::packager {

struct RoutingRule {
  std::optional<bool> stdlib;      // match stdlib (true) or non-stdlib (false) resources
  std::vector<blob::Kind> kinds;   // empty: any kind
  std::vector<std::string> names;  // fnmatch globs on the dotted name; empty: any
  Placement placement;
  std::string text;                // the location as written, for --verbose
};

struct RoutingPolicy {
  Placement default_placement;
  std::string default_text = "in-memory";
  std::vector<RoutingRule> rules;
};

// Parses "in-memory", "filesystem-relative" or "prefer-in-memory-fallback-filesystem-relative";
// on error returns nullopt and sets `error`. The old forms with ":PREFIX" are accepted (PREFIX
// must still be a relative path below the executable's directory, or ".") and their prefix
// kept in Placement::old_prefix, which old_prefix_warning() explains.
std::optional<Placement> parse_location(std::string_view text, std::string* error);

// The warning for a location written with the PREFIX that is no longer used ("" if none), for
// the config key `key`.
std::string old_prefix_warning(std::string_view key, const Placement& placement);

// Parses a kind name ("module", "resource", "metadata", "extension", "shared-library").
std::optional<blob::Kind> parse_kind(std::string_view text);

struct RoutingDecision {
  Placement placement;
  int rule = -1;  // index of the rule that decided, -1 for the default
};

RoutingDecision route(const RoutingPolicy& policy, const Resource& resource);

// The problems with where resources were routed, one line each (empty if none): libraries
// that cannot be matched in memory, two resources on one file path, files that would take the
// executable's path (`executable_name`) or freeze's own names, and the like.
std::vector<std::string> check_placements(const std::vector<Resource>& resources,
                                          const std::vector<Placement>& placements,
                                          const std::string& executable_name);

// The file a filesystem-relative resource is written to, relative to the executable's
// directory: its place in the installation (install_layout.h), the path it has in memory too.
std::string placed_path(const Resource& resource, const Placement& placement);

}  // namespace freeze::packager

// The routing policy of app.toml: where each resource lives, in memory (inside the executable)
// or filesystem-relative (a file under a directory beside it). Rules are ordered; the first
// that matches decides, else the default.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "packager/build/resource.h"

namespace freeze::packager {

// A location as app.toml writes it, for a rule or the default (parse_location()).
struct RoutingTarget {
  blob::Location location = blob::Location::InMemory;
  std::string old_prefix;        // the PREFIX of an old "filesystem-relative:PREFIX", no longer used
  bool filesystem_copy = false;  // in memory, with a fallback copy on the filesystem
};

struct RoutingRule {
  std::optional<bool> stdlib;      // match stdlib (true) or non-stdlib (false) resources
  std::vector<blob::Kind> kinds;   // empty: any kind
  std::vector<std::string> names;  // fnmatch globs on the dotted name; empty: any
  RoutingTarget target;
  std::string text;                // the location as written, for --verbose
};

struct RoutingPolicy {
  RoutingTarget default_target;
  std::string default_text = "in-memory";
  std::vector<RoutingRule> rules;
};

// Parses "in-memory", "filesystem-relative" or "prefer-in-memory-fallback-filesystem-relative";
// on error returns nullopt and sets `error`. The old forms with ":PREFIX" are accepted (PREFIX
// must still be a relative path below the executable's directory, or ".") and their prefix
// kept in RoutingTarget::old_prefix, which old_prefix_warning() explains.
std::optional<RoutingTarget> parse_location(std::string_view text, std::string* error);

// The warning for a location written with the PREFIX that is no longer used ("" if none), for
// the config key `key`.
std::string old_prefix_warning(std::string_view key, const RoutingTarget& target);

// Parses a kind name ("module", "resource", "metadata", "extension", "shared-library").
std::optional<blob::Kind> parse_kind(std::string_view text);

// Where `resource` lives, decided once: the first rule that matches (else the default), with
// what follows from the kind of resource: only native code keeps a fallback copy on the
// filesystem (other kinds cannot fail to load from memory, so under a prefer-in-memory target
// they simply live in memory), and a namespace package, which has no file, lives in the index
// wherever it is routed. The path is its place in the installation (install_layout.h), the same
// in memory and on disk, so that __file__ does not depend on the routing.
Placement route(const RoutingPolicy& policy, const Resource& resource);

// The routing stage: sets every resource's placement (saying which rule decided, with
// --verbose), then checks them all. Throws UserError listing every problem check_placements()
// finds.
void route_resources(const RoutingPolicy& policy, const std::string& executable_name, std::vector<Resource>& resources);

// The problems with where resources were routed, one line each (empty if none): libraries
// that cannot be matched in memory, two resources on one file path, files that would take the
// executable's path (`executable_name`) or freeze's own names, and the like.
std::vector<std::string> check_placements(const std::vector<Resource>& resources, const std::string& executable_name);

}  // namespace freeze::packager

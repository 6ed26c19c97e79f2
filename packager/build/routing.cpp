#include "packager/build/routing.h"

#include <map>

#include "format/elf_info.h"
#include "packager/collect/file_tree.h"
#include "packager/collect/library_dependencies.h"
#include "packager/support/console.h"
#include "packager/support/user_error.h"

namespace freeze::packager {
namespace {

constexpr std::string_view kInMemory = "in-memory";
constexpr std::string_view kFilesystem = "filesystem-relative:";
constexpr std::string_view kPreferMemory = "prefer-in-memory-fallback-filesystem-relative:";

bool valid_prefix(std::string_view prefix) {
  // "." is the executable's own directory; check_placements() keeps files off the executable.
  if (prefix == ".") return true;
  if (prefix.empty() || prefix.front() == '/' || prefix.find('\0') != std::string_view::npos ||
      prefix.find('\\') != std::string_view::npos) {
    return false;
  }
  while (!prefix.empty()) {
    const auto slash = prefix.find('/');
    const auto part = prefix.substr(0, slash);
    if (part.empty() || part == "." || part == "..") return false;
    if (slash == std::string_view::npos) break;
    prefix.remove_prefix(slash + 1);
  }
  return true;
}

std::string placement_text(const Placement& placement) {
  if (placement.location == blob::Location::FilesystemRelative) return "filesystem-relative";
  if (placement.filesystem_copy) return "in-memory (fallback copy beside the executable)";
  return "in-memory";
}

bool rule_matches(const RoutingRule& rule, const Resource& resource) {
  if (rule.stdlib && *rule.stdlib != resource.stdlib()) return false;
  if (!rule.kinds.empty() && std::find(rule.kinds.begin(), rule.kinds.end(), resource.kind) == rule.kinds.end()) {
    return false;
  }
  if (!rule.names.empty() && std::none_of(rule.names.begin(), rule.names.end(), [&](const std::string& pattern) {
        return name_matches(resource.routing_name, pattern);
      })) {
    return false;
  }
  return true;
}

// The deepest package two dotted names share ("fastlib" for fastlib._native and fastlib.libdep),
// else the first name.
std::string common_package(const std::string& first, const std::string& second) {
  std::string shared;
  for (std::size_t at = 0; at < first.size();) {
    const std::size_t end = std::min(first.find('.', at), first.size());
    const std::string prefix = first.substr(0, end);
    if (second != prefix && !second.starts_with(prefix + ".")) break;
    shared = prefix;
    at = end + 1;
  }
  return shared.empty() ? first : shared;
}

}  // namespace

std::optional<RoutingTarget> parse_location(std::string_view text, std::string* error) {
  RoutingTarget target;
  std::string_view rest;
  if (text == kInMemory) return target;
  // With or without ":PREFIX" (what older configs write: see RoutingTarget::old_prefix).
  const auto named = [&](std::string_view location) {
    if (text == location.substr(0, location.size() - 1)) return true;
    if (!text.starts_with(location)) return false;
    rest = text.substr(location.size());
    return true;
  };
  if (named(kFilesystem)) {
    target.location = blob::Location::FilesystemRelative;
  } else if (named(kPreferMemory)) {
    target.filesystem_copy = true;
  } else {
    *error = "'" + std::string(text) +
             "' is not a location (\"in-memory\", \"filesystem-relative\" or "
             "\"prefer-in-memory-fallback-filesystem-relative\")";
    return std::nullopt;
  }
  if (text.find(':') == std::string_view::npos) return target;
  while (rest.size() > 1 && rest.back() == '/') rest.remove_suffix(1);
  if (!valid_prefix(rest)) {
    *error = "'" + std::string(rest) +
             "' is not a relative directory below the executable's (no '..', not absolute; \".\" is its own directory)";
    return std::nullopt;
  }
  target.old_prefix = std::string(rest);
  return target;
}

std::string old_prefix_warning(std::string_view key, const RoutingTarget& target) {
  return key.empty() || target.old_prefix.empty()
             ? std::string()
             : std::string(key) + ": the PREFIX of ':" + target.old_prefix +
                   "' is no longer used: files routed to the filesystem are written where the installation "
                   "keeps them (the app's code in lib/app/, third-party packages in local/lib/python3.11/dist-packages/, "
                   "the stdlib in lib/python3.11/), so that __file__ is the same wherever a module lives; "
                   "write the location without it";
}

std::optional<blob::Kind> parse_kind(std::string_view text) {
  for (const auto kind : {blob::Kind::Module, blob::Kind::Resource, blob::Kind::Metadata, blob::Kind::Extension,
                          blob::Kind::SharedLibrary}) {
    if (blob::kind_name(kind) == text) return kind;
  }
  return std::nullopt;
}

Placement route(const RoutingPolicy& policy, const Resource& resource) {
  Placement placement;
  const RoutingTarget* target = &policy.default_target;
  for (std::size_t i = 0; i < policy.rules.size(); ++i) {
    if (rule_matches(policy.rules[i], resource)) {
      target = &policy.rules[i].target;
      placement.rule = static_cast<int>(i);
      break;
    }
  }
  // The same path as in memory: __file__ does not depend on the routing.
  placement.path = resource.relative_path;
  // A namespace package has no file: it lives in the index wherever it is routed.
  if (resource.namespace_package()) return placement;
  placement.location = target->location;
  // Only native code can fail to load from memory (memory files not executable): other kinds
  // under a prefer-in-memory target simply live in memory. A library that is package data is
  // native code too (loaded by its path, or needed by an extension module beside it).
  placement.filesystem_copy =
      target->filesystem_copy && (resource.native() || (resource.kind == blob::Kind::Resource && looks_like_elf(resource.data)));
  return placement;
}

void route_resources(const RoutingPolicy& policy, const std::string& executable_name, std::vector<Resource>& resources) {
  for (auto& resource : resources) {
    resource.placement = route(policy, resource);
    detail(std::string(blob::kind_name(resource.kind)) + " " + resource.name + " -> " + placement_text(resource.placement) +
           (resource.placement.rule < 0 ? " (routing.default)"
                                        : " (routing.rule " + std::to_string(resource.placement.rule + 1) + ")"));
  }
  if (const auto problems = check_placements(resources, executable_name); !problems.empty()) {
    std::string message =
        "resources cannot live where they are routed (" + std::to_string(problems.size()) + " problem(s)):";
    for (const auto& line : problems) message += "\n  " + line;
    throw UserError(message);
  }
}

std::vector<std::string> check_placements(const std::vector<Resource>& resources, const std::string& executable_name) {
  std::vector<std::string> problems;
  std::map<std::string, std::string> files;  // placed path -> resource
  // First component of a placed path -> the first resource there and how many more, for the
  // entries that would take the executable's path or freeze's own (.freeze-*) names.
  std::map<std::string, std::pair<std::string, std::size_t>> taken;
  std::map<std::string, const Resource*> needed_by;  // a library another native object needs -> the first of them
  for (const Resource& resource : resources) {
    for (const auto& library : resource.needed_libraries) needed_by.emplace(library, &resource);
  }
  for (const Resource& resource : resources) {
    const Placement& placement = resource.placement;
    const std::string label = std::string(blob::kind_name(resource.kind)) + " '" + resource.name + "'";
    if (placement.writes_file()) {  // never a namespace package: route() keeps it in the index
      const std::string& path = placement.path;
      if (const auto [it, inserted] = files.emplace(path, label); !inserted) {
        problems.push_back(label + " and " + it->second + " would both be written to " + path);
      }
      const std::string top = path.substr(0, path.find('/'));
      if (top == executable_name || top.starts_with(".freeze-")) {
        auto [it, inserted] = taken.emplace(top, std::make_pair(label, 0));
        if (!inserted) ++it->second.second;
        // Name the package itself rather than whichever of its files comes first.
        if (resource.kind == blob::Kind::Module && resource.name == resource.routing_name &&
            resource.name.find('.') == std::string::npos) {
          it->second.first = label;
        }
      }
    }
    const auto needer = needed_by.find(resource.name);
    if ((resource.kind == blob::Kind::SharedLibrary || needer != needed_by.end()) &&
        placement.location == blob::Location::InMemory) {
      // A library loaded from memory is found by the extensions that need it only through its
      // DT_SONAME.
      const auto info = elf::read_dynamic_info(resource.data);
      if (!info || info->soname.empty()) {
        // The object needing it must be on disk too, for its $ORIGIN to be that directory:
        // route the package holding both.
        const Resource* user = needer == needed_by.end() ? nullptr : needer->second;
        const std::string who = user ? ", which " + user->name + " needs," : "";
        const std::string name = user ? common_package(user->routing_name, resource.routing_name) : resource.routing_name;
        problems.push_back(label + " (" + resource.origin + ")" + who +
                           " cannot be loaded from memory: it has no DT_SONAME; route " + (user ? "them" : "it") +
                           " to filesystem-relative ([[routing.rule]] name = \"" + name + "\")");
      }
    }
  }
  for (const auto& [top, first] : taken) {
    const std::string more = first.second ? " and " + std::to_string(first.second) + " more resource(s)" : "";
    problems.push_back(first.first + more + " would be written at '" + top + "'" +
                       (top == executable_name ? ", the executable's own path: rename app.name or route them to another prefix"
                                               : ", a name freeze keeps for its own files: route them to another prefix"));
  }
  return problems;
}

}  // namespace freeze::packager

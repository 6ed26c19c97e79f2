// Unit tests for the routing stage (packager/build/routing): which rule decides, what follows
// from the kind of resource (a fallback copy for native code only, namespace packages in the
// index), the placed path, and the placements that cannot be written.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "packager/build/routing.h"
#include "packager/support/user_error.h"

namespace packager = freeze::packager;
namespace blob = freeze::blob;

namespace {

packager::Resource resource(blob::Kind kind, const std::string& name, const std::string& path, std::uint8_t flags = 0) {
  packager::Resource r;
  r.kind = kind;
  r.name = name;
  r.routing_name = kind == blob::Kind::Resource ? name.substr(0, name.find('/')) : name;
  r.relative_path = path;
  r.origin = "test";
  r.flags = flags;
  return r;
}

packager::RoutingTarget target(const std::string& text) {
  std::string error;
  const auto parsed = packager::parse_location(text, &error);
  REQUIRE_MESSAGE(parsed, error);
  return *parsed;
}

packager::RoutingRule rule(const std::string& location, std::vector<std::string> names = {},
                           std::vector<blob::Kind> kinds = {}, std::optional<bool> stdlib = std::nullopt) {
  packager::RoutingRule r;
  r.names = std::move(names);
  r.kinds = std::move(kinds);
  r.stdlib = stdlib;
  r.target = target(location);
  r.text = location;
  return r;
}

bool contains(const std::vector<std::string>& lines, const std::string& needle) {
  for (const auto& line : lines) {
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("route: the first matching rule decides, else the default") {
  packager::RoutingPolicy policy;
  policy.default_target = target("in-memory");
  policy.rules = {rule("filesystem-relative", {"pkg.data*"}), rule("in-memory", {"pkg"}),
                  rule("filesystem-relative", {}, {blob::Kind::Metadata}), rule("filesystem-relative", {}, {}, true)};

  const auto module = packager::route(policy, resource(blob::Kind::Module, "pkg.mod", "lib/app/pkg/mod.py"));
  CHECK(module.location == blob::Location::InMemory);
  CHECK(module.rule == 1);  // "pkg" covers pkg.mod
  CHECK(module.path == "lib/app/pkg/mod.py");

  const auto data = packager::route(policy, resource(blob::Kind::Module, "pkg.data_tools", "lib/app/pkg/data_tools.py"));
  CHECK(data.location == blob::Location::FilesystemRelative);
  CHECK(data.rule == 0);

  const auto metadata = packager::route(
      policy, resource(blob::Kind::Metadata, "x-1.0.dist-info/METADATA", "local/lib/python3.11/dist-packages/x-1.0.dist-info/METADATA"));
  CHECK(metadata.location == blob::Location::FilesystemRelative);
  CHECK(metadata.rule == 2);

  const auto stdlib =
      packager::route(policy, resource(blob::Kind::Module, "json", "lib/python3.11/json/__init__.py", blob::kFlagStdlib));
  CHECK(stdlib.location == blob::Location::FilesystemRelative);
  CHECK(stdlib.rule == 3);

  const auto other = packager::route(policy, resource(blob::Kind::Module, "other", "lib/app/other.py"));
  CHECK(other.location == blob::Location::InMemory);
  CHECK(other.rule == -1);
  CHECK_FALSE(other.writes_file());
  CHECK(other.in_blob());
}

TEST_CASE("route: only native code keeps a fallback copy; other kinds simply live in memory") {
  packager::RoutingPolicy policy;
  policy.default_target = target("prefer-in-memory-fallback-filesystem-relative");
  for (const auto kind : {blob::Kind::Extension, blob::Kind::SharedLibrary}) {
    const auto placement = packager::route(policy, resource(kind, "native", "lib/app/native.so"));
    CHECK(placement.location == blob::Location::InMemory);
    CHECK(placement.filesystem_copy);
    CHECK(placement.writes_file());
    CHECK(placement.in_blob());
  }
  for (const auto kind : {blob::Kind::Module, blob::Kind::Resource, blob::Kind::Metadata}) {
    const auto placement = packager::route(policy, resource(kind, "plain", "lib/app/plain"));
    CHECK(placement.location == blob::Location::InMemory);
    CHECK_FALSE(placement.filesystem_copy);
    CHECK_FALSE(placement.writes_file());
  }
}

TEST_CASE("route: a namespace package lives in the index wherever it is routed, at its directory") {
  packager::RoutingPolicy policy;
  policy.default_target = target("filesystem-relative");
  const auto placement =
      packager::route(policy, resource(blob::Kind::Module, "ns", "lib/app/ns", blob::kFlagNamespace | blob::kFlagPackage));
  CHECK(placement.location == blob::Location::InMemory);
  CHECK_FALSE(placement.filesystem_copy);
  CHECK(placement.path == "lib/app/ns");
  CHECK(placement.rule == -1);
}

TEST_CASE("check_placements: two files on one path, the executable's name, freeze's names, libraries without a soname") {
  packager::RoutingPolicy policy;
  policy.default_target = target("filesystem-relative");
  std::vector<packager::Resource> resources = {
      resource(blob::Kind::Module, "a", "lib/app/a.py"),
      resource(blob::Kind::Resource, "a/x", "lib/app/a.py"),
      resource(blob::Kind::Module, "app", "app/__init__.py"),
      resource(blob::Kind::Resource, "app/data.txt", "app/data.txt"),
      resource(blob::Kind::Resource, "f/x", ".freeze-own/x"),
  };
  for (auto& r : resources) r.placement = packager::route(policy, r);
  auto library = resource(blob::Kind::SharedLibrary, "pkg.libs/libx.so", "local/lib/python3.11/dist-packages/pkg.libs/libx.so");
  library.data = "not an ELF file";
  library.placement = packager::route(packager::RoutingPolicy{}, library);  // in memory
  resources.push_back(library);

  const auto problems = packager::check_placements(resources, "app");
  CHECK(problems.size() == 4);
  CHECK(contains(problems, "resource 'a/x' and module 'a' would both be written to lib/app/a.py"));
  CHECK(contains(problems, "module 'app' and 1 more resource(s) would be written at 'app', the executable's own path"));
  CHECK(contains(problems, "resource 'f/x' would be written at '.freeze-own', a name freeze keeps"));
  CHECK(contains(problems, "shared-library 'pkg.libs/libx.so' (test) cannot be loaded from memory: it has no DT_SONAME"));

  std::vector<packager::Resource> fine = {resource(blob::Kind::Module, "a", "lib/app/a.py"),
                                          resource(blob::Kind::Module, "ns", "lib/app/ns", blob::kFlagNamespace),
                                          resource(blob::Kind::Module, "ns2", "lib/app/ns", blob::kFlagNamespace)};
  CHECK_NOTHROW(packager::route_resources(policy, "app", fine));
  CHECK(fine[0].placement.location == blob::Location::FilesystemRelative);
  CHECK(fine[1].placement.location == blob::Location::InMemory);  // no file: never a clash
  CHECK_THROWS_AS(packager::route_resources(policy, "app", resources), packager::UserError);
}

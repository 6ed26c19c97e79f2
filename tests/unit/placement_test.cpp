// Unit tests for where resources go in the virtual installation: routing locations (with and
// without the PREFIX older configs write), extension module names (mypyc's helper), and
// python's precedence among files of one name in one directory.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "packager/collect/file_tree.h"
#include "packager/build/routing.h"

namespace packager = freeze::packager;
namespace blob = freeze::blob;

namespace {

packager::FileTree tree_of(const std::vector<std::pair<std::string, std::string>>& files) {
  packager::FileTree tree;
  for (const auto& [path, text] : files) tree[path] = packager::TreeFile{{}, text, "test:" + path, 0644};
  return tree;
}

const packager::Resource* find(const std::vector<packager::Resource>& resources, blob::Kind kind, const std::string& name) {
  const auto it = std::find_if(resources.begin(), resources.end(),
                               [&](const packager::Resource& r) { return r.kind == kind && r.name == name; });
  return it == resources.end() ? nullptr : &*it;
}

}  // namespace

TEST_CASE("routing locations: the PREFIX is accepted, kept for a warning, and still validated") {
  std::string error;
  auto plain = packager::parse_location("filesystem-relative", &error);
  REQUIRE(plain);
  CHECK(plain->location == blob::Location::FilesystemRelative);
  CHECK(plain->old_prefix.empty());
  CHECK(packager::old_prefix_warning("routing.default", *plain).empty());

  auto old = packager::parse_location("filesystem-relative:lib/", &error);
  REQUIRE(old);
  CHECK(old->location == blob::Location::FilesystemRelative);
  CHECK(old->old_prefix == "lib");
  CHECK(packager::old_prefix_warning("routing.default", *old).starts_with(
      "routing.default: the PREFIX of ':lib' is no longer used"));

  auto fallback = packager::parse_location("prefer-in-memory-fallback-filesystem-relative", &error);
  REQUIRE(fallback);
  CHECK(fallback->filesystem_copy);
  CHECK(fallback->location == blob::Location::InMemory);

  for (const char* bad : {"filesystem-relative:../x", "filesystem-relative:/tmp", "filesystem-relative:",
                          "filesystem-relativelib", "on-disk"}) {
    CAPTURE(bad);
    CHECK_FALSE(packager::parse_location(bad, &error));
  }

  packager::Resource module;
  module.relative_path = "lib/app/pkg/mod.py";
  packager::RoutingPolicy policy;
  policy.default_target = *old;
  CHECK(packager::route(policy, module).path == "lib/app/pkg/mod.py");  // the path it has in memory
}

TEST_CASE("extension module names: any name import reaches with an interpreter tag") {
  CHECK(packager::extension_module_stem("65cd21382c5717f91ee0__mypyc.cpython-311-x86_64-linux-gnu.so") ==
        "65cd21382c5717f91ee0__mypyc");
  CHECK(packager::extension_module_stem("_speedups.abi3.so") == "_speedups");
  CHECK(packager::extension_module_stem("_c.so") == "_c");
  CHECK(packager::extension_module_stem("libfoo-2.so").empty());  // a library, not a module
  CHECK(packager::extension_module_stem("a.b.cpython-311-x86_64-linux-gnu.so").empty());
}

TEST_CASE("one name, several files: package, then extension module, then source, as FileFinder") {
  const std::string so = ".cpython-311-x86_64-linux-gnu.so";
  const auto resources = packager::classify_tree(
      tree_of({{"py.py", "shim"},
               {"py/__init__.py", "package"},
               {"mypy/__init__.py", "source init"},
               {"mypy/__init__" + so, "ELF init"},
               {"mypy/build.py", "source"},
               {"mypy/build" + so, "ELF"},
               {"65cd__mypyc" + so, "ELF helper"}}),
      packager::ClassifyOptions{});
  const auto* py = find(resources, blob::Kind::Module, "py");
  REQUIRE(py);
  CHECK(py->relative_path == "py/__init__.py");
  CHECK_FALSE(find(resources, blob::Kind::Resource, "py.py"));  // at the top level: no package keeps it

  const auto* mypy = find(resources, blob::Kind::Extension, "mypy");
  REQUIRE(mypy);
  CHECK((mypy->flags & blob::kFlagPackage) != 0);
  CHECK_FALSE(find(resources, blob::Kind::Module, "mypy"));
  CHECK(find(resources, blob::Kind::Extension, "mypy.build"));
  CHECK_FALSE(find(resources, blob::Kind::Module, "mypy.build"));
  // The sources that lose stay files of their package, as on disk.
  const auto* source = find(resources, blob::Kind::Resource, "mypy/build.py");
  REQUIRE(source);
  CHECK(source->routing_name == "mypy");
  CHECK(find(resources, blob::Kind::Resource, "mypy/__init__.py"));
  CHECK(find(resources, blob::Kind::Extension, "65cd__mypyc"));
}

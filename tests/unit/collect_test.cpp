// Unit tests for collecting (packager/collect): a tree of files on disk (listing, what is
// skipped), its classification into resources at their place in the installation, the stdlib
// and the app's trees together (shadowing, clashes), and distributions' metadata.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "packager/collect/collect.h"
#include "packager/collect/distributions.h"
#include "packager/collect/file_tree.h"
#include "packager/collect/namespace_pth.h"
#include "packager/support/user_error.h"
#include "temp_dir.h"

namespace packager = freeze::packager;
namespace blob = freeze::blob;
using freeze::testing::TempDir;

namespace {

const std::string kSo = ".cpython-311-x86_64-linux-gnu.so";

const packager::Resource* find(const std::vector<packager::Resource>& resources, blob::Kind kind, const std::string& name) {
  const auto it = std::find_if(resources.begin(), resources.end(),
                               [&](const packager::Resource& r) { return r.kind == kind && r.name == name; });
  return it == resources.end() ? nullptr : &*it;
}

// A small stdlib: enough for collect_resources(), which always takes encodings.
void write_stdlib(const TempDir& dir) {
  dir.write("stdlib/os.py", "import sys\n");
  dir.write("stdlib/encodings/__init__.py", "");
  dir.write("stdlib/encodings/utf_8.py", "");
  dir.write("stdlib/json/__init__.py", "");
  dir.write("stdlib/sitecustomize.py", "");  // never embedded
  dir.write("stdlib/lib-dynload/_json" + kSo, "ELF");
}

}  // namespace

TEST_CASE("tree_from_directory: lists files below the root, without __pycache__, *.pyc, hidden entries or skipped directories") {
  TempDir dir;
  dir.write("root/pkg/__init__.py", "");
  dir.write("root/pkg/__pycache__/x.cpython-311.pyc", "");
  dir.write("root/pkg/stale.pyc", "");
  dir.write("root/.git/config", "");
  dir.write("root/dist/app", "");
  dir.write("root/other.py", "");
  const auto tree = packager::tree_from_directory(dir / "root", std::nullopt, {dir / "root/dist"});
  std::vector<std::string> paths;
  for (const auto& [path, file] : tree) paths.push_back(path);
  CHECK(paths == std::vector<std::string>{"other.py", "pkg/__init__.py"});
  CHECK(tree.at("other.py").read().empty());

  const auto only_pkg = packager::tree_from_directory(dir / "root", std::set<std::string>{"pkg"});
  CHECK(only_pkg.size() == 1);
  CHECK(only_pkg.contains("pkg/__init__.py"));
}

TEST_CASE("classify_tree: modules, packages, namespace packages, package data and extension modules") {
  TempDir dir;
  dir.write("app/pkg/__init__.py", "x = 1\n");
  dir.write("app/pkg/mod.py", "");
  dir.write("app/pkg/data/words.txt", "words");
  dir.write("app/pkg/_speedups" + kSo, "ELF");
  dir.write("app/ns/sub/__init__.py", "");
  dir.write("app/tool.py", "");
  dir.write("app/README.txt", "not in a package");
  const auto resources = packager::classify_tree(packager::tree_from_directory(dir / "app"), packager::ClassifyOptions{});

  const auto* pkg = find(resources, blob::Kind::Module, "pkg");
  REQUIRE(pkg);
  CHECK(pkg->relative_path == "pkg/__init__.py");
  CHECK((pkg->flags & blob::kFlagPackage) != 0);
  CHECK(pkg->data == "x = 1\n");
  CHECK(find(resources, blob::Kind::Module, "pkg.mod"));
  CHECK(find(resources, blob::Kind::Module, "tool"));
  const auto* data = find(resources, blob::Kind::Resource, "pkg/data/words.txt");
  REQUIRE(data);
  CHECK(data->routing_name == "pkg.data");  // its directory, as [routing] names match it
  CHECK(find(resources, blob::Kind::Extension, "pkg._speedups"));
  const auto* ns = find(resources, blob::Kind::Module, "ns");
  REQUIRE(ns);
  CHECK(ns->namespace_package());
  CHECK(find(resources, blob::Kind::Module, "ns.sub"));
  CHECK_FALSE(find(resources, blob::Kind::Resource, "README.txt"));  // no package keeps it

  packager::ClassifyOptions no_data;
  no_data.data_files = false;
  no_data.exclude = {"pkg.mod"};
  const auto fewer = packager::classify_tree(packager::tree_from_directory(dir / "app"), no_data);
  CHECK_FALSE(find(fewer, blob::Kind::Resource, "pkg/data/words.txt"));
  CHECK_FALSE(find(fewer, blob::Kind::Module, "pkg.mod"));
  CHECK(find(fewer, blob::Kind::Module, "pkg"));
}

TEST_CASE("collect_resources: the stdlib and the app's code, each at its place in the installation") {
  TempDir dir;
  write_stdlib(dir);
  dir.write("app/json/__init__.py", "# the app's own json\n");  // shadows the stdlib's
  dir.write("app/main.py", "");
  dir.write("app/dist/main", "an earlier build");
  packager::AppConfig config;
  config.package_paths = {dir / "app"};
  const auto collection = packager::collect_resources(config, dir / "stdlib", dir / "app/dist");
  const auto& resources = collection.resources;

  const auto* os = find(resources, blob::Kind::Module, "os");
  REQUIRE(os);
  CHECK(os->relative_path == "lib/python3.11/os.py");
  CHECK(os->stdlib());
  const auto* json_ext = find(resources, blob::Kind::Extension, "_json");
  REQUIRE(json_ext);
  CHECK(json_ext->relative_path == "lib/python3.11/lib-dynload/_json" + kSo);
  CHECK_FALSE(find(resources, blob::Kind::Module, "sitecustomize"));
  const auto* main = find(resources, blob::Kind::Module, "main");
  REQUIRE(main);
  CHECK(main->relative_path == "lib/app/main.py");
  CHECK_FALSE(main->stdlib());
  const auto* json = find(resources, blob::Kind::Module, "json");
  REQUIRE(json);
  CHECK(json->relative_path == "lib/app/json/__init__.py");  // the app's tree wins
  CHECK(std::count_if(resources.begin(), resources.end(), [](const auto& r) { return r.name == "json"; }) == 1);
  CHECK(std::none_of(resources.begin(), resources.end(), [](const auto& r) { return r.origin.find("dist") != std::string::npos; }));

  config.stdlib_include = packager::StdlibInclude::None;
  const auto minimal = packager::collect_resources(config, dir / "stdlib", dir / "app/dist").resources;
  CHECK(find(minimal, blob::Kind::Module, "encodings.utf_8"));  // needed to start, whatever [stdlib] says
  CHECK_FALSE(find(minimal, blob::Kind::Module, "os"));
}

TEST_CASE("path_matches: a glob on the path or a directory it lies in, '*' within one component") {
  CHECK(packager::path_matches("data/txt/x.txt", "data"));
  CHECK(packager::path_matches("data/txt/x.txt", "data/txt"));
  CHECK(packager::path_matches("data/txt/x.txt", "data/*/x.txt"));
  CHECK(packager::path_matches("app.conf", "*.conf"));
  CHECK_FALSE(packager::path_matches("etc/app.conf", "*.conf"));
  CHECK_FALSE(packager::path_matches("database/x", "data"));
  CHECK_FALSE(packager::path_matches("dat", "data"));
}

TEST_CASE("collect_resources: [packages] data_files takes files of no package, at their place below lib/app") {
  TempDir dir;
  write_stdlib(dir);
  dir.write("app/tool.py", "");
  dir.write("app/lib/__init__.py", "");
  dir.write("app/data/txt/words.txt", "alpha");
  dir.write("app/tool.conf", "[tool]");
  dir.write("app/docs/index.md", "not asked for");
  packager::AppConfig config;
  config.package_paths = {dir / "app"};
  CHECK_FALSE(find(packager::collect_resources(config, dir / "stdlib", dir / "dist").resources, blob::Kind::Resource,
                   "data/txt/words.txt"));

  config.package_data_files = {"data", "*.conf"};
  const auto resources = packager::collect_resources(config, dir / "stdlib", dir / "dist").resources;
  const auto* words = find(resources, blob::Kind::Resource, "data/txt/words.txt");
  REQUIRE(words);
  CHECK(words->relative_path == "lib/app/data/txt/words.txt");
  CHECK(words->routing_name.empty());  // no package: [routing] names do not match it
  CHECK(words->data == "alpha");
  CHECK(find(resources, blob::Kind::Resource, "tool.conf"));
  CHECK_FALSE(find(resources, blob::Kind::Resource, "docs/index.md"));

  config.package_data_files = {"data", "dcos"};
  CHECK_THROWS_WITH_AS(packager::collect_resources(config, dir / "stdlib", dir / "dist"),
                       doctest::Contains("packages.data_files: 'dcos' matches no file in packages.paths"), packager::UserError);
}

TEST_CASE("collect_resources: the same module from two of the app's trees is an error naming both") {
  TempDir dir;
  write_stdlib(dir);
  dir.write("one/m.py", "");
  dir.write("two/m.py", "");
  packager::AppConfig config;
  config.package_paths = {dir / "one", dir / "two"};
  try {
    packager::collect_resources(config, dir / "stdlib", dir / "dist");
    FAIL("no error");
  } catch (const packager::UserError& error) {
    const std::string message = error.what();
    CHECK(message.find("1 resource(s) are provided twice") != std::string::npos);
    CHECK(message.find("module 'm'") != std::string::npos);
  }
}

TEST_CASE("collect_resources: a site_packages entry brings its distribution's metadata and .libs; a missing name is an error") {
  TempDir dir;
  write_stdlib(dir);
  dir.write("site/lib_a/__init__.py", "");
  dir.write("site/lib_a-1.0.dist-info/METADATA", "Name: lib-a\nVersion: 1.0\n");
  dir.write("site/lib_a-1.0.dist-info/top_level.txt", "lib_a\n");
  dir.write("site/lib_a.libs/libdep-1a2b.so.1", "ELF");
  dir.write("site/other/__init__.py", "");
  packager::AppConfig config;
  config.site_packages = {{dir / "site", {"lib_a"}}};
  const auto collection = packager::collect_resources(config, dir / "stdlib", dir / "dist");
  const auto& resources = collection.resources;
  const auto* module = find(resources, blob::Kind::Module, "lib_a");
  REQUIRE(module);
  CHECK(module->relative_path == "local/lib/python3.11/dist-packages/lib_a/__init__.py");
  const auto* metadata = find(resources, blob::Kind::Metadata, "lib_a-1.0.dist-info/METADATA");
  REQUIRE(metadata);
  CHECK(metadata->relative_path == "local/lib/python3.11/dist-packages/lib_a-1.0.dist-info/METADATA");
  CHECK(find(resources, blob::Kind::SharedLibrary, "lib_a.libs/libdep-1a2b.so.1"));
  CHECK_FALSE(find(resources, blob::Kind::Module, "other"));
  REQUIRE(collection.distributions.size() == 1);
  CHECK(collection.distributions[0].name == "lib-a");
  CHECK(collection.distributions[0].top_level == std::set<std::string>{"lib_a"});

  config.site_packages = {{dir / "site", {"missing"}}};
  CHECK_THROWS_WITH_AS(packager::collect_resources(config, dir / "stdlib", dir / "dist"),
                       doctest::Contains("'missing' not found in"), packager::UserError);
}

TEST_CASE("collect_resources: [packages] exclude leaves out modules, extensions and package data below a name or glob") {
  TempDir dir;
  write_stdlib(dir);
  dir.write("app/tool/__init__.py", "");
  dir.write("app/tool/cli.py", "");
  dir.write("app/tool/tests/__init__.py", "");
  dir.write("app/tool/tests/test_cli.py", "");
  dir.write("app/tool/tests/data/case.txt", "x");
  dir.write("app/tool/dropin.py", "");
  dir.write("site/lib_a/__init__.py", "");
  dir.write("site/lib_a/tests/__init__.py", "");
  dir.write("site/lib_a/_speed" + kSo, "ELF");
  dir.write("site/lib_a-1.0.dist-info/METADATA", "Name: lib-a\nVersion: 1.0\n");
  dir.write("site/lib_a-1.0.dist-info/top_level.txt", "lib_a\n");
  dir.write("stdlib/json/tests/__init__.py", "");  // the stdlib's own: [stdlib] exclude decides
  packager::AppConfig config;
  config.package_paths = {dir / "app"};
  config.site_packages = {{dir / "site", {"lib_a"}}};
  config.packages_exclude = {"*.tests", "tool.dropin", "lib_a._speed"};
  const auto resources = packager::collect_resources(config, dir / "stdlib", dir / "dist").resources;
  CHECK(find(resources, blob::Kind::Module, "tool.cli"));
  CHECK(find(resources, blob::Kind::Module, "lib_a"));
  CHECK(find(resources, blob::Kind::Metadata, "lib_a-1.0.dist-info/METADATA"));
  CHECK(find(resources, blob::Kind::Module, "json.tests"));
  for (const char* gone : {"tool.tests", "tool.tests.test_cli", "tool.dropin", "lib_a.tests"}) {
    CHECK_MESSAGE(!find(resources, blob::Kind::Module, gone), gone);
  }
  CHECK_FALSE(find(resources, blob::Kind::Resource, "tool/tests/data/case.txt"));
  CHECK_FALSE(find(resources, blob::Kind::Extension, "lib_a._speed"));
}

TEST_CASE("namespace_pth: the packages a -nspkg.pth declares are namespace packages, their __init__.py never run") {
  // What setuptools writes for zope and for a nested jaraco.text (one line per level).
  const std::string zope =
      "import sys, types, os;has_mfs = sys.version_info > (3, 5);p = os.path.join(sys._getframe(1).f_locals['sitedir'], "
      "*('zope',));importlib = has_mfs and __import__('importlib.util');m = m or sys.modules.setdefault('zope', "
      "types.ModuleType('zope'));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)\n";
  CHECK(packager::pth_namespace_packages(zope) == std::set<std::string>{"zope"});
  const std::string nested = "import sys, types, os;p = os.path.join(sitedir, *('jaraco',));mp = 1\n"
                             "import sys, types, os;p = os.path.join(sitedir, *('jaraco', 'text'));mp = 1\n";
  CHECK(packager::pth_namespace_packages(nested) == std::set<std::string>{"jaraco", "jaraco.text"});
  CHECK(packager::pth_namespace_packages("/opt/lib\nimport os; f(*('a b',))\n# *('x',)\n").empty());
  CHECK(packager::is_namespace_pth("zope.interface-5.5.2-nspkg.pth"));
  CHECK_FALSE(packager::is_namespace_pth("distutils-precedence.pth"));

  TempDir dir;
  write_stdlib(dir);
  dir.write("site/zope/__init__.py", "__import__('pkg_resources').declare_namespace(__name__)\n");
  dir.write("site/zope/interface/__init__.py", "");
  dir.write("site/zope.interface-5.5.2-nspkg.pth", zope);
  dir.write("site/plain/__init__.py", "");
  packager::AppConfig config;
  config.site_packages = {{dir / "site", {"zope", "plain"}}};
  const auto resources = packager::collect_resources(config, dir / "stdlib", dir / "dist").resources;
  const auto* zope_package = find(resources, blob::Kind::Module, "zope");
  REQUIRE(zope_package);
  CHECK(zope_package->namespace_package());
  REQUIRE(find(resources, blob::Kind::Module, "zope.interface"));
  CHECK_FALSE(find(resources, blob::Kind::Module, "zope.interface")->namespace_package());
  REQUIRE(find(resources, blob::Kind::Module, "plain"));
  CHECK_FALSE(find(resources, blob::Kind::Module, "plain")->namespace_package());
}

TEST_CASE("distributions: without top_level.txt, every top-level name RECORD lists, routed by the one named like it") {
  // black 23 (hatchling): _black_version.py, black/, blackd/ and scripts outside the site directory.
  const auto file = [](const std::string& text) { return packager::TreeFile{{}, text, "test", 0644}; };
  packager::FileTree tree;
  tree["black-23.1.0.dist-info/METADATA"] = file("Name: black\nVersion: 23.1.0\n");
  tree["black-23.1.0.dist-info/RECORD"] = file(
      "../../../bin/black,sha256=x,220\n_black_version.py,,\n__pycache__/_black_version.cpython-311.pyc,,\n"
      "black/__init__.py,,\nblackd/__init__.py,,\nblack-23.1.0.dist-info/RECORD,,\n");
  const auto distributions = packager::find_distributions(tree);
  REQUIRE(distributions.size() == 1);
  CHECK(distributions[0].top_level == std::set<std::string>{"_black_version", "black", "blackd"});
  const auto metadata = packager::metadata_resources(tree, distributions[0]);
  REQUIRE_FALSE(metadata.empty());
  CHECK(metadata[0].routing_name == "black");
}

TEST_CASE("distributions: Debian's stray top_level.txt names stay with the distribution that installs them") {
  const auto file = [](const std::string& text) { return packager::TreeFile{{}, text, "test", 0644}; };
  packager::FileTree tree;
  const auto distribution = [&](const std::string& directory, const std::string& name, const std::string& tops) {
    tree[directory + (directory.ends_with(".egg-info") ? "/PKG-INFO" : "/METADATA")] = file("Name: " + name + "\nVersion: 1\n");
    tree[directory + "/top_level.txt"] = file(tops);
  };
  distribution("python_debian-0.1.49.egg-info", "python-debian", "deb822\ndebian\ndebian_bundle\n");
  // No RECORD: "debian" goes, since python-debian is named like it and they have names of their own.
  distribution("setuptools-66.1.1.egg-info", "setuptools", "_distutils_hack\ndebian\npkg_resources\nsetuptools\n");
  distribution("jaraco.classes-3.2.1.egg-info", "jaraco.classes", "debian\njaraco\n");
  distribution("jaraco.text-3.11.egg-info", "jaraco.text", "jaraco\n");  // a namespace package, shared
  // RECORD says what was installed.
  distribution("keyring-23.9.3.dist-info", "keyring", "debian\nkeyring\n");
  tree["keyring-23.9.3.dist-info/RECORD"] = file("keyring/__init__.py,,\nkeyring-23.9.3.dist-info/RECORD,,\n");
  // Shared, and named like neither: protobuf keeps the namespace package it has no other name than.
  distribution("protobuf-3.21.dist-info", "protobuf", "google\n");
  distribution("googleapis_common_protos-1.5.dist-info", "googleapis-common-protos", "google\n");

  std::map<std::string, std::set<std::string>> tops;
  for (const auto& found : packager::find_distributions(tree)) tops[found.name] = found.top_level;
  CHECK(tops["python-debian"] == std::set<std::string>{"deb822", "debian", "debian_bundle"});
  CHECK(tops["setuptools"] == std::set<std::string>{"_distutils_hack", "pkg_resources", "setuptools"});
  CHECK(tops["jaraco.classes"] == std::set<std::string>{"jaraco"});
  CHECK(tops["jaraco.text"] == std::set<std::string>{"jaraco"});
  CHECK(tops["keyring"] == std::set<std::string>{"keyring"});
  CHECK(tops["protobuf"] == std::set<std::string>{"google"});
  CHECK(tops["googleapis-common-protos"] == std::set<std::string>{"google"});
}

TEST_CASE("distributions: name, version, the requirements that apply here, top-level names and .libs from RECORD") {
  const auto file = [](const std::string& text) { return packager::TreeFile{{}, text, "test", 0644}; };
  packager::FileTree tree;
  tree["Foo_Bar-1.0.dist-info/METADATA"] = file(
      "Name: Foo_Bar\nVersion: 1.0\nRequires-Dist: Some.Thing (>=1)\n"
      "Requires-Dist: pywin32; sys_platform == \"win32\"\n");
  tree["Foo_Bar-1.0.dist-info/RECORD"] = file("foo/__init__.py,,\nfoo.libs/libz-1a.so.1,,\nFoo_Bar-1.0.dist-info/RECORD,,\n");
  tree["foo/__init__.py"] = file("");
  tree["foo.libs/libz-1a.so.1"] = file("ELF");
  tree["legacy-2.0.egg-info"] = file("Metadata-Version: 1.1\nName: legacy\nVersion: 2.0\n");  // Debian's single file
  tree["Mark_Down-3.4.egg-info/PKG-INFO"] = file("Name: Mark-Down\nVersion: 3.4\n");
  tree["Mark_Down-3.4.egg-info/requires.txt"] = file("base>=1\n[:python_version >= \"3.0\"]\nnewer\n[extra]\nnever\n");

  const auto distributions = packager::find_distributions(tree);
  REQUIRE(distributions.size() == 3);
  const auto& foo = distributions[0];
  // Without top_level.txt or RECORD, its module is named like it, as spelt, normalised or squeezed; the
  // requirements of requires.txt's sections that apply, with their section's marker.
  const auto& markdown = distributions[1];
  CHECK(markdown.top_level == std::set<std::string>{"Mark_Down", "mark_down", "markdown"});
  CHECK(markdown.requires_dist == std::vector<std::string>{"base", "newer"});
  CHECK(markdown.requirements == std::vector<std::string>{"base>=1", "newer ; python_version >= \"3.0\""});
  CHECK(foo.directory == "Foo_Bar-1.0.dist-info");
  CHECK(foo.name == "Foo_Bar");
  CHECK(foo.version == "1.0");
  CHECK(foo.requires_dist == std::vector<std::string>{"some-thing"});  // normalised; not pywin32 on Linux
  CHECK(foo.requirements == std::vector<std::string>{"Some.Thing (>=1)"});  // as written
  CHECK(foo.top_level == std::set<std::string>{"foo"});
  CHECK(foo.library_dirs == std::set<std::string>{"foo.libs"});
  CHECK(packager::normalize_distribution_name("Foo_Bar") == "foo-bar");

  const auto metadata = packager::metadata_resources(tree, foo);
  REQUIRE(metadata.size() == 2);
  CHECK(metadata[0].kind == blob::Kind::Metadata);
  CHECK(metadata[0].name == "Foo_Bar-1.0.dist-info/METADATA");
  CHECK(metadata[0].routing_name == "foo");
  const auto libraries = packager::shared_library_resources(tree, foo.library_dirs);
  REQUIRE(libraries.size() == 1);
  CHECK(libraries[0].routing_name == "foo");

  const auto& legacy = distributions[2];
  CHECK(legacy.name == "legacy");
  CHECK(legacy.top_level == std::set<std::string>{"legacy"});  // no top_level.txt, no RECORD: named like it
  const auto legacy_metadata = packager::metadata_resources(tree, legacy);
  REQUIRE(legacy_metadata.size() == 1);
  CHECK(legacy_metadata[0].name == "legacy-2.0.egg-info/PKG-INFO");
}

// Unit tests for the laying-out stage (packager/build/layout) and the output directory
// (packager/build/output_tree): what a routed, compiled resource becomes in the blob and beside
// the executable, and how a build's output replaces the previous one.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <vector>

#include "format/launch_settings.h"
#include "format/library_list.h"
#include "packager/build/compile.h"
#include "packager/build/build_python.h"
#include "packager/build/layout.h"
#include "packager/build/output_tree.h"
#include "packager/build/routing.h"
#include "packager/support/user_error.h"
#include "temp_dir.h"

namespace packager = freeze::packager;
namespace blob = freeze::blob;
namespace fs = std::filesystem;
using freeze::testing::TempDir;

namespace {

packager::Resource module(const std::string& name, const std::string& path, const std::string& source,
                          std::uint8_t flags = 0) {
  packager::Resource r;
  r.kind = blob::Kind::Module;
  r.name = r.routing_name = name;
  r.relative_path = path;
  r.origin = "test";
  r.data = source;
  r.flags = flags;
  return r;
}

packager::RoutingPolicy policy(const std::string& default_location, const std::string& filesystem_name = "") {
  std::string error;
  packager::RoutingPolicy p;
  p.default_target = *packager::parse_location(default_location, &error);
  if (!filesystem_name.empty()) {
    packager::RoutingRule rule;
    rule.names = {filesystem_name};
    rule.target = *packager::parse_location("filesystem-relative", &error);
    p.rules.push_back(rule);
  }
  return p;
}

const packager::BlobItem* item(const packager::Layout& layout, const std::string& name) {
  const auto it = std::find_if(layout.items.begin(), layout.items.end(), [&](const auto& i) { return i.name == name; });
  return it == layout.items.end() ? nullptr : &*it;
}

const packager::OutputFile* file(const packager::Layout& layout, const std::string& path) {
  const auto it = std::find_if(layout.files.begin(), layout.files.end(), [&](const auto& f) { return f.path == path; });
  return it == layout.files.end() ? nullptr : &*it;
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("lay_out: in memory, bytecode and source in the blob; on the filesystem, the source and a checked .pyc") {
  packager::BuildPython& python = packager::BuildPython::instance();
  packager::AppConfig config;
  config.name = "app";
  config.entry_module = "memory";
  std::vector<packager::Resource> resources = {
      module("memory", "lib/app/memory.py", "x = 1\n"),
      module("disk", "lib/app/disk.py", "y = 2\n"),
      module("ns", "lib/app/ns", "", blob::kFlagNamespace | blob::kFlagPackage),
      module("bad_memory", "lib/python3.11/bad_memory.py", "def (\n", blob::kFlagStdlib),
      module("bad_disk", "lib/python3.11/bad_disk.py", "def (\n", blob::kFlagStdlib),
  };
  packager::Resource extension;
  extension.kind = blob::Kind::Extension;
  extension.name = extension.routing_name = "_native";
  extension.relative_path = "lib/app/_native.so";
  extension.data = "ELF bytes";
  extension.needed_libraries = {"pkg.libs/liba.so", "pkg.libs/libb.so"};
  resources.push_back(extension);

  auto routing = policy("prefer-in-memory-fallback-filesystem-relative", "disk");
  routing.rules.push_back(routing.rules[0]);
  routing.rules.back().names = {"bad_disk"};
  packager::route_resources(routing, config.name, resources);
  packager::compile_modules(resources, config.optimize, python);  // the stdlib's bad modules pass, uncompiled
  CHECK_FALSE(resources[3].compiled);
  const packager::Layout layout = packager::lay_out(resources, config, python);

  CHECK(layout.module_count == 5);
  CHECK(layout.items.size() == resources.size() + 1);  // and the settings
  const auto* memory = item(layout, "memory");
  REQUIRE(memory);
  CHECK(memory->location == blob::Location::InMemory);
  CHECK(memory->path == "lib/app/memory.py");
  REQUIRE(memory->data);
  CHECK(!memory->data->empty());
  CHECK(memory->source == std::optional<std::string>("x = 1\n"));
  CHECK_FALSE(file(layout, "lib/app/memory.py"));  // a module gets no fallback copy

  const auto* disk = item(layout, "disk");
  REQUIRE(disk);
  CHECK(disk->location == blob::Location::FilesystemRelative);
  CHECK_FALSE(disk->data);
  CHECK_FALSE(disk->source);
  const auto* source = file(layout, "lib/app/disk.py");
  REQUIRE(source);
  CHECK(source->data == "y = 2\n");
  const auto* pyc = file(layout, "lib/app/__pycache__/disk." + python.cache_tag() + ".pyc");
  REQUIRE(pyc);
  CHECK(pyc->data.substr(0, 4) == python.magic_number());
  CHECK(pyc->data.substr(4, 4) == std::string("\x03\0\0\0", 4));  // checked hash-based (PEP 552)
  CHECK(pyc->data.substr(8, 8) == python.source_hash("y = 2\n"));

  const auto* ns = item(layout, "ns");
  REQUIRE(ns);
  CHECK(ns->path == "lib/app/ns");
  CHECK_FALSE(ns->data);

  const auto* bad_memory = item(layout, "bad_memory");
  REQUIRE(bad_memory);
  CHECK_FALSE(bad_memory->data);
  CHECK(bad_memory->source == std::optional<std::string>("def (\n"));  // the importer raises the SyntaxError
  CHECK(file(layout, "lib/python3.11/bad_disk.py"));
  CHECK(std::none_of(layout.files.begin(), layout.files.end(),
                     [](const auto& f) { return f.path.find("bad_disk.cpython") != std::string::npos; }));

  const auto* native = item(layout, "_native");
  REQUIRE(native);
  CHECK((native->flags & blob::kFlagFilesystemCopy) != 0);
  CHECK(native->data == std::optional<std::string>("ELF bytes"));
  CHECK(native->needed_libraries == std::vector<std::string>{"pkg.libs/liba.so", "pkg.libs/libb.so"});
  CHECK(blob::encode_library_list(native->needed_libraries) == "pkg.libs/liba.so\npkg.libs/libb.so");  // its aux span
  const auto* copy = file(layout, "lib/app/_native.so");
  REQUIRE(copy);
  CHECK(copy->data == "ELF bytes");

  const auto* settings = item(layout, std::string(blob::kSettingsEntryName));
  REQUIRE(settings);
  CHECK(settings->kind == blob::Kind::Settings);
  CHECK(blob::decode_settings(*settings->data).at(std::string(blob::keys::kEntryModule)) == "memory");
}

TEST_CASE("compile_modules: the app's module that does not compile is an error naming it") {
  std::vector<packager::Resource> resources = {module("broken", "lib/app/broken.py", "def (\n")};
  resources[0].origin = "/src/broken.py";
  CHECK_THROWS_WITH_AS(packager::compile_modules(resources, 0, packager::BuildPython::instance()), doctest::Contains("1 module(s) do not compile:\n  /src/broken.py: "),
                       packager::UserError);
}

TEST_CASE("write_output: an executable alone is one file; with files, a build directory that the name links into") {
  TempDir dir;
  const fs::path out = dir / "dist";
  packager::write_output(out, "app", {"launcher", "blob"}, {});
  CHECK(fs::is_regular_file(fs::symlink_status(out / "app")));
  CHECK(read(out / "app") == "launcherblob");
  CHECK((fs::status(out / "app").permissions() & fs::perms::owner_exec) != fs::perms::none);

  packager::write_output(out, "app", {"v2"}, {{"lib/app/pkg/data.txt", "data", 0644}, {"lib/app/pkg/_c.so", "ELF", 0644}});
  REQUIRE(fs::is_symlink(out / "app"));
  const fs::path first_build = fs::read_symlink(out / "app").parent_path();
  CHECK(first_build.string().starts_with(".app.freeze-"));
  CHECK(read(out / "app") == "v2");
  CHECK(read(out / first_build / "lib/app/pkg/data.txt") == "data");
  CHECK((fs::status(out / first_build / "lib/app/pkg/_c.so").permissions() & fs::perms::owner_exec) != fs::perms::none);

  dir.write("dist/.app.tmp-abc123", "left by a killed build");
  dir.write("dist/notes.txt", "the user's");
  packager::write_output(out, "app", {"v3"}, {{"lib/app/x.txt", "x", 0644}});
  const fs::path second_build = fs::read_symlink(out / "app").parent_path();
  CHECK(second_build != first_build);
  CHECK_FALSE(fs::exists(out / first_build));        // the previous build's directory
  CHECK_FALSE(fs::exists(out / ".app.tmp-abc123"));  // a stray of this app
  CHECK(fs::exists(out / "notes.txt"));              // nothing else
  CHECK(read(out / "app") == "v3");

  packager::write_output(out, "app", {"v4"}, {});
  CHECK(fs::is_regular_file(fs::symlink_status(out / "app")));
  CHECK_FALSE(fs::exists(out / second_build));
}

TEST_CASE("write_output: refuses files outside the output directory or over the executable") {
  TempDir dir;
  CHECK_THROWS_WITH_AS(packager::write_output(dir / "dist", "app", {"x"}, {{"../escape", "", 0644}}),
                       doctest::Contains("refusing to write ../escape outside"), packager::UserError);
  CHECK_THROWS_WITH_AS(packager::write_output(dir / "dist", "app", {"x"}, {{"app/x", "", 0644}}),
                       doctest::Contains("over the executable or freeze's own files"), packager::UserError);
  CHECK_FALSE(fs::exists(dir / "escape"));
}

// Unit tests for freezing for another CPython version than the packager's own: what the version
// alone decides (cache tag, extension suffixes, installation directories, environment markers,
// wheel tags), and collecting for it (lib/python3.13/..., cpython-313 extension modules).
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "importer/install_layout.h"
#include "packager/build/build_python.h"
#include "packager/build/compile.h"
#include "packager/build/layout.h"
#include "packager/collect/collect.h"
#include "packager/collect/file_tree.h"
#include "packager/collect/wheel.h"
#include "packager/config/environment_markers.h"
#include "packager/config/python_version.h"
#include "packager/support/user_error.h"
#include "temp_dir.h"

namespace packager = freeze::packager;
namespace layout = freeze::layout;
namespace blob = freeze::blob;
using freeze::testing::TempDir;
using packager::PythonVersion;

namespace {

const PythonVersion kPython313 = *PythonVersion::parse("3.13.5");

bool has(const std::vector<packager::Resource>& resources, blob::Kind kind, const std::string& name,
         const std::string& path) {
  return std::any_of(resources.begin(), resources.end(),
                     [&](const auto& r) { return r.kind == kind && r.name == name && r.relative_path == path; });
}

}  // namespace

TEST_CASE("PythonVersion: parsed from a version string; what follows from it") {
  CHECK(kPython313.major == 3);
  CHECK(kPython313.minor == 13);
  CHECK(kPython313.full == "3.13.5");
  CHECK(kPython313.short_version() == "3.13");
  CHECK(kPython313.cache_tag() == "cpython-313");
  CHECK(kPython313.lib_name() == "python3.13");
  CHECK(kPython313.extension_suffixes().front() == ".cpython-313-x86_64-linux-gnu.so");
  CHECK(PythonVersion::parse("3.15")->minor == 15);
  CHECK(PythonVersion::parse("3.14.0rc1")->minor == 14);
  CHECK_FALSE(PythonVersion::parse("3").has_value());
  CHECK_FALSE(PythonVersion::parse("three.x").has_value());
  CHECK_FALSE(PythonVersion::parse("3.x").has_value());
}

TEST_CASE("version_dirs: for the version built against, the launcher's own constants") {
  const auto dirs = layout::version_dirs(PythonVersion::embedded().lib_name());
  CHECK(dirs.stdlib == layout::kStdlibDir);
  CHECK(dirs.dynload == layout::kDynloadDir);
  CHECK(dirs.third_party == layout::kThirdPartyDir);
  CHECK(layout::version_dirs("python3.13").third_party == "local/lib/python3.13/dist-packages");
}

TEST_CASE("environment markers and wheel tags are those of the target version") {
  CHECK(packager::evaluate_marker("python_version >= '3.12'", kPython313) == true);
  CHECK(packager::evaluate_marker("python_version >= '3.12'", PythonVersion::embedded()) == (PythonVersion::embedded().minor >= 12));
  CHECK(packager::evaluate_marker("python_full_version == '3.13.5'", kPython313) == true);

  packager::Wheel wheel;
  wheel.file = "native-1.0-cp313-cp313-manylinux_2_17_x86_64.whl";
  wheel.tags = {{"cp313", "cp313", "manylinux_2_17_x86_64"}};
  CHECK(packager::wheel_incompatibility(wheel, packager::interpreter_tags(kPython313)).empty());
  wheel.tags = {{"cp311", "cp311", "manylinux_2_17_x86_64"}};
  CHECK_FALSE(packager::wheel_incompatibility(wheel, packager::interpreter_tags(kPython313)).empty());
}

TEST_CASE("extension modules are recognised by the target version's tag only") {
  CHECK(packager::extension_module_stem("_speedups.cpython-313-x86_64-linux-gnu.so", kPython313) == "_speedups");
  CHECK(packager::extension_module_stem("_speedups.cpython-311-x86_64-linux-gnu.so", kPython313).empty());
  CHECK(packager::extension_module_stem("_speedups.abi3.so", kPython313) == "_speedups");
}

TEST_CASE("collect_resources for 3.13: the trees placed in lib/python3.13, its tagged extension modules found") {
  TempDir dir;
  dir.write("stdlib/os.py", "");
  dir.write("stdlib/encodings/__init__.py", "");
  dir.write("stdlib/lib-dynload/_json.cpython-313-x86_64-linux-gnu.so", "ELF");
  dir.write("site/fast.cpython-313-x86_64-linux-gnu.so", "ELF");
  dir.write("site/fast-1.0.dist-info/METADATA", "Name: fast\nVersion: 1.0\nRequires-Dist: tomli; python_version < '3.11'\n");
  dir.write("site/fast-1.0.dist-info/RECORD", "fast.cpython-313-x86_64-linux-gnu.so,,\n");
  packager::AppConfig config;
  config.site_packages = {{dir / "site", {"fast"}}};
  const auto collection = packager::collect_resources(config, dir / "stdlib", dir / "dist", kPython313);
  const auto& resources = collection.resources;
  CHECK(has(resources, blob::Kind::Module, "os", "lib/python3.13/os.py"));
  CHECK(has(resources, blob::Kind::Extension, "_json", "lib/python3.13/lib-dynload/_json.cpython-313-x86_64-linux-gnu.so"));
  CHECK(has(resources, blob::Kind::Extension, "fast", "local/lib/python3.13/dist-packages/fast.cpython-313-x86_64-linux-gnu.so"));
  REQUIRE(collection.distributions.size() == 1);
  CHECK(collection.distributions[0].top_level == std::set<std::string>{"fast"});
  CHECK(collection.distributions[0].requires_dist.empty());  // tomli only below 3.11
}

TEST_CASE("collect_resources for 3.13: a site_packages of another version is an error naming its modules") {
  TempDir dir;
  dir.write("stdlib/encodings/__init__.py", "");
  dir.write("site/yaml/__init__.py", "");
  dir.write("site/yaml/_yaml.cpython-311-x86_64-linux-gnu.so", "ELF");
  packager::AppConfig config;
  config.site_packages = {{dir / "site", {"yaml"}}};
  CHECK_THROWS_WITH_AS(packager::collect_resources(config, dir / "stdlib", dir / "dist", kPython313),
                       doctest::Contains("built only for another CPython than 3.13, which the app is frozen for: "
                                         "yaml/_yaml.cpython-311-x86_64-linux-gnu.so; use a site-packages (a venv) of python3.13"),
                       packager::UserError);
  // A top-level extension module installed for another version only: named as such, not "not found".
  config.site_packages = {{dir / "site", {"_cffi_backend"}}};
  dir.write("site/_cffi_backend.cpython-311-x86_64-linux-gnu.so", "ELF");
  CHECK_THROWS_WITH_AS(packager::collect_resources(config, dir / "stdlib", dir / "dist", kPython313),
                       doctest::Contains("another CPython than 3.13, which the app is frozen for: "
                                         "_cffi_backend.cpython-311-x86_64-linux-gnu.so; use"),
                       packager::UserError);
  config.site_packages = {{dir / "site", {"yaml"}}};
  // Debian during a transition: both versions' copies side by side. The target's is taken, the
  // other left out.
  dir.write("site/yaml/_yaml.cpython-313-x86_64-linux-gnu.so", "ELF");
  const auto resources = packager::collect_resources(config, dir / "stdlib", dir / "dist", kPython313).resources;
  CHECK(has(resources, blob::Kind::Extension, "yaml._yaml",
            "local/lib/python3.13/dist-packages/yaml/_yaml.cpython-313-x86_64-linux-gnu.so"));
  CHECK(std::none_of(resources.begin(), resources.end(),
                     [](const auto& r) { return r.relative_path.find("cpython-311") != std::string::npos; }));
}

TEST_CASE("collect_resources for 3.13: a mypyc-compiled package of another version falls back to its .py files") {
  TempDir dir;
  dir.write("stdlib/encodings/__init__.py", "");
  dir.write("site/tool/__init__.py", "");
  dir.write("site/tool/__init__.cpython-311-x86_64-linux-gnu.so", "ELF");
  dir.write("site/tool/checker.py", "");
  dir.write("site/tool/checker.cpython-311-x86_64-linux-gnu.so", "ELF");
  dir.write("site/tool/native.abi3.so", "ELF");
  dir.write("site/tool/native.cpython-311-x86_64-linux-gnu.so", "ELF");
  packager::AppConfig config;
  config.site_packages = {{dir / "site", {"tool"}}};
  const auto resources = packager::collect_resources(config, dir / "stdlib", dir / "dist", kPython313).resources;
  CHECK(has(resources, blob::Kind::Module, "tool.checker", "local/lib/python3.13/dist-packages/tool/checker.py"));
  CHECK(has(resources, blob::Kind::Extension, "tool.native", "local/lib/python3.13/dist-packages/tool/native.abi3.so"));
  CHECK(std::none_of(resources.begin(), resources.end(),
                     [](const auto& r) { return r.relative_path.find("cpython-311") != std::string::npos; }));
}

namespace {

// A TargetPython that says it is 3.13 and leaves the work to the embedded interpreter: enough
// for what the layout asks of it for in-memory modules.
class Claims313 final : public packager::TargetPython {
 public:
  packager::CompiledModule compile(const std::string& source, const std::string& filename, int optimize) override {
    return embedded().compile(source, filename, optimize);
  }
  std::string source_hash(const std::string& source) override { return embedded().source_hash(source); }
  std::vector<std::string> imported_names(const std::string& source, const std::string& module, bool is_package,
                                          packager::ImportScope scope, bool stdlib, bool as_main) override {
    return embedded().imported_names(source, module, is_package, scope, stdlib, as_main);
  }
  bool is_frozen(const std::string& module) override { return embedded().is_frozen(module); }
  std::filesystem::path stdlib_dir() const override { return embedded().stdlib_dir(); }
  const PythonVersion& version() const override { return kPython313; }
  std::string magic_number() const override { return embedded().magic_number(); }

 private:
  static packager::BuildPython& embedded() { return packager::BuildPython::instance(); }
};

}  // namespace

TEST_CASE("lay_out for 3.13: modules below its dist-packages are third-party (their own dictionaries)") {
  Claims313 python;
  packager::AppConfig config;
  config.name = "app";
  std::vector<packager::Resource> resources(2);
  const std::vector<std::pair<std::string, std::string>> modules = {
      {"lib_a", "local/lib/python3.13/dist-packages/lib_a/__init__.py"}, {"main", "lib/app/main.py"}};
  for (std::size_t i = 0; i < modules.size(); ++i) {
    resources[i].kind = blob::Kind::Module;
    resources[i].name = resources[i].routing_name = modules[i].first;
    resources[i].relative_path = resources[i].placement.path = modules[i].second;
    resources[i].data = "x = 1\n";
    packager::compile_module(python, resources[i], 0);
  }
  const packager::Layout layout = packager::lay_out(resources, config, python);
  REQUIRE(layout.items.size() == 3);
  CHECK(layout.items[0].third_party);
  CHECK_FALSE(layout.items[1].third_party);
}

// PEP 508 markers as the embedded interpreter (CPython 3.11 on Linux x86_64, no extras) sees
// them, and the entry_points.txt parsing of freeze check's plugin checks.
#include <doctest/doctest.h>

#include "packager/collect/distributions.h"
#include "packager/collect/entry_point_plugins.h"
#include "packager/config/environment_markers.h"

using freeze::packager::compare_versions;
using freeze::packager::evaluate_marker;

TEST_CASE("markers: python versions compare as versions, not strings") {
  CHECK(evaluate_marker("python_version < \"3.8\"") == false);
  CHECK(evaluate_marker("python_version < '3.11'") == false);
  CHECK(evaluate_marker("python_version < \"3.12\"") == true);
  CHECK(evaluate_marker("python_version >= '3.7'") == true);   // "3.11" < "3.7" as strings
  CHECK(evaluate_marker("python_version == '3.11'") == true);
  CHECK(evaluate_marker("python_version == '3.*'") == true);
  CHECK(evaluate_marker("python_version != '3.11.*'") == false);
  CHECK(evaluate_marker("python_full_version >= '3.11.0'") == true);
  CHECK(evaluate_marker("python_full_version < '3.11.0rc1'") == false);
  CHECK(evaluate_marker("python_version ~= '3.9'") == true);
  CHECK(evaluate_marker("'3.8' > python_version") == false);
  CHECK(evaluate_marker(" python_version < \"3.11\"") == false);  // as Requires-Dist has it, after the ';'
}

TEST_CASE("markers: platform, implementation and extras") {
  CHECK(evaluate_marker("sys_platform == 'win32'") == false);
  CHECK(evaluate_marker("sys_platform == \"linux\"") == true);
  CHECK(evaluate_marker("platform_system == 'Windows' or platform_system == 'Darwin'") == false);
  CHECK(evaluate_marker("platform_machine == 'x86_64' and os_name == 'posix'") == true);
  CHECK(evaluate_marker("platform_python_implementation == 'PyPy'") == false);
  CHECK(evaluate_marker("implementation_name == 'cpython'") == true);
  CHECK(evaluate_marker("extra == 'testing'") == false);
  CHECK(evaluate_marker("python_version < '3.8' and implementation_name == 'cpython'") == false);
  CHECK(evaluate_marker("(python_version < '3.8' or sys_platform == 'linux') and extra != 'x'") == true);
  CHECK(evaluate_marker("'linux' in sys_platform") == true);
  CHECK(evaluate_marker("'win' not in sys_platform") == true);
}

TEST_CASE("markers: what does not parse is reported as such") {
  CHECK_FALSE(evaluate_marker("python_version <").has_value());
  CHECK_FALSE(evaluate_marker("nonsense_variable == '1'").has_value());
  CHECK_FALSE(evaluate_marker("(python_version < '3.8'").has_value());
  CHECK_FALSE(evaluate_marker("sys_platform < 'linux'").has_value());
}

TEST_CASE("versions: PEP 440 order") {
  CHECK(compare_versions("3.11.2", "3.8") > 0);
  CHECK(compare_versions("1.0", "1.0.0") == 0);
  CHECK(compare_versions("1.0rc1", "1.0") < 0);
  CHECK(compare_versions("1.0a2", "1.0b1") < 0);
  CHECK(compare_versions("1.0.dev1", "1.0a1") < 0);
  CHECK(compare_versions("1.0.post1", "1.0") > 0);
}

TEST_CASE("entry points: entry_points.txt and plugin groups") {
  const auto parsed = freeze::packager::parse_entry_points(
      "[console_scripts]\nflake8 = flake8.main.cli:main\n\n[flake8.extension]\nC90 = mccabe:McCabeChecker\n"
      "X = pkg.sub : Thing [extra]\n");
  REQUIRE(parsed.size() == 3);
  CHECK(parsed[1].group == "flake8.extension");
  CHECK(parsed[1].name == "C90");
  CHECK(parsed[1].value == "mccabe:McCabeChecker");
  CHECK(parsed[2].value == "pkg.sub:Thing");
  CHECK(parsed[2].module() == "pkg.sub");
  CHECK(parsed[2].top_level() == "pkg");
  const std::set<std::string> tops = {"flake8", "pytest", "py"};
  CHECK(freeze::packager::is_plugin_group_of("flake8.extension", tops));
  CHECK(freeze::packager::is_plugin_group_of("pytest11", tops));
  CHECK_FALSE(freeze::packager::is_plugin_group_of("pygments.lexers", tops));  // "py" then a letter
  CHECK_FALSE(freeze::packager::is_plugin_group_of("console_scripts", tops));
}


TEST_CASE("entry points: console scripts come from the same parser as the plugin groups") {
  freeze::packager::Resource metadata;
  metadata.name = "tool-1.0.dist-info/entry_points.txt";
  metadata.data = "# generated\n[console_scripts]\ntool = tool.cli : main [color]\n; a comment\n[gui_scripts]\ntool-gui = tool.gui:run\n";
  const std::vector<freeze::packager::Resource> resources = {metadata};
  const auto scripts = freeze::packager::console_scripts(resources);
  REQUIRE(scripts.size() == 1);  // gui_scripts are not console scripts
  CHECK(scripts[0].first == "tool");
  CHECK(scripts[0].second == "tool.cli:main");  // as EntryPoint.load() reads it
  CHECK(freeze::packager::find_console_script(resources, "tool") == "tool.cli:main");
  CHECK(freeze::packager::find_console_script(resources, "tool-gui").empty());
}

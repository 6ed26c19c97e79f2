// Unit tests for `freeze check`'s stages that need no executable: reading the checking program's
// reports, what is not imported by default, what is set aside after the run and why, the
// plugin distributions left out, the site_packages suggestion and the verification copy's config.
#include <doctest/doctest.h>

#include <toml++/toml.h>

#include <string>
#include <vector>

#include "packager/commands/check/completion.h"
#include "packager/commands/check/hints.h"
#include "packager/commands/check/plan.h"
#include "packager/commands/check/runner.h"
#include "packager/commands/check/set_aside.h"
#include "packager/commands/check/verification_build.h"
#include "packager/commands/inspect_command.h"
#include "packager/config/app_config.h"
#include "temp_dir.h"

namespace checks = freeze::packager::checks;
using checks::Outcome;
using freeze::testing::TempDir;

namespace {

checks::Item module_item(const std::string& name) {
  checks::Item item;
  item.kind = "module";
  item.name = name;
  item.top_level = name.substr(0, name.find('.'));
  return item;
}

Outcome failed(const std::string& type, const std::string& message, const std::string& missing = "") {
  Outcome outcome;
  outcome.state = Outcome::State::Failed;
  outcome.error_type = type;
  outcome.message = message;
  outcome.missing_module = missing;
  return outcome;
}

// A hint context of a config and an inspection alone; each test sets what it needs.
checks::HintContext bare_context(const freeze::packager::AppConfig& config, const freeze::packager::Inspection& inspection) {
  return {config, inspection, {}, {}, {}, {}, {}, true, true, {}, {}, false, {}, {}};
}

}  // namespace

TEST_CASE("a report line's fields are split at tabs and unescaped") {
  const auto fields = checks::split_report_fields("F\t3\tValueError\tbad\\tvalue\\non two lines\t\\\\x");
  REQUIRE(fields.size() == 5);
  CHECK(fields[0] == "F");
  CHECK(fields[1] == "3");
  CHECK(fields[3] == "bad\tvalue\non two lines");
  CHECK(fields[4] == "\\x");
  CHECK(checks::split_report_fields("E") == std::vector<std::string>{"E"});
  CHECK(checks::split_report_fields("K\t0\t").size() == 3);  // an empty last field is a field
}

TEST_CASE("third-party tests, examples, hooks and setup scripts are not imported by default") {
  CHECK(checks::third_party_test_reason("pkg.tests.test_core") == "the package's own tests");
  CHECK(checks::third_party_test_reason("pkg.test") == "the package's own tests");
  CHECK(checks::third_party_test_reason("borg.testsuite.archiver") == "the package's own tests");
  CHECK(checks::third_party_test_reason("pkg.conftest").find("pytest") != std::string::npos);
  CHECK(checks::third_party_test_reason("pkg._pyinstaller.hook").find("PyInstaller") != std::string::npos);
  CHECK(checks::third_party_test_reason("pkg.setup").find("setup script") != std::string::npos);
  // pytest's file names for tests, as ecdsa ships them (ecdsa/test_der.py)
  CHECK(checks::third_party_test_reason("ecdsa.test_der") == "the package's own tests");
  CHECK(checks::third_party_test_reason("pkg.core_test") == "the package's own tests");
  // A package's own module named like one is imported: only a leaf `setup` below a package is
  // a setup script, and `testing` is not `tests`.
  CHECK(checks::third_party_test_reason("setup").empty());
  CHECK(checks::third_party_test_reason("pkg.setup.core").empty());
  CHECK(checks::third_party_test_reason("pkg.testing").empty());
  CHECK(checks::third_party_test_reason("pkg.contest").empty());
  CHECK(checks::third_party_test_reason("test_tool").empty());  // a top-level module the user names
  CHECK(checks::third_party_test_reason("pkg.test_utils.sub").empty());
  CHECK(checks::third_party_test_reason("pkg.latest").empty());
}

TEST_CASE("the frozen and the plain interpreter's raise sites compare by file name and line") {
  CHECK(checks::frame_site("/opt/app/dist/.x/click/_winconsole.py:12 in <module>") == "_winconsole.py:12 in <module>");
  CHECK(checks::frame_site("mod.py:3 in f") == "mod.py:3 in f");
  CHECK(checks::frame_site("no frame") == "no frame");
  CHECK(checks::without_directories("/opt/app/dist/local/lib/python3.11/dist-packages/x/_c.so: undefined symbol: f") ==
        "_c.so: undefined symbol: f");
  CHECK(checks::without_directories("cannot open '/usr/lib/libz.so.1' (no such file)") ==
        "cannot open 'libz.so.1' (no such file)");
  CHECK(checks::without_directories("No module named 'a.b'") == "No module named 'a.b'");
}

TEST_CASE("a module gone from the standard library of the version frozen for is named as removed") {
  TempDir dir;
  dir.write("stdlib/os.py", "");
  const freeze::packager::AppConfig config;
  const freeze::packager::Inspection inspection;
  checks::HintContext context = bare_context(config, inspection);
  context.stdlib_dir = dir / "stdlib";
  context.debian_python = false;
  context.debian_packages_fit = false;
  const checks::Item item = module_item("webapp.forms");
  const Outcome outcome = failed("ModuleNotFoundError", "No module named 'cgi'", "cgi");

  context.python = *freeze::packager::PythonVersion::parse("3.13.5");
  CHECK(checks::hint_for(item, outcome, context) ==
        "'cgi' was removed from the standard library in Python 3.13, and the app is frozen for 3.13: include a copy "
        "of it published on PyPI, or freeze the app for an older Python ([python] version)");
  context.python = *freeze::packager::PythonVersion::parse("3.12.1");
  CHECK(checks::hint_for(item, failed("ModuleNotFoundError", "No module named 'distutils'", "distutils"), context)
            .starts_with("'distutils' was removed from the standard library in Python 3.12, and the app is frozen for "
                         "3.12: setuptools provides it"));
  // Before its removal, a module missing from the stdlib is not called removed.
  CHECK(checks::hint_for(item, outcome, context).find("removed") == std::string::npos);
}

TEST_CASE("a stdlib module the [stdlib] exclude leaves out: the default list is given back without it") {
  TempDir dir;
  dir.write("stdlib/tkinter/__init__.py", "");
  freeze::packager::AppConfig config;
  config.stdlib_exclude = freeze::packager::default_stdlib_exclude();
  const freeze::packager::Inspection inspection;
  checks::HintContext context = bare_context(config, inspection);
  context.stdlib_dir = dir / "stdlib";
  const Outcome outcome = failed("ModuleNotFoundError", "No module named 'tkinter'", "tkinter");
  const std::string hint = checks::hint_for(module_item("PIL.ImageTk"), outcome, context);
  CHECK(hint.starts_with("'tkinter' is in the standard library, but the default [stdlib] exclude leaves it out"));
  // Pasted into [stdlib], the list keeps the rest of the default and drops tkinter with _tkinter.
  CHECK(hint.ends_with("\n        exclude = [\"test\", \"unittest.test\", \"ctypes.test\", \"distutils.tests\", "
                       "\"lib2to3.tests\", \"idlelib\", \"turtledemo\", \"ensurepip\"]"));
  // A list of the user's own: the pattern to remove from it.
  config.stdlib_exclude = {"test", "tkinter"};
  CHECK(checks::hint_for(module_item("PIL.ImageTk"), outcome, context) ==
        "'tkinter' is in the standard library, but [stdlib] exclude leaves it out (\"tkinter\"): remove it from stdlib.exclude");
}

TEST_CASE("a library loaded by its path: the hint tells a missing file, one needed beside it and a system library apart") {
  const freeze::packager::AppConfig config;
  freeze::packager::Inspection inspection;
  const auto embedded = [](const std::string& path) {
    freeze::packager::InspectedResource entry;
    entry.kind = freeze::blob::Kind::Extension;
    entry.path = path;
    entry.top_level = "fastlib";
    return entry;
  };
  inspection.entries = {embedded("local/lib/python3.11/dist-packages/fastlib/libdep.so"),
                        embedded("local/lib/python3.11/dist-packages/fastlib/_native.abi3.so")};
  checks::HintContext context = bare_context(config, inspection);
  context.exe_dir = "/tmp/check/dist";
  context.package_dirs["/tmp/check/dist/local/lib/python3.11/dist-packages/fastlib"] = {"fastlib", true};
  // From memory: the library it needs beside it ($ORIGIN) is in memory too.
  const Outcome beside = failed("OSError", "libdep.so: cannot open shared object file: No such file or directory");
  std::string hint = checks::hint_for(module_item("fastlib"), beside, context);
  CHECK(hint.starts_with("a library it loads by its path (ctypes.CDLL, dlopen) is loaded from memory, and needs "
                         "libdep.so, which lies beside it in fastlib, in memory too"));
  CHECK(hint.find("name = \"fastlib\"\n        location = \"filesystem-relative\"") != std::string::npos);
  // Its own path: embedded, but no memory file could be made of it; or not embedded at all.
  const Outcome own = failed("OSError", "/tmp/check/dist/local/lib/python3.11/dist-packages/fastlib/_native.abi3.so: "
                                        "cannot open shared object file: No such file or directory");
  hint = checks::hint_for(module_item("fastlib"), own, context);
  CHECK(hint.starts_with("it loads <exe dir>/local/lib/python3.11/dist-packages/fastlib/_native.abi3.so by its path "
                         "(ctypes.CDLL, dlopen), which is embedded, but could not be handed to the dynamic loader"));
  CHECK(hint.find("location = \"filesystem-relative\"") != std::string::npos);
  const Outcome absent = failed("OSError", "/tmp/check/dist/local/lib/python3.11/dist-packages/fastlib/_gen.so: "
                                           "cannot open shared object file: No such file or directory");
  CHECK(checks::hint_for(module_item("fastlib"), absent, context).find("fastlib has no such file") != std::string::npos);
  // A system library: the bundling hint.
  const Outcome system = failed("ImportError", "libgdal.so.32: cannot open shared object file: No such file or directory");
  CHECK(checks::hint_for(module_item("fastlib"), system, context).find("bundle_system_libraries") != std::string::npos);
}

TEST_CASE("a testing helper missing pytest is set aside unless pytest is included") {
  checks::Plan plan;
  plan.items = {module_item("numpy.testing"), module_item("numpy.core")};
  plan.items[0].testing_helper = true;
  plan.items[1].testing_helper = false;
  std::vector<Outcome> outcomes = {failed("ModuleNotFoundError", "No module named 'pytest'", "pytest"),
                                   failed("ModuleNotFoundError", "No module named 'pytest'", "pytest")};
  SUBCASE("pytest not included") {
    checks::set_aside_testing_helpers(plan, outcomes, {"numpy"});
    CHECK(outcomes[0].state == Outcome::State::Skipped);
    CHECK(outcomes[1].state == Outcome::State::Failed);  // not a testing helper: the app's failure
    REQUIRE(plan.skipped.size() == 1);
    CHECK(plan.skipped[0].name == "numpy.testing");
    CHECK(plan.skipped[0].reason.find("pytest") != std::string::npos);
  }
  SUBCASE("pytest included: its failure is real") {
    checks::set_aside_testing_helpers(plan, outcomes, {"numpy", "pytest"});
    CHECK(outcomes[0].state == Outcome::State::Failed);
    CHECK(plan.skipped.empty());
  }
}

TEST_CASE("a stdlib module needing an extension its CPython lacks is set aside, naming it") {
  checks::Plan plan;
  plan.items = {module_item("dbm.gnu"), module_item("sqlite3"), module_item("json")};
  for (auto& item : plan.items) item.stdlib = true;
  // Debian's dbm.gnu raises ImportError again, with more words and no name.
  std::vector<Outcome> outcomes = {
      failed("ImportError", "No module named '_gdbm', please install the python3-gdbm package"),
      failed("ModuleNotFoundError", "No module named '_sqlite3'", "_sqlite3"),
      failed("ModuleNotFoundError", "No module named '_json_speedups'", "_json_speedups")};
  checks::set_aside_missing_extensions(plan, outcomes, {});
  CHECK(outcomes[0].state == Outcome::State::Skipped);
  CHECK(outcomes[1].state == Outcome::State::Skipped);
  CHECK(outcomes[2].state == Outcome::State::Failed);  // not an optional extension of CPython's
  REQUIRE(plan.skipped.size() == 2);
  CHECK(plan.skipped[0].reason == "needs _gdbm, which this CPython is built without (Debian: python3-gdbm)");
  CHECK(plan.skipped[1].reason == "needs _sqlite3, which this CPython is built without");
}

TEST_CASE("each plugin distribution left out is a failure naming its entry points and the fix") {
  checks::Plan plan;
  freeze::packager::InstalledPlugins plugins;
  plugins.site_dir = "/usr/lib/python3/dist-packages";
  plugins.directory = "mccabe-0.7.0.egg-info";
  plugins.name = "mccabe";
  plugins.entry_points = {{"flake8.extension", "C90", "mccabe:McCabeChecker"},
                          {"flake8.report", "x", "mccabe:Other"}};
  plan.absent.push_back(plugins);
  std::vector<Outcome> outcomes;
  checks::add_absent_plugins(plan, outcomes);
  REQUIRE(plan.items.size() == 1);
  REQUIRE(outcomes.size() == 1);
  CHECK(plan.items[0].kind == "plugin");
  CHECK(plan.items[0].top_level == "mccabe");
  CHECK(outcomes[0].state == Outcome::State::Failed);
  CHECK(outcomes[0].message ==
        "mccabe-0.7.0.egg-info declares 2 entry points in flake8.extension, flake8.report (C90 = "
        "mccabe:McCabeChecker, ...): python loads it, the frozen app does not see it");
  CHECK(outcomes[0].hint.find("include = [..., \"mccabe\"]") != std::string::npos);
  CHECK(outcomes[0].hint.find("--exclude mccabe") != std::string::npos);
}

TEST_CASE("a plugin distribution left out that plugs only into a dependency's group is optional, not a failure") {
  checks::Plan plan;
  freeze::packager::InstalledPlugins lexers;  // IPython's lexers for pygments, which mycli highlights with
  lexers.name = "ipython";
  lexers.entry_points = {{"pygments.lexers", "ipython", "IPython.lib.lexers:IPythonLexer"}};
  freeze::packager::InstalledPlugins checker;  // a flake8 plugin, when flake8 is the app
  checker.name = "mccabe";
  checker.entry_points = {{"pygments.styles", "x", "mccabe:Style"}, {"flake8.extension", "C90", "mccabe:McCabeChecker"}};
  plan.absent = {lexers, checker};
  const auto taken = checks::take_dependency_plugins(plan, {"flake8"});
  REQUIRE(taken.size() == 1);
  CHECK(taken[0].name == "ipython");
  REQUIRE(plan.absent.size() == 1);
  CHECK(plan.absent[0].name == "mccabe");  // it plugs into the app's own group too: a failure
}

TEST_CASE("the completed site_packages setting keeps the config's tables in order, quoted") {
  checks::Completion completion;
  completion.site_packages = {{"/venv/lib/python3.13/site-packages", {"httpie", "requests"}},
                              {"/usr/lib/python3/dist-packages", {"pygments"}}};
  CHECK(checks::site_packages_lines(completion.site_packages) ==
        "site_packages = [{ dir = \"/venv/lib/python3.13/site-packages\", include = [\"httpie\", \"requests\"] },\n"
        "                 { dir = \"/usr/lib/python3/dist-packages\", include = [\"pygments\"] }]");
  completion.site_packages = {{"/odd \"dir\"", {"a"}}};
  CHECK(checks::site_packages_lines(completion.site_packages) == "site_packages = [{ dir = \"/odd \\\"dir\\\"\", include = [\"a\"] }]");
}

TEST_CASE("the verification copy's config runs the checking program with the same resources from anywhere") {
  TempDir dir("check");
  dir.write("src/app.py", "print('hi')\n");
  const auto config_file = dir.write("app.toml",
                                     "[app]\nname = \"tool\"\nentry = \"app\"\n"
                                     "[stdlib]\ninclude = \"reachable\"\n"
                                     "[packages]\npaths = [\"src\"]\n");
  const auto config = freeze::packager::load_app_config(config_file);
  const toml::table copy = toml::parse(checks::verification_config(config));
  CHECK(copy["app"]["name"].value_or(std::string()) == "tool");
  CHECK(!copy["app"]["entry"]);  // replaced by the checking program
  CHECK(copy["app"]["code"].value_or(std::string()).find("FREEZE_CHECK_MANIFEST") != std::string::npos);
  // The entry module stays a root of the reachable stdlib it would have pulled in.
  const toml::array* add = copy["stdlib"]["add"].as_array();
  REQUIRE(add != nullptr);
  CHECK(add->back().value_or(std::string()) == "app");
  // Paths are absolute: the copy is built in another directory.
  const toml::array* paths = copy["packages"]["paths"].as_array();
  REQUIRE(paths != nullptr);
  REQUIRE(paths->size() == 1);
  const std::string path = paths->front().value_or(std::string());
  CHECK(std::filesystem::path(path).is_absolute());
  CHECK(std::filesystem::equivalent(path, dir / "src"));
}

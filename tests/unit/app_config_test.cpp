// Unit tests for app.toml loading (packager/app_config): defaults, entry parsing, path
// resolution, and the UserError messages for every kind of mistake.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include <unistd.h>

#include "packager/config/app_config.h"
#include "packager/support/user_error.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using freeze::packager::AppConfig;
using freeze::packager::is_dotted_name;
using freeze::packager::is_identifier;
using freeze::packager::load_app_config;
using freeze::packager::StdlibInclude;
using freeze::packager::UserError;

namespace {

using freeze::testing::TempDir;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Loads `text` as app.toml and returns the UserError message ("" and a failed check if none).
std::string error_for(const std::string& text, std::string* config_path = nullptr) {
  TempDir dir;
  const fs::path file = dir.write("app.toml", text);
  if (config_path != nullptr) *config_path = file.string();
  try {
    (void)load_app_config(file);
  } catch (const UserError& error) {
    return error.what();
  } catch (const std::exception& error) {
    FAIL_CHECK("not a UserError: " << error.what());
    return "";
  }
  FAIL_CHECK("no error for:\n" << text);
  return "";
}

// The message must name the config file and every one of `needles` (the key, usually).
void expect_error(const std::string& text, std::initializer_list<std::string> needles) {
  CAPTURE(text);
  std::string path;
  const std::string message = error_for(text, &path);
  CAPTURE(message);
  CHECK(contains(message, path));
  for (const auto& needle : needles) {
    CAPTURE(needle);
    CHECK(contains(message, needle));
  }
}

const char* const kMinimal = "[app]\nname = \"hello\"\nentry = \"hello\"\n";

}  // namespace

TEST_CASE("a minimal app.toml gets the defaults") {
  TempDir dir;
  const fs::path file = dir.write("app.toml", kMinimal);
  const AppConfig config = load_app_config(file);
  CHECK(config.config_file == file);
  CHECK(config.config_file.is_absolute());
  CHECK(config.base_dir == dir.path());
  CHECK(config.name == "hello");
  CHECK(config.entry_module == "hello");
  CHECK(config.entry_function.empty());
  CHECK(config.code.empty());
  CHECK(config.isolated);
  CHECK(config.optimize == 0);
  CHECK(config.stdlib_include == StdlibInclude::All);
  CHECK(config.stdlib_exclude == freeze::packager::default_stdlib_exclude());
  CHECK(config.package_paths.empty());

  const auto excludes = freeze::packager::default_stdlib_exclude();
  for (const char* name : {"test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3.tests"}) {
    CAPTURE(name);
    CHECK(std::find(excludes.begin(), excludes.end(), name) != excludes.end());
  }
}

TEST_CASE("app.entry forms and app.code") {
  TempDir dir;
  SUBCASE("module:function with dotted names on both sides") {
    const auto config = load_app_config(dir.write("app.toml", "[app]\nname = \"x\"\nentry = \"pkg.mod:func.attr\"\n"));
    CHECK(config.entry_module == "pkg.mod");
    CHECK(config.entry_function == "func.attr");
    CHECK(config.code.empty());
  }
  SUBCASE("module alone: run as __main__") {
    const auto config = load_app_config(dir.write("app.toml", "[app]\nname = \"x\"\nentry = \"pkg\"\n"));
    CHECK(config.entry_module == "pkg");
    CHECK(config.entry_function.empty());
  }
  SUBCASE("code instead of entry") {
    const auto config = load_app_config(dir.write("app.toml", "[app]\nname = \"x\"\ncode = '''\nimport sys\nprint(sys.argv)\n'''\n"));
    CHECK(config.code == "import sys\nprint(sys.argv)\n");
    CHECK(config.entry_module.empty());
    CHECK(config.entry_function.empty());
  }
}

TEST_CASE("all tables, with relative package paths resolved against the config dir") {
  TempDir dir;
  fs::create_directories(dir.path() / "project" / "src");
  fs::create_directories(dir.path() / "vendor");
  fs::create_directories(dir.path() / "abs");
  const std::string absolute = (dir.path() / "abs").string();
  const fs::path file = dir.write("project/app.toml",
                                  "[app]\n"
                                  "name = \"tool\"\n"
                                  "entry = \"tool.cli:main\"\n"
                                  "[python]\n"
                                  "isolated = false\n"
                                  "optimize = 2\n"
                                  "[stdlib]\n"
                                  "include = \"none\"\n"
                                  "exclude = [\"foo\", \"bar.baz\"]\n"
                                  "[packages]\n"
                                  "exclude = [\"*.tests\", \"app.dropin\"]\n"
                                  "paths = [\"src\", \"./src/../../vendor\", \"" + absolute + "\"]\n");
  const AppConfig config = load_app_config(file);
  CHECK(config.base_dir == dir.path() / "project");
  CHECK_FALSE(config.isolated);
  CHECK(config.optimize == 2);
  CHECK(config.stdlib_include == StdlibInclude::None);
  CHECK(config.stdlib_exclude == std::vector<std::string>{"foo", "bar.baz"});
  CHECK(config.packages_exclude == std::vector<std::string>{"*.tests", "app.dropin"});
  REQUIRE(config.package_paths.size() == 3);
  CHECK(config.package_paths[0] == dir.path() / "project" / "src");
  CHECK(config.package_paths[1] == dir.path() / "vendor");
  CHECK(config.package_paths[2] == dir.path() / "abs");
  for (const auto& p : config.package_paths) CHECK(p.is_absolute());

  SUBCASE("stdlib.include = \"all\" and optimize 1") {
    const auto c = load_app_config(dir.write("other.toml",
                                             "[app]\nname = \"x\"\nentry = \"m\"\n"
                                             "[python]\noptimize = 1\n[stdlib]\ninclude = \"all\"\n"));
    CHECK(c.stdlib_include == StdlibInclude::All);
    CHECK(c.optimize == 1);
    CHECK(c.isolated);
  }
}

TEST_CASE("a relative config path is made absolute") {
  TempDir dir;
  dir.write("app.toml", kMinimal);
  const fs::path previous = fs::current_path();
  fs::current_path(dir.path());
  AppConfig config;
  try {
    config = load_app_config("app.toml");
  } catch (...) {
    fs::current_path(previous);
    throw;
  }
  fs::current_path(previous);
  CHECK(config.config_file == dir.path() / "app.toml");
  CHECK(config.base_dir == dir.path());
}

TEST_CASE("config errors name the file and the key") {
  SUBCASE("unknown top-level table") {
    expect_error(std::string(kMinimal) + "[tools]\nx = 1\n", {"tools", "unknown key"});
  }
  SUBCASE("unknown top-level key") {
    expect_error(std::string("verbose = true\n") + kMinimal, {"verbose"});
  }
  SUBCASE("unknown key in [app], with its line") {
    std::string path;
    const std::string message = error_for("[app]\nname = \"x\"\nentry = \"m\"\ncolour = \"red\"\n", &path);
    CHECK(contains(message, path + ":4:"));
    CHECK(contains(message, "app.colour"));
  }
  SUBCASE("unknown key in [python], [stdlib], [packages]") {
    expect_error(std::string(kMinimal) + "[python]\nverbose = true\n", {"python.verbose"});
    expect_error(std::string(kMinimal) + "[stdlib]\nincludes = \"all\"\n", {"stdlib.includes"});
    expect_error(std::string(kMinimal) + "[packages]\npath = []\n", {"packages.path"});
  }
  SUBCASE("wrong type: name = 5, with its line") {
    std::string path;
    const std::string message = error_for("[app]\nname = 5\nentry = \"m\"\n", &path);
    CHECK(contains(message, path + ":2:"));
    CHECK(contains(message, "app.name"));
    CHECK(contains(message, "string"));
  }
  SUBCASE("other wrong types") {
    expect_error("app = \"hello\"\n", {"app", "table"});
    expect_error("[app]\nname = \"x\"\nentry = [\"m\"]\n", {"app.entry"});
    expect_error(std::string(kMinimal) + "[python]\nisolated = \"yes\"\n", {"python.isolated"});
    expect_error(std::string(kMinimal) + "[python]\noptimize = \"1\"\n", {"python.optimize"});
    expect_error(std::string(kMinimal) + "[python]\noptimize = 1.0\n", {"python.optimize"});
    expect_error(std::string(kMinimal) + "[python]\noptimize = true\n", {"python.optimize"});
    expect_error(std::string(kMinimal) + "[stdlib]\nexclude = \"test\"\n", {"stdlib.exclude"});
    expect_error(std::string(kMinimal) + "[stdlib]\nexclude = [\"ok\", 3]\n", {"stdlib.exclude"});
    expect_error(std::string(kMinimal) + "[packages]\npaths = [1]\n", {"packages.paths"});
    expect_error(std::string(kMinimal) + "python = 1\n", {"python"});
  }
  SUBCASE("missing [app]") {
    std::string path;
    const std::string message = error_for("[python]\nisolated = true\n", &path);
    CHECK(contains(message, path));
    CHECK(contains(message, ": app: "));
    CHECK(contains(message, "missing"));
    expect_error("", {"app", "missing"});
  }
  SUBCASE("missing app.name") {
    expect_error("[app]\nentry = \"m\"\n", {"app.name", "missing"});
  }
  SUBCASE("bad app.name") {
    expect_error("[app]\nname = \"\"\nentry = \"m\"\n", {"app.name"});
    expect_error("[app]\nname = \"a/b\"\nentry = \"m\"\n", {"app.name", "a/b"});
    expect_error("[app]\nname = \"..\"\nentry = \"m\"\n", {"app.name"});
  }
  SUBCASE("both entry and code") {
    expect_error("[app]\nname = \"x\"\nentry = \"m\"\ncode = \"pass\"\n", {"app.entry", "app.code"});
  }
  SUBCASE("neither entry nor code") {
    expect_error("[app]\nname = \"x\"\n", {"app.entry"});
  }
  SUBCASE("empty code") {
    expect_error("[app]\nname = \"x\"\ncode = \"\"\n", {"app.code"});
  }
  SUBCASE("bad entry syntax") {
    for (const char* entry : {"a b", "mod:", ":f", "", ":", "a..b", ".a", "a.", "1mod", "mod:f:g", "mod:f.", "m-x"}) {
      CAPTURE(entry);
      expect_error(std::string("[app]\nname = \"x\"\nentry = \"") + entry + "\"\n", {"app.entry", std::string("'") + entry + "'"});
    }
  }
  SUBCASE("optimize out of range") {
    expect_error(std::string(kMinimal) + "[python]\noptimize = 3\n", {"python.optimize"});
    expect_error(std::string(kMinimal) + "[python]\noptimize = -1\n", {"python.optimize"});
  }
  SUBCASE("stdlib.include must be all or none") {
    expect_error(std::string(kMinimal) + "[stdlib]\ninclude = \"some\"\n", {"stdlib.include", "some"});
  }
  SUBCASE("stdlib.exclude entries must be dotted names") {
    expect_error(std::string(kMinimal) + "[stdlib]\nexclude = [\"not a module\"]\n", {"stdlib.exclude", "not a module"});
  }
  SUBCASE("packages.exclude entries must be dotted names or globs") {
    expect_error(std::string(kMinimal) + "[packages]\nexclude = [\"not a module\"]\n", {"packages.exclude", "not a module"});
    expect_error(std::string(kMinimal) + "[packages]\nexclude = \"*.tests\"\n", {"packages.exclude"});
  }
  SUBCASE("packages.paths pointing to a missing directory") {
    expect_error(std::string(kMinimal) + "[packages]\npaths = [\"missing-dir\"]\n", {"packages.paths", "missing-dir"});
  }
  SUBCASE("packages.paths pointing to a file") {
    TempDir dir;
    dir.write("afile", "not a directory");
    const fs::path file = dir.write("app.toml", std::string(kMinimal) + "[packages]\npaths = [\"afile\"]\n");
    try {
      (void)load_app_config(file);
      FAIL_CHECK("a file accepted as a package path");
    } catch (const UserError& error) {
      CHECK(contains(error.what(), file.string()));
      CHECK(contains(error.what(), "packages.paths"));
    }
  }
  SUBCASE("invalid TOML syntax reports the line") {
    std::string path;
    const std::string message = error_for("[app]\nname = \"x\"\nentry = \n", &path);
    CHECK(contains(message, path + ":3:"));
    CHECK(contains(message, "invalid TOML"));
    const std::string message2 = error_for("[app]\nname = \"x\"\nentry = \"m\"\n\n[app\n", &path);
    CHECK(contains(message2, path + ":5:"));
    // A key given twice is invalid TOML as well.
    const std::string message3 = error_for("[app]\nname = \"x\"\nname = \"y\"\nentry = \"m\"\n", &path);
    CHECK(contains(message3, path + ":3:"));
  }
  SUBCASE("config file missing") {
    TempDir dir;
    const fs::path missing = dir.path() / "nope" / "app.toml";
    try {
      (void)load_app_config(missing);
      FAIL_CHECK("a missing file was accepted");
    } catch (const UserError& error) {
      CHECK(contains(error.what(), missing.string()));
    }
  }
  SUBCASE("config path is a directory") {
    TempDir dir;
    CHECK_THROWS_AS(load_app_config(dir.path()), UserError);
  }
}

TEST_CASE("is_identifier / is_dotted_name") {
  for (const char* yes : {"a", "_", "_private", "A1", "snake_case", "Z9_z", "\xc3\xa9t\xc3\xa9"}) {
    CAPTURE(yes);
    CHECK(is_identifier(yes));
    CHECK(is_dotted_name(yes));
  }
  for (const char* no : {"", "1a", "9", "a-b", "a b", "a.b", ".", "a$", "\t"}) {
    CAPTURE(no);
    CHECK_FALSE(is_identifier(no));
  }
  for (const char* yes : {"a.b", "pkg.mod.sub", "_a._b", "a1.b2.c3", "x"}) {
    CAPTURE(yes);
    CHECK(is_dotted_name(yes));
  }
  for (const char* no : {"", ".", "..", ".a", "a.", "a..b", "a.1b", "a. b", "a.b-c", "a:b"}) {
    CAPTURE(no);
    CHECK_FALSE(is_dotted_name(no));
  }
}

TEST_CASE("[app] commands: each name with its entry, written as app.entry is") {
  TempDir dir;
  const auto config = load_app_config(dir.write("app.toml", std::string(kMinimal) +
                                                                "commands = { hello-sub = \"hello.cli:Sub.run\", hello-mod = "
                                                                "\"hello.tool\", hello-script = \"console_script:hs\" }\n"));
  REQUIRE(config.commands.size() == 3);
  const auto& mod = config.commands[0];  // TOML tables are read in key order
  CHECK((mod.name == "hello-mod" && mod.entry_module == "hello.tool" && mod.entry_function.empty()));
  const auto& script = config.commands[1];
  CHECK((script.name == "hello-script" && script.console_script == "hs" && script.entry_module.empty()));
  const auto& sub = config.commands[2];
  CHECK((sub.name == "hello-sub" && sub.entry_module == "hello.cli" && sub.entry_function == "Sub.run"));
  CHECK(load_app_config(dir.write("plain.toml", kMinimal)).commands.empty());
  expect_error(std::string(kMinimal) + "commands = { hello = \"hello\" }\n", {"app.commands.hello", "is app.name"});
  expect_error(std::string(kMinimal) + "commands = { x = \"console_script:\" }\n", {"app.commands.x", "needs a NAME"});
}

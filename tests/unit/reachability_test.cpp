// Unit tests for [stdlib] include = "reachable" (packager/collect/reachability): what is kept,
// who brought it in, and what goes with it; imports are given by the test instead of scanned.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "packager/collect/reachability.h"
#include "packager/collect/reachable_packages.h"

namespace packager = freeze::packager;
namespace blob = freeze::blob;

namespace {

packager::Resource stdlib(blob::Kind kind, const std::string& name, const std::string& routing_name = "") {
  packager::Resource r;
  r.kind = kind;
  r.name = name;
  r.routing_name = routing_name.empty() ? name : routing_name;
  r.flags = blob::kFlagStdlib;
  return r;
}

packager::Resource app(const std::string& name) {
  packager::Resource r;
  r.name = r.routing_name = name;
  return r;
}

// A third-party module, compiled, whose source the scan of computed names reads.
packager::Resource module(const std::string& name, bool package, const std::string& source = "") {
  packager::Resource r;
  r.name = r.routing_name = name;
  r.flags = package ? blob::kFlagPackage : 0;
  r.compiled = true;
  r.source_utf8 = source;
  return r;
}

bool kept(const std::vector<packager::Resource>& resources, const std::string& name) {
  return std::any_of(resources.begin(), resources.end(), [&](const packager::Resource& r) { return r.name == name; });
}

}  // namespace

TEST_CASE("reachability: keeps what the app's modules and the roots import, through the stdlib, and drops the rest") {
  std::vector<packager::Resource> resources = {
      stdlib(blob::Kind::Module, "json"),          stdlib(blob::Kind::Module, "json.decoder"),
      stdlib(blob::Kind::Module, "re"),            stdlib(blob::Kind::Extension, "_json"),
      stdlib(blob::Kind::Module, "email"),         stdlib(blob::Kind::Resource, "email/data.txt", "email"),
      stdlib(blob::Kind::Module, "encodings"),     stdlib(blob::Kind::Module, "encodings.utf_8"),
      stdlib(blob::Kind::Module, "codecs"),        stdlib(blob::Kind::Resource, "json/data.txt", "json"),
      stdlib(blob::Kind::SharedLibrary, "libx.so"), stdlib(blob::Kind::Module, "broken"),
      app("main"),
  };
  const std::map<std::string, std::vector<std::string>> imports = {
      {"main", {"json", "broken"}}, {"json", {"json.decoder", "_json"}}, {"json.decoder", {"re"}},
      {"encodings", {"codecs"}},  // not followed: encodings is a root with follow = false
  };
  std::vector<std::string> compiled;
  auto compile = [&](packager::Resource& module) {
    compiled.push_back(module.name);
    return module.name != "broken";
  };
  auto scan = [&](const packager::Resource& module) {
    const auto it = imports.find(module.name);
    return it == imports.end() ? std::vector<std::string>{} : it->second;
  };
  const auto reached = packager::prune_unreachable_stdlib(resources, {{"encodings", false}}, compile, scan);

  for (const char* name : {"json", "json.decoder", "re", "_json", "encodings", "encodings.utf_8", "broken", "main",
                           "json/data.txt", "libx.so"}) {
    CAPTURE(name);
    CHECK(kept(resources, name));
  }
  for (const char* name : {"email", "email/data.txt", "codecs"}) {
    CAPTURE(name);
    CHECK_FALSE(kept(resources, name));
  }
  CHECK(reached.at("json") == "main");
  CHECK(reached.at("re") == "json.decoder");
  CHECK(reached.at("_json") == "json");
  CHECK(reached.at("encodings.utf_8").empty());  // the subtree of a root
  CHECK(std::count(compiled.begin(), compiled.end(), "encodings") == 0);  // a root that is not followed is not scanned
}

TEST_CASE("reachability: a dotted root brings its parents") {
  std::vector<packager::Resource> resources = {stdlib(blob::Kind::Module, "xml"), stdlib(blob::Kind::Module, "xml.dom"),
                                               stdlib(blob::Kind::Module, "xml.dom.minidom"),
                                               stdlib(blob::Kind::Module, "xml.sax")};
  auto compile = [](packager::Resource&) { return true; };
  auto scan = [](const packager::Resource&) { return std::vector<std::string>{}; };
  const auto reached = packager::prune_unreachable_stdlib(resources, {{"xml.dom.minidom"}}, compile, scan);
  CHECK(reached.size() == 3);
  CHECK(kept(resources, "xml"));
  CHECK(kept(resources, "xml.dom"));
  CHECK_FALSE(kept(resources, "xml.sax"));
}

TEST_CASE("reachable third-party modules: imports are followed, and an import by computed name reaches its package") {
  // tool.formats imports its formats by name, as docutils.parsers does: none is imported by a statement.
  const std::vector<packager::Resource> resources = {
      module("tool", true, "PLUGIN = __import__('lib.named', fromlist=['x'])\n"),
      module("tool.formats", true, "def get(name):\n    return import_module('tool.formats.' + name)\n"),
      module("tool.formats.rst", false), module("tool.formats.latex", false), module("tool.extra", false),
      module("tool.formats.deep", true), module("tool.formats.deep.inner", false), module("tool.formats.tests", true),
      module("lib", true), module("lib.named", false), module("lib.unused", false), module("other", false)};
  const std::map<std::string, std::vector<std::string>> imports = {
      {"tool", {"tool.formats"}}, {"tool.formats.rst", {"lib"}}};
  const auto reached = packager::reachable_third_party(resources, {"tool"}, [&](const packager::Resource& r) {
    const auto it = imports.find(r.name);
    return it == imports.end() ? std::vector<std::string>{} : it->second;
  });
  // The formats' own subpackages' modules and tests are not reached; a constant name is.
  CHECK(reached == std::set<std::string>{"tool", "tool.formats", "tool.formats.rst", "tool.formats.latex",
                                         "tool.formats.deep", "lib", "lib.named"});
}

TEST_CASE("reachable third-party modules: a computed name that starts with a package's reaches its modules") {
  // As gbp's supercommand imports its commands: __import__('gbp.scripts.%s' % name), from a
  // module outside that package; formatted and concatenated alike.
  const std::vector<packager::Resource> resources = {
      module("main", false,
             "def command(name):\n    return __import__('cmds.scripts.%s' % name, fromlist='main')\n"
             "def other(name):\n    return importlib.import_module(f\"more.{name}\")\n"
             "def third(name):\n    return import_module('last.' + name)\n"
             "def words(name):\n    return import_module('not a package.%s' % name)\n"),
      module("cmds", true), module("cmds.scripts", true), module("cmds.scripts.dch", false),
      module("cmds.scripts.clone", false), module("cmds.scripts.sub", true), module("cmds.scripts.sub.deep", false),
      module("cmds.unrelated", false), module("more", true), module("more.one", false), module("last", true),
      module("last.two", false)};
  const auto reached = packager::reachable_third_party(resources, {"main"}, [](const packager::Resource&) {
    return std::vector<std::string>{};
  });
  CHECK(reached == std::set<std::string>{"main", "cmds", "cmds.scripts", "cmds.scripts.dch", "cmds.scripts.clone",
                                         "cmds.scripts.sub", "more", "more.one", "last", "last.two"});
}

TEST_CASE("reachable third-party modules: a setting naming a module by its dotted path reaches it") {
  // As scrapy's default_settings name its middlewares, which load_object() imports by a computed name.
  const std::vector<packager::Resource> resources = {
      module("crawl", false, "MIDDLEWARES = {\n    'crawl.cookies.CookiesMiddleware': 700,\n    \"crawl.retry\": 500,\n}\n"
                      "NOT_A_PATH = 'crawl.unused is here'  # words, not a name\nEMPTY = ''\nLONE = 'crawl'\n"),
      module("crawl.cookies", false), module("crawl.retry", false), module("crawl.unused", false), module("crawl.other", false)};
  const auto reached = packager::reachable_third_party(resources, {"crawl"}, [](const packager::Resource&) {
    return std::vector<std::string>{};
  });
  CHECK(reached == std::set<std::string>{"crawl", "crawl.cookies", "crawl.retry"});
}

TEST_CASE("reachable third-party modules: plugins are reached in the groups of included packages only") {
  const auto resource = [](blob::Kind kind, const std::string& name, const std::string& data = "") {
    packager::Resource r;
    r.kind = kind;
    r.name = r.routing_name = name;
    r.compiled = kind == blob::Kind::Module;
    r.data = data;
    return r;
  };
  // lib declares a plugin for tool (included) and one for pytest (not included), as anyio does.
  const std::vector<packager::Resource> resources = {
      resource(blob::Kind::Module, "tool"), resource(blob::Kind::Module, "lib"),
      resource(blob::Kind::Module, "lib.tool_plugin"), resource(blob::Kind::Module, "lib.pytest_plugin"),
      resource(blob::Kind::Module, "lib.command"),
      resource(blob::Kind::Metadata, "lib-1.0.dist-info/entry_points.txt",
               "[tool.formats]\nlib = lib.tool_plugin:Format\n[pytest11]\nlib = lib.pytest_plugin\n"
               "[console_scripts]\nlib = lib.command:main\n")};
  const auto reached = packager::reachable_third_party(resources, {"tool"}, [](const packager::Resource&) {
    return std::vector<std::string>{};
  });
  CHECK(reached == std::set<std::string>{"tool", "lib", "lib.tool_plugin"});
}

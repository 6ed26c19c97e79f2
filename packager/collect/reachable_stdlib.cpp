#include "packager/collect/reachable_stdlib.h"

#include <algorithm>
#include <map>
#include <set>

#include "packager/build/compile.h"
#include "packager/collect/file_tree.h"
#include "packager/collect/imported_names.h"
#include "packager/collect/reachability.h"
#include "packager/support/console.h"
#include "packager/support/user_error.h"

namespace freeze::packager {
namespace {

// The names a module imports. libpython runs its frozen stdlib modules itself; their imports
// inside functions only serve features the app would import itself.
std::vector<std::string> scan_imports(TargetPython& python, const Resource& module) {
  const bool frozen_stdlib = module.stdlib() && python.is_frozen(module.name);
  return cached_imported_names(python, module, frozen_stdlib ? ImportScope::OutsideFunctions : ImportScope::Everywhere);
}

// What stdlib modules import by a name computed at run time, which no scan of their imports
// finds: sysconfig its build-time variables (_sysconfigdata__x86_64-linux-gnu, named after the
// platform: any module of that prefix), xml.sax its default parser, xml.dom's registry its
// minidom, dbm its back ends.
std::vector<std::string> dynamic_stdlib_imports(const std::string& module, const std::vector<Resource>& resources) {
  if (module == "sysconfig") {
    std::vector<std::string> data;
    for (const auto& r : resources) {
      if (r.stdlib() && r.name.starts_with("_sysconfigdata")) data.push_back(r.name);
    }
    return data;
  }
  if (module == "xml.sax") return {"xml.sax.expatreader"};
  if (module == "xml.dom.domreg") return {"xml.dom.minidom"};
  if (module == "dbm") return {"dbm.gnu", "dbm.ndbm", "dbm.dumb"};
  return {};
}

// The stdlib module behind a name under six.moves (six's or a vendored copy's:
// urllib3.packages.six.moves.queue), which six imports lazily by a name in a string: `from
// six.moves import queue` is the queue module. Empty for any other name.
std::string six_moves_module(const std::string& name) {
  static const std::map<std::string, std::string> moved = {
      {"builtins", "builtins"}, {"configparser", "configparser"}, {"copyreg", "copyreg"}, {"dbm_gnu", "dbm.gnu"},
      {"dbm_ndbm", "dbm.ndbm"}, {"_dummy_thread", "_thread"}, {"_thread", "_thread"}, {"http_cookiejar", "http.cookiejar"},
      {"http_cookies", "http.cookies"}, {"html_entities", "html.entities"}, {"html_parser", "html.parser"},
      {"http_client", "http.client"}, {"email_mime_base", "email.mime.base"}, {"email_mime_image", "email.mime.image"},
      {"email_mime_multipart", "email.mime.multipart"}, {"email_mime_nonmultipart", "email.mime.nonmultipart"},
      {"email_mime_text", "email.mime.text"}, {"BaseHTTPServer", "http.server"}, {"CGIHTTPServer", "http.server"},
      {"SimpleHTTPServer", "http.server"}, {"cPickle", "pickle"}, {"queue", "queue"}, {"reprlib", "reprlib"},
      {"socketserver", "socketserver"}, {"urllib_parse", "urllib.parse"}, {"urllib_error", "urllib.error"},
      {"urllib_robotparser", "urllib.robotparser"}, {"xmlrpc_client", "xmlrpc.client"}, {"xmlrpc_server", "xmlrpc.server"},
      {"collections_abc", "collections.abc"}, {"cStringIO", "io"}, {"StringIO", "io"}, {"filterfalse", "itertools"},
      {"zip_longest", "itertools"}, {"intern", "sys"}, {"getcwd", "os"}, {"getcwdb", "os"}, {"getoutput", "subprocess"},
      {"reload_module", "importlib"}, {"reduce", "functools"}, {"shlex_quote", "shlex"}, {"UserDict", "collections"},
      {"UserList", "collections"}, {"UserString", "collections"}};
  const auto at = name.find(".moves.");
  if (at == std::string::npos) return "";
  const std::string owner = name.substr(0, at);
  if (owner != "six" && !owner.ends_with(".six")) return "";
  const std::string rest = name.substr(at + std::string(".moves.").size());
  const std::string first = rest.substr(0, rest.find('.'));
  if (first == "urllib") return rest == "urllib" ? "urllib" : rest;  // six.moves.urllib.parse is urllib.parse
  const auto it = moved.find(first);
  return it == moved.end() ? "" : it->second;
}

// --why MODULE: the chain of imports that keeps it, or why it is not there.
void explain_why(const AppConfig& config, const std::vector<std::string>& why,
                 const std::map<std::string, std::string>& reached, const std::vector<Resource>& resources) {
  for (const auto& module : why) {
    std::string chain = module;
    auto it = reached.find(module);
    if (it == reached.end()) {
      const bool app_module = std::any_of(resources.begin(), resources.end(),
                                          [&](const Resource& r) { return !r.stdlib() && r.name == module; });
      const auto excluded = std::find_if(config.stdlib_exclude.begin(), config.stdlib_exclude.end(),
                                         [&](const std::string& pattern) { return name_matches(module, pattern); });
      note("why " + module + ": " +
           (app_module ? "it is one of the app's modules or packages"
            : excluded != config.stdlib_exclude.end()
                ? "not included: [stdlib] exclude leaves it out (\"" + *excluded + "\"); remove that from stdlib.exclude to include it"
                : "not included (nothing imports it; add it to [stdlib] add if it is imported dynamically)"));
      continue;
    }
    for (std::set<std::string> seen; it != reached.end() && !it->second.empty() && seen.insert(it->first).second;
         it = reached.find(it->second)) {
      chain += " <- " + it->second;
    }
    note("why " + module + ": " + chain + (it != reached.end() && it->second.empty() ? " (a root: the entry point, [stdlib] add, or needed by the launcher)" : ""));
  }
}

}  // namespace

void keep_reachable_stdlib(const AppConfig& config, const std::vector<std::string>& why, std::vector<Resource>& resources,
                           TargetPython& python) {
  // encodings: every codec, as codecs are looked up by name at run time (their C helpers for
  // CJK codecs only through [stdlib] add). runpy and traceback: the launcher runs `python -m`
  // style entries and prints tracebacks with them. (The importer's importlib.resources/metadata
  // adapters are the launcher's, and are used only through importlib.resources and
  // importlib.metadata, which bring what they import.)
  // What the codecs import, but for the CJK ones' C helpers: a hostname's encoding to "idna"
  // (requests, urllib3, http.client) needs stringprep and unicodedata, codecs.encode(data,
  // "zlib") zlib.
  std::vector<ReachabilityRoot> roots = {{"encodings", false}, {"runpy"},   {"traceback"}, {"stringprep"},
                                         {"unicodedata"},      {"binascii"}, {"zlib"},      {"bz2"},
                                         {"base64"},           {"quopri"},   {"io"}};
  for (const auto& name : config.stdlib_add) roots.push_back({name});
  if (!config.entry_module.empty()) roots.push_back({config.entry_module});
  for (const auto& command : config.commands) roots.push_back({command.entry_module});
  // app.code instead of an entry module: what that code imports is reached from it.
  if (!config.code.empty()) {
    for (auto& name : python.imported_names(config.code, "__main__", false, ImportScope::Everywhere, false, true)) roots.push_back({std::move(name)});
  }
  auto compile = [&](Resource& module) {
    try {
      compile_module(python, module, config.optimize);
    } catch (const UserError&) {
      return false;  // reported by the compiling stage, if the module is kept
    }
    return true;
  };
  auto scan = [&](const Resource& module) {
    std::vector<std::string> names = scan_imports(python, module);
    if (module.stdlib()) {
      for (auto& name : dynamic_stdlib_imports(module.name, resources)) names.push_back(std::move(name));
    }
    for (std::size_t i = 0, scanned = names.size(); i < scanned; ++i) {
      const std::string moved = six_moves_module(names[i]);
      // With its parents, as an import statement's names come ("http", then "http.cookies").
      for (auto dot = moved.find('.'); !moved.empty(); dot = moved.find('.', dot + 1)) {
        names.push_back(moved.substr(0, dot));
        if (dot == std::string::npos) break;
      }
    }
    return names;
  };
  const auto reached = prune_unreachable_stdlib(resources, roots, compile, scan);
  detail("stdlib include = reachable: " + std::to_string(reached.size()) + " stdlib modules are reachable");
  explain_why(config, why, reached, resources);
}

}  // namespace freeze::packager

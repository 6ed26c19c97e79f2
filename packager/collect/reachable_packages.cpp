#include "packager/collect/reachable_packages.h"

#include <cctype>
#include <deque>
#include <map>
#include <string_view>

#include "importer/install_layout.h"
#include "packager/collect/entry_point_plugins.h"
#include "packager/collect/test_code.h"
#include "packager/config/python_names.h"

namespace freeze::packager {

namespace {

// The first arguments of the module's import_module() and __import__() calls, read from its
// source: a string constant's value ('distutils.command' in numpy.distutils.command); for a name
// computed at run time that starts with a package's name ('gbp.scripts.%s' % name,
// f'gbp.scripts.{name}', 'gbp.scripts.' + name: gbp's commands), that name and a dot
// ("gbp.scripts."); else "" (docutils.parsers.get_parser_class's, which imports
// docutils.parsers.rst so while no import statement names it). A mention in a comment only
// makes more modules reachable, which keeps more failures reported.
std::vector<std::string> import_call_arguments(const std::string& source) {
  std::vector<std::string> arguments;
  for (const std::string_view call : {"import_module(", "__import__("}) {
    for (auto at = source.find(call); at != std::string::npos; at = source.find(call, at + 1)) {
      std::size_t i = at + call.size();
      while (i < source.size() && (source[i] == ' ' || source[i] == '\n')) ++i;
      const bool formatted = i < source.size() && (source[i] == 'f' || source[i] == 'F');
      if (formatted) ++i;
      std::string argument;
      if (i < source.size() && (source[i] == '\'' || source[i] == '"')) {
        const auto end = source.find(source[i], i + 1);
        if (end != std::string::npos) {
          const std::string constant = source.substr(i + 1, end - i - 1);
          std::size_t after = end + 1;
          while (after < source.size() && source[after] == ' ') ++after;
          const bool whole = !formatted && after < source.size() && (source[after] == ',' || source[after] == ')') &&
                             constant.find('\\') == std::string::npos;
          // The literal part a computed name starts with, up to a placeholder.
          const std::string head = constant.substr(0, constant.find_first_of(formatted ? "{" : "%{"));
          if (whole) {
            argument = constant;
          } else if (head.size() > 1 && head.back() == '.' && is_dotted_name(head.substr(0, head.size() - 1))) {
            argument = head;
          }
        }
      }
      arguments.push_back(argument);
    }
  }
  return arguments;
}

// The string constants of the module's source that are dotted names ('pkg.mod' or
// 'pkg.mod.Class'): settings that name what to import by its path, as scrapy's default_settings
// name its middlewares ('scrapy.downloadermiddlewares.cookies.CookiesMiddleware'), which
// load_object() imports by a computed name. As with import calls, a string that is no import
// only makes more modules reachable.
std::vector<std::string> dotted_string_constants(const std::string& source) {
  const auto word_start = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; };
  const auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  std::vector<std::string> names;
  for (std::size_t i = 0; i < source.size(); ++i) {
    const char quote = source[i];
    if (quote != '\'' && quote != '"') continue;
    std::size_t end = i + 1;
    bool dotted = false, valid = end < source.size() && word_start(source[end]);
    while (valid && end < source.size() && source[end] != quote) {
      const char c = source[end];
      if (c == '.') {
        dotted = true;
        valid = end + 1 < source.size() && word_start(source[end + 1]);
      } else {
        valid = word_char(c);
      }
      if (valid) ++end;
    }
    if (valid && dotted && end < source.size()) names.push_back(source.substr(i + 1, end - i - 1));
    i = valid ? end : i;  // past a closing quote; else the quote may open the next string
  }
  return names;
}

// The package whose modules such an import may reach: the module's own if it is a package, else
// its parent's; empty for a top-level module.
std::string package_reached_by_name(const Resource& module) {
  if ((module.flags & blob::kFlagPackage) != 0) return module.name;
  const auto dot = module.name.rfind('.');
  return dot == std::string::npos ? std::string() : module.name.substr(0, dot);
}

}  // namespace

std::set<std::string> reachable_third_party(const std::vector<Resource>& resources, const std::vector<std::string>& roots,
                                            const ScanImports& scan) {
  std::map<std::string, const Resource*> modules;  // the non-stdlib ones: the stdlib imports none of them
  for (const auto& r : resources) {
    if (!r.stdlib() && (r.kind == blob::Kind::Module || r.kind == blob::Kind::Extension)) modules.emplace(r.name, &r);
  }
  std::set<std::string> reached;
  std::deque<const Resource*> to_scan;
  const auto reach = [&](const std::string& name) {
    for (auto dot = name.find('.');; dot = name.find('.', dot + 1)) {
      const std::string part = name.substr(0, dot);
      const auto it = modules.find(part);
      if (it != modules.end() && reached.insert(part).second) to_scan.push_back(it->second);
      if (dot == std::string::npos) break;
    }
  };
  for (const auto& name : roots) reach(name);
  std::set<std::string> top_levels;
  for (const auto& [name, module] : modules) top_levels.insert(name.substr(0, name.find('.')));
  const std::string app_dir = std::string(layout::kAppDir) + "/";
  for (const auto& r : resources) {
    if (r.kind == blob::Kind::Module && r.relative_path.starts_with(app_dir)) reach(r.name);
    if (r.kind == blob::Kind::Metadata && r.name.ends_with("/entry_points.txt")) {
      for (const auto& entry_point : parse_entry_points(r.data)) {
        // Plugins are imported by name, by the package whose group they join: anyio's pytest11
        // plugin only by pytest, which the app may not include. A dependency's own commands
        // never run in the app (is_plugin_group_of leaves out console_scripts).
        if (is_plugin_group_of(entry_point.group, top_levels)) reach(entry_point.module());
      }
    }
  }
  while (!to_scan.empty()) {
    const Resource* module = to_scan.front();
    to_scan.pop_front();
    if (module->kind != blob::Kind::Module || module->namespace_package() || !module->compiled) continue;
    for (const auto& name : scan(*module)) reach(name);
    const std::string& source = module->source_utf8.empty() ? module->data : module->source_utf8;
    for (const auto& name : dotted_string_constants(source)) {
      const auto dot = name.rfind('.');
      if (modules.contains(name)) {
        reach(name);
      } else if (modules.contains(name.substr(0, dot))) {  // 'pkg.mod.Class'
        reach(name.substr(0, dot));
      }
    }
    for (const auto& argument : import_call_arguments(source)) {
      if (!argument.empty() && argument.back() != '.') {
        if (argument.front() != '.') reach(argument);  // relative ones name their package apart
        continue;
      }
      // Below the package the name starts with, or the module's own.
      const std::string package = argument.empty() ? package_reached_by_name(*module) : argument.substr(0, argument.size() - 1);
      if (package.empty() || package.front() == '.') continue;
      const std::string prefix = package + ".";
      for (auto it = modules.lower_bound(prefix); it != modules.end() && it->first.starts_with(prefix); ++it) {
        // Its own modules and subpackages, not theirs (numpy.distutils.ccompiler's computed
        // import would reach numpy.distutils.command.develop, which needs setuptools), nor its
        // tests and setup scripts (numpy.core.setup): no app imports those by name.
        const bool child = it->first.find('.', prefix.size()) == std::string::npos;
        if (child && third_party_test_reason(it->first).empty()) reach(it->first);
      }
    }
  }
  return reached;
}

}  // namespace freeze::packager

#include "packager/collect/excluded_stdlib_imports.h"

#include <algorithm>
#include <map>
#include <set>

#include "packager/collect/file_tree.h"
#include "packager/collect/imported_names.h"
#include "packager/support/toml_text.h"

namespace freeze::packager {
namespace {

// The top-level name every module a pattern matches starts with ("" for a pattern that starts
// with a glob): a source that imports such a module mentions it.
std::string top_level_word(const std::string& pattern) {
  const std::string literal = pattern.substr(0, pattern.find_first_of("*?["));
  return literal.substr(0, literal.find('.'));
}

bool identifier_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool mentions_word(const std::string& text, const std::string& word) {
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const bool starts = at == 0 || !identifier_char(text[at - 1]);
    const bool ends = at + word.size() == text.size() || !identifier_char(text[at + word.size()]);
    if (starts && ends) return true;
  }
  return false;
}

struct Hit {
  std::string imported;               // the first excluded module imported
  std::vector<std::string> importers; // the modules that import one
};

}  // namespace

std::vector<std::string> excluded_stdlib_import_warnings(const AppConfig& config, const std::vector<Resource>& resources,
                                                         TargetPython& python) {
  std::set<std::string> words;
  for (const auto& pattern : config.stdlib_exclude) {
    if (const auto word = top_level_word(pattern); !word.empty()) words.insert(word);
  }
  if (words.empty()) return {};
  std::set<std::string> present;
  std::set<std::string> app_tops;  // a top-level name the app or a third-party package has is theirs, submodules too
  for (const auto& r : resources) {
    if (r.kind != blob::Kind::Module && r.kind != blob::Kind::Extension) continue;
    present.insert(r.name);
    if (!r.stdlib()) app_tops.insert(r.name.substr(0, r.name.find('.')));
  }
  std::map<std::string, Hit> hits;  // by exclude pattern
  for (const auto& module : resources) {
    if (module.stdlib() || module.kind != blob::Kind::Module || module.namespace_package() || !module.compiled) continue;
    if (std::none_of(words.begin(), words.end(), [&](const auto& word) { return mentions_word(module.source_utf8, word); })) {
      continue;
    }
    std::set<std::string> patterns_hit;
    for (const auto& name : cached_imported_names(python, module, ImportScope::Unguarded)) {
      if (present.contains(name) || app_tops.contains(name.substr(0, name.find('.')))) continue;
      const auto pattern = std::find_if(config.stdlib_exclude.begin(), config.stdlib_exclude.end(),
                                        [&](const std::string& p) { return name_matches(name, p); });
      if (pattern == config.stdlib_exclude.end() || !patterns_hit.insert(*pattern).second || !stdlib_has_module(python.stdlib_dir(), name)) {
        continue;
      }
      Hit& hit = hits[*pattern];
      if (hit.importers.empty()) hit.imported = name;
      hit.importers.push_back(module.name);
    }
  }
  std::vector<std::string> warnings;
  for (const auto& [pattern, hit] : hits) {
    const std::size_t more = hit.importers.size() - 1;
    const std::string who = more == 0 ? hit.importers.front() + " imports "
                                      : hit.importers.front() + " and " + std::to_string(more) +
                                            (more == 1 ? " more module import " : " more modules import ");
    const bool by_default = config.stdlib_exclude == default_stdlib_exclude();
    const std::string fix = by_default ? "if the app runs " + std::string(more == 0 ? "it" : "them") +
                                             ", give [stdlib] the default list without it: exclude = " +
                                             quoted_list(default_stdlib_exclude_without(pattern))
                                       : "remove \"" + pattern + "\" from stdlib.exclude if the app runs " +
                                             (more == 0 ? "it" : "them");
    warnings.push_back(who + hit.imported + ", which " + (by_default ? "the default " : "") + "[stdlib] exclude leaves out (\"" +
                       pattern + "\"): " + (more == 0 ? "that import fails" : "those imports fail") +
                       " in the frozen app, as nothing handles the ImportError; " + fix);
  }
  return warnings;
}

}  // namespace freeze::packager

#include "packager/commands/check/completion.h"

#include <algorithm>

#include "packager/collect/distributions.h"
#include "packager/collect/file_tree.h"
#include "packager/commands/check/import_under_python.h"
#include "packager/commands/check/plan.h"
#include "packager/commands/check/round.h"
#include "packager/commands/check/set_aside.h"
#include "packager/support/console.h"
#include "packager/support/toml_text.h"
#include "packager/support/user_error.h"
#include "packager/support/text.h"

namespace freeze::packager::checks {

namespace fs = std::filesystem;

void blame_first_choices(std::vector<Outcome>& outcomes, const HintContext& context) {
  const auto top_of = [](const std::string& module) { return module.substr(0, module.find('.')); };
  for (Outcome& outcome : outcomes) {
    if (outcome.state != Outcome::State::Failed || outcome.tried_first.empty() || outcome.missing_module.empty()) continue;
    const std::string first = top_of(outcome.tried_first);
    if (context.included_tops.contains(first) || is_optional_test_tool(first, context) || in_stdlib(first, context) ||
        !installed_site_of(first, context)) {
      continue;
    }
    outcome.fallback_missing = outcome.missing_module;
    outcome.missing_module = outcome.tried_first;
  }
}

void blame_missing_distributions(std::vector<Outcome>& outcomes, const HintContext& context) {
  std::optional<std::vector<Distribution>> installed;  // read once, if a check needs it
  for (Outcome& outcome : outcomes) {
    if (outcome.state != Outcome::State::Failed || !outcome.error_type.ends_with("PackageNotFoundError") ||
        outcome.missing_module.empty()) {
      continue;
    }
    if (!installed) {
      installed.emplace();
      for (const auto& site : installed_site_dirs(context)) {
        for (auto& distribution : installed_distributions(site, context.python)) installed->push_back(std::move(distribution));
      }
    }
    const std::string wanted = normalize_distribution_name(outcome.missing_module);
    const auto found = std::find_if(installed->begin(), installed->end(), [&](const Distribution& distribution) {
      return normalize_distribution_name(distribution.name) == wanted;
    });
    if (found == installed->end() || found->top_level.empty()) continue;
    std::string top = wanted;
    std::replace(top.begin(), top.end(), '-', '_');
    if (!found->top_level.contains(top)) top = *found->top_level.begin();
    if (context.included_tops.contains(top) || !installed_site_of(top, context)) continue;
    outcome.missing_distribution = outcome.missing_module;
    outcome.missing_module = top;
  }
}

MissingInstalled missing_installed(const Plan& plan, const std::vector<Outcome>& outcomes, const HintContext& context) {
  MissingInstalled missing;
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    const Outcome& outcome = outcomes[i];
    if (outcome.state != Outcome::State::Failed || outcome.missing_module.empty()) continue;
    const std::string top = outcome.missing_module.substr(0, outcome.missing_module.find('.'));
    if (context.included_tops.contains(top) || is_optional_test_tool(top, context)) continue;
    if (in_stdlib(top, context)) continue;
    if (const auto site = installed_site_of(top, context)) {
      missing.tops[*site].insert(top);
      missing.failed_checks.insert(plan.items[i].name);
      if (plan.items[i].kind == "module") missing.failed_modules.insert(plan.items[i].name);
      missing.missed_by[top].insert({plan.items[i].kind, plan.items[i].name, plan.items[i].top_level});
    }
  }
  return missing;
}

namespace {

// The site directory among `sites` that python loaded `top` from, as `file` says, or nullptr.
template <typename Sites>
const fs::path* site_holding(const Sites& sites, const fs::path& file, const std::string& top) {
  for (const fs::path& dir : sites) {
    if (file.string().starts_with(dir.string() + "/") && directory_has_module(dir, top)) return &dir;
  }
  return nullptr;
}

// The packages python needs from the site directories to import the entry module, the modules
// whose checks failed and the packages just added, optional imports refused as the frozen app
// would (needed_imports()): the layers below them, which the frozen checks would find one round
// each (sphinx from Debian has eleven, black seven). Each is taken as missed by every module
// whose code imported it (click by black's modules, et_xmlfile by openpyxl's), so that
// optional_additions() can tell who needs it and what a package brought along; what the entry
// module loads goes into completion.entry_loads. By site directory.
std::map<fs::path, std::set<std::string>> what_python_needs(const AppConfig& extended, const CheckOptions& options,
                                                             const HintContext& context, const fs::path& scratch,
                                                             const std::set<std::string>& importing,
                                                             Completion& completion) {
  std::map<fs::path, std::set<std::string>> found;
  std::error_code error;
  if (importing.empty() || !fs::is_regular_file(context.interpreter, error)) return found;
  std::set<fs::path> sites;
  std::set<std::string> included;  // the config's and the additions so far
  for (const auto& site : extended.site_packages) {
    sites.insert(site.dir);
    included.insert(site.include.begin(), site.include.end());
  }
  PlainPython python{context.interpreter, extended.package_paths, {sites.begin(), sites.end()}, scratch,
                     std::chrono::seconds(options.timeout_seconds)};
  std::vector<std::string> modules;
  if (!completion.entry_module.empty()) modules.push_back(completion.entry_module);
  modules.insert(modules.end(), importing.begin(), importing.end());
  const auto top_of = [](const std::string& name) { return name.substr(0, name.find('.')); };
  const PythonImports imports = needed_imports(python, included, optional_test_tools(context), modules);
  for (const auto& [module, loaded] : imports.modules) {
    for (const auto& [name, file] : loaded) {
      if (module == completion.entry_module) completion.entry_loads.insert(name);
      const std::string top = top_of(name);
      const bool known = context.included_tops.contains(top) || completion.has_added(top);
      if (known || is_optional_test_tool(top, context) || in_stdlib(top, context)) continue;
      const fs::path* site = site_holding(sites, file, top);
      if (site == nullptr) continue;
      found[*site].insert(top);
      auto& missed_by = completion.missed_by[top];
      if (const auto it = imports.importers.find(top); it != imports.importers.end()) {
        for (const auto& importer : it->second) {
          if (top_of(importer) != top) missed_by.insert({"module", importer, top_of(importer)});
        }
      }
      if (missed_by.empty()) missed_by.insert({"module", module, top_of(module)});
    }
  }
  return found;
}

// "a.b, c and 3 more": the first names of checks that missed a package.
std::string first_names(const std::set<std::tuple<std::string, std::string, std::string>>& checks) {
  constexpr std::size_t kShown = 3;
  std::string text;
  std::size_t count = 0;
  for (const auto& [kind, name, top_level] : checks) {
    if (++count <= kShown) text += (text.empty() ? "" : ", ") + name;
  }
  if (count > kShown) text += " and " + std::to_string(count - kShown) + " more";
  return text;
}

}  // namespace

std::string entry_module_of(const AppConfig& config, const PythonVersion& python) {
  if (config.console_script.empty()) return config.entry_module;
  try {
    for (const auto& site : config.site_packages) {
      const FileTree tree = tree_from_directory(site.dir, {{site.include.begin(), site.include.end()}}, {}, python);
      for (const auto& distribution : find_distributions(tree, python)) {
        const std::string value = find_console_script(metadata_resources(tree, distribution), config.console_script);
        if (!value.empty()) return value.substr(0, value.find(':'));
      }
    }
  } catch (const UserError&) {  // unreadable metadata: the checks say so
  }
  return "";
}

Completion complete_site_packages(const AppConfig& config, const CheckOptions& options, const fs::path& scratch,
                                  const HintContext& context, const std::string& entry_module, MissingInstalled missing) {
  constexpr std::size_t kMostRounds = 20;  // a layer per round: httpie from Debian has nine
  AppConfig extended = config;
  Completion completion;
  completion.entry_module = entry_module;
  while (!missing.tops.empty() && completion.rounds < kMostRounds) {
    std::set<std::string> added_now;
    for (const auto& [dir, tops] : missing.tops) {
      for (const auto& top : tops) {
        if (completion.has_added(top)) continue;
        add_to_site_packages(extended.site_packages, dir, top);
        completion.missed_by[top] = missing.missed_by[top];
        detail("freeze check: " + top + " is missed by " + first_names(missing.missed_by[top]));
        completion.add(top);
        added_now.insert(top);
      }
    }
    if (added_now.empty()) break;
    // With what they import in turn, as python sees it: one round instead of one per layer.
    const fs::path dir = scratch / ("completion-" + std::to_string(completion.rounds + 1));
    fs::create_directories(dir);
    std::set<std::string> importing = added_now;
    importing.insert(missing.failed_modules.begin(), missing.failed_modules.end());
    for (const auto& [site, tops] : what_python_needs(extended, options, context, dir, importing, completion)) {
      for (const auto& top : tops) {
        add_to_site_packages(extended.site_packages, site, top);
        completion.add(top);
        added_now.insert(top);
      }
    }
    ++completion.rounds;
    note("freeze check: checking again with the installed package(s) it lacks: " + join(added_now));
    const std::set<std::string> retry = missing.failed_checks;
    Round round;
    try {
      round = run_round(extended, options, dir, [&](const Item& item) {
        return retry.contains(item.name) || (item.kind == "module" && added_now.contains(item.top_level));
      });
    } catch (const UserError& error) {  // the additions do not build: suggest what was found so far
      detail(std::string("freeze check: the copy with them included does not build: ") + error.what());
      completion.site_packages = extended.site_packages;
      return completion;
    }
    for (auto& import : imports_of_passed_modules(round.built.imports_left_out.uncollected, round.plan, round.outcomes)) {
      completion.uncollected.emplace(import.top, std::move(import));
    }
    HintContext round_context = hint_context(extended, options.distribution, round.inspection,
                                             round.built.executable, round.files_readable);
    round_context.app_test_tools = context.app_test_tools;
    note_test_tools_the_entry_needs(round.plan, round.outcomes, round_context);
    blame_missing_distributions(round.outcomes, round_context);
    blame_first_choices(round.outcomes, round_context);
    set_aside_testing_helpers(round.plan, round.outcomes, round_context.included_tops);
    const std::size_t set_aside_before = round.plan.skipped.size();
    set_aside_integrations(round.plan, round.outcomes, round_context, extended.site_packages,
                           round.built.imports_left_out.integrations);
    set_aside_unreachable(round.plan, round.outcomes, round_context, extended.site_packages, round.built.reachable);
    for (auto it = round.plan.skipped.begin() + static_cast<std::ptrdiff_t>(set_aside_before); it != round.plan.skipped.end(); ++it) {
      const bool known = std::any_of(completion.set_aside.begin(), completion.set_aside.end(),
                                     [&](const Skipped& skipped) { return skipped.name == it->name; });
      if (!known) completion.set_aside.push_back(*it);
    }
    for (std::size_t i = 0; i < round.plan.items.size(); ++i) {
      const Item& item = round.plan.items[i];
      if (round.outcomes[i].state == Outcome::State::Skipped) continue;  // set aside: its imports are not the app's
      if (!round.outcomes[i].not_found.empty()) completion.not_found.push_back({item.name, item.top_level, round.outcomes[i].not_found});
    }
    missing = missing_installed(round.plan, round.outcomes, round_context);
    for (std::size_t i = 0; i < round.plan.items.size(); ++i) {
      const std::string& name = round.plan.items[i].name;
      if (round.outcomes[i].state == Outcome::State::Failed && !missing.failed_checks.contains(name)) {
        completion.other_failures[name] = round.outcomes[i].error_type.empty() ? "failed" : round.outcomes[i].error_type;
      } else {
        completion.other_failures.erase(name);
      }
    }
  }
  completion.complete = missing.tops.empty();
  completion.site_packages = extended.site_packages;
  return completion;
}

std::set<std::string> required_tops(const std::vector<AppConfig::SitePackages>& sites, const PythonVersion& python,
                                    const std::vector<fs::path>& elsewhere) {
  std::vector<Distribution> distributions;
  std::set<std::string> included;
  for (const auto& site : sites) {
    const std::set<std::string> include(site.include.begin(), site.include.end());
    included.insert(include.begin(), include.end());
    for (auto& distribution : find_distributions(tree_from_directory(site.dir, include, {}, python), python)) {
      distributions.push_back(std::move(distribution));
    }
  }
  for (const auto& dir : elsewhere) {  // for the requirements' names
    for (auto& distribution : installed_distributions(dir, python)) distributions.push_back(std::move(distribution));
  }
  std::map<std::string, const Distribution*> by_name;  // the first of a name: the config's own first
  for (const auto& distribution : distributions) by_name.emplace(normalize_distribution_name(distribution.name), &distribution);
  std::set<std::string> required;
  for (const auto& distribution : distributions) {
    const bool is_included = std::any_of(distribution.top_level.begin(), distribution.top_level.end(),
                                         [&](const std::string& top) { return included.contains(top); });
    if (!is_included) continue;
    for (const auto& name : distribution.requires_dist) {
      if (const auto it = by_name.find(name); it != by_name.end()) {
        required.insert(it->second->top_level.begin(), it->second->top_level.end());
      }
    }
  }
  return required;
}

std::vector<OptionalAddition> optional_additions(const Completion& completion) {
  constexpr std::size_t kFew = 3;
  // Leaving out a top-level package (black/__init__.py), the entry module, the packages above
  // it or what importing it loads leaves out the app.
  const std::string& entry = completion.entry_module;
  const auto indispensable = [&](const std::string& module) {
    return module.find('.') == std::string::npos || module == entry || entry.starts_with(module + ".") ||
           completion.entry_loads.contains(module);
  };
  // The added packages only a few of the config's modules import, grouped by those modules
  // (csvkit's in2csv alone imports agatedbf and agateexcel: one note).
  std::map<std::set<std::string>, std::vector<std::string>> by_importers;
  std::vector<std::set<std::string>> order;
  for (const auto& package : completion.added) {
    std::set<std::string> importers;
    bool only_modules_of_the_config = true;
    for (const auto& [kind, name, top_level] : completion.missed_by.at(package)) {
      only_modules_of_the_config =
          only_modules_of_the_config && kind == "module" && !completion.has_added(top_level) && !indispensable(name);
      importers.insert(name);
    }
    if (!only_modules_of_the_config || importers.empty() || importers.size() > kFew || completion.required.contains(package)) {
      continue;
    }
    auto& packages = by_importers[importers];
    if (packages.empty()) order.push_back(importers);
    packages.push_back(package);
  }
  std::vector<OptionalAddition> optional;
  for (const auto& importers : order) {
    OptionalAddition addition{by_importers.at(importers), {importers.begin(), importers.end()}, {}};
    // What was added only for them, or for what they brought: missed only by their modules, or
    // by the modules that import them (through them). Until nothing more joins: python's
    // layers arrive in one round, in no particular order.
    std::set<std::string> layers(addition.packages.begin(), addition.packages.end());
    for (bool grew = true; grew;) {
      grew = false;
      for (const auto& later : completion.added) {
        const auto& checks = completion.missed_by.at(later);
        if (layers.contains(later) || checks.empty()) continue;
        if (std::all_of(checks.begin(), checks.end(), [&](const auto& check) {
              return layers.contains(std::get<2>(check)) || importers.contains(std::get<1>(check));
            })) {
          layers.insert(later);
          addition.brought_along.push_back(later);
          grew = true;
        }
      }
    }
    optional.push_back(std::move(addition));
  }
  return optional;
}

std::vector<OptionalInstalled> optional_installed(const Plan& plan, const std::vector<Outcome>& outcomes,
                                                  const HintContext& context, const Completion& completion) {
  std::vector<Completion::NotFound> tried = completion.not_found;
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    if (outcomes[i].state != Outcome::State::Skipped && !outcomes[i].not_found.empty()) {
      tried.push_back({plan.items[i].name, plan.items[i].top_level, outcomes[i].not_found});
    }
  }
  std::map<std::string, OptionalInstalled> found;
  for (const auto& [check, top_level, imports] : tried) {
    for (const auto& [name, importer] : imports) {
      const std::string top = name.substr(0, name.find('.'));
      if (completion.has_added(top) || context.included_tops.contains(top) || is_optional_test_tool(top, context) || in_stdlib(top, context)) continue;
      auto it = found.find(top);
      if (it == found.end()) {
        const auto site = installed_site_of(top, context);
        if (!site) continue;
        it = found.emplace(top, OptionalInstalled{top, *site, {}, {}}).first;
      }
      const std::string& by = importer.empty() ? check : importer;
      if (std::find(it->second.tried_by.begin(), it->second.tried_by.end(), by) == it->second.tried_by.end()) {
        it->second.tried_by.push_back(by);
      }
      it->second.tried_by_tops.insert(top_level);
    }
  }
  std::vector<OptionalInstalled> out;
  for (auto& [top, optional] : found) out.push_back(std::move(optional));
  return out;
}

std::vector<UncollectedImport> imports_of_passed_modules(const std::vector<UncollectedImport>& imports, const Plan& plan,
                                                         const std::vector<Outcome>& outcomes) {
  std::set<std::string> passed;
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    if (plan.items[i].kind == "module" && outcomes[i].state == Outcome::State::Passed) passed.insert(plan.items[i].name);
  }
  std::vector<UncollectedImport> kept;
  for (auto import : imports) {
    std::erase_if(import.importers, [&](const std::string& module) { return !passed.contains(module); });
    if (!import.importers.empty()) kept.push_back(std::move(import));
  }
  return kept;
}

std::vector<UncollectedImport> uncollected_left_out(const std::vector<UncollectedImport>& first_round,
                                                    const Completion& completion, const HintContext& context,
                                                    const std::vector<OptionalInstalled>& optional) {
  std::map<std::string, UncollectedImport> all = completion.uncollected;
  for (const auto& import : first_round) all.insert_or_assign(import.top, import);
  std::vector<UncollectedImport> left_out;
  for (auto& [top, import] : all) {
    const bool named = std::any_of(optional.begin(), optional.end(), [&](const OptionalInstalled& o) { return o.package == top; });
    if (!completion.has_added(top) && !context.included_tops.contains(top) && !named) left_out.push_back(std::move(import));
  }
  return left_out;
}

std::vector<std::pair<fs::path, std::string>> brought_along_by(const std::vector<UncollectedImport>& uncollected,
                                                              const std::vector<Skipped>& skipped, const AppConfig& config,
                                                              const Completion& completion, const CheckOptions& options,
                                                              const HintContext& context, const fs::path& scratch) {
  std::vector<std::pair<fs::path, std::string>> found;
  std::error_code error;
  if (uncollected.empty() || !fs::is_regular_file(context.interpreter, error)) return found;
  std::vector<AppConfig::SitePackages> sites = completion.added.empty() ? config.site_packages : completion.site_packages;
  for (const auto& import : uncollected) add_to_site_packages(sites, import.site, import.top);
  std::vector<fs::path> dirs;
  std::set<std::string> included;
  for (const auto& site : sites) {
    dirs.push_back(site.dir);
    included.insert(site.include.begin(), site.include.end());
  }
  const PlainPython python{context.interpreter, config.package_paths, dirs, scratch,
                           std::chrono::seconds(options.timeout_seconds)};
  std::vector<std::string> modules;
  std::set<std::string> tops;
  for (const auto& import : uncollected) {
    modules.push_back(import.top);
    tops.insert(import.top);
  }
  for (const auto& set_aside : skipped) {
    const bool wanting = set_aside.why == Skipped::Why::Integration || set_aside.why == Skipped::Why::Unreachable;
    if (wanting && tops.contains(set_aside.needs)) modules.push_back(set_aside.name);
  }
  std::set<std::string> seen;
  for (const auto& [module, loaded] : needed_imports(python, included, optional_test_tools(context), modules).modules) {
    for (const auto& [name, file] : loaded) {
      const std::string top = name.substr(0, name.find('.'));
      if (included.contains(top) || context.included_tops.contains(top) || is_optional_test_tool(top, context) ||
          in_stdlib(top, context) || seen.contains(top)) {
        continue;
      }
      const fs::path* dir = site_holding(dirs, file, top);
      if (dir == nullptr) continue;
      seen.insert(top);
      found.emplace_back(*dir, top);
    }
  }
  return found;
}

void add_to_site_packages(std::vector<AppConfig::SitePackages>& sites, const fs::path& site, const std::string& top) {
  auto it = std::find_if(sites.begin(), sites.end(), [&](const AppConfig::SitePackages& s) { return s.dir == site; });
  if (it == sites.end()) {
    sites.push_back({site, {}});
    it = std::prev(sites.end());
  }
  if (std::find(it->include.begin(), it->include.end(), top) == it->include.end()) it->include.push_back(top);
}

std::string site_packages_lines(const std::vector<AppConfig::SitePackages>& sites) {
  std::string out = "site_packages = [";
  for (std::size_t i = 0; i < sites.size(); ++i) {
    const auto& site = sites[i];
    out += std::string(i == 0 ? "" : ",\n                 ") + "{ dir = " + quote(site.dir.string()) +
           ", include = " + quoted_list(site.include) + " }";
  }
  return out + "]";
}

}  // namespace freeze::packager::checks

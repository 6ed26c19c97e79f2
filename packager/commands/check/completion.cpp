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

namespace freeze::packager::checks {

namespace fs = std::filesystem;

MissingInstalled missing_installed(const Plan& plan, const std::vector<Outcome>& outcomes, const HintContext& context) {
  MissingInstalled missing;
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    const Outcome& outcome = outcomes[i];
    if (outcome.state != Outcome::State::Failed || outcome.missing_module.empty()) continue;
    const std::string top = outcome.missing_module.substr(0, outcome.missing_module.find('.'));
    if (context.included_tops.contains(top) || test_tools().contains(top)) continue;
    if (in_stdlib(top, context)) continue;
    if (const auto site = installed_site_of(top, context)) {
      missing.tops[*site].insert(top);
      missing.failed_checks.insert(plan.items[i].name);
      missing.missed_by[top].insert({plan.items[i].kind, plan.items[i].name, plan.items[i].top_level});
    }
  }
  return missing;
}

namespace {

// What the plain python loads from the site directories importing the packages just added: the
// layers below them, which the frozen checks would find one round each (sphinx from Debian has
// eleven). Each is taken as missed by the package whose import loaded it, so that it counts as
// brought along by that package (optional_additions()). By site directory.
std::map<fs::path, std::set<std::string>> what_python_imports(const AppConfig& extended, const CheckOptions& options,
                                                               const HintContext& context, const fs::path& scratch,
                                                               const std::set<std::string>& importing,
                                                               Completion& completion) {
  std::map<fs::path, std::set<std::string>> found;
  std::error_code error;
  if (importing.empty() || !fs::is_regular_file(context.interpreter, error)) return found;
  std::set<fs::path> sites;
  for (const auto& site : extended.site_packages) sites.insert(site.dir);
  PlainPython python{context.interpreter, extended.package_paths, {sites.begin(), sites.end()}, scratch,
                     std::chrono::seconds(options.timeout_seconds)};
  for (const auto& [module, files] : files_loaded_importing(python, {importing.begin(), importing.end()})) {
    for (const auto& file : files) {
      for (const auto& site : sites) {
        const std::string prefix = site.string() + "/";
        if (!file.string().starts_with(prefix)) continue;
        const std::string relative = file.string().substr(prefix.size());
        const auto slash = relative.find('/');
        // pkg/__init__.py -> pkg; six.py, _cffi_backend.cpython-311-x86_64-linux-gnu.so -> their names.
        const std::string top = slash == std::string::npos ? relative.substr(0, relative.find('.')) : relative.substr(0, slash);
        const bool known = context.included_tops.contains(top) || completion.has_added(top);
        if (top.empty() || top.find('.') != std::string::npos || top == "__pycache__" || known ||
            test_tools().contains(top) || in_stdlib(top, context)) {
          continue;
        }
        if (found[site].insert(top).second) completion.missed_by[top].insert({"module", module, module});
      }
    }
  }
  return found;
}

}  // namespace

Completion complete_site_packages(const AppConfig& config, const CheckOptions& options, const fs::path& scratch,
                                  const HintContext& context, MissingInstalled missing) {
  constexpr std::size_t kMostRounds = 20;  // a layer per round: httpie from Debian has nine
  AppConfig extended = config;
  Completion completion;
  while (!missing.tops.empty() && completion.rounds < kMostRounds) {
    std::set<std::string> added_now;
    for (const auto& [dir, tops] : missing.tops) {
      for (const auto& top : tops) {
        if (completion.has_added(top)) continue;
        add_to_site_packages(extended.site_packages, dir, top);
        completion.missed_by[top] = missing.missed_by[top];
        completion.add(top);
        added_now.insert(top);
      }
    }
    if (added_now.empty()) break;
    // With what they import in turn, as python sees it: one round instead of one per layer.
    const fs::path dir = scratch / ("completion-" + std::to_string(completion.rounds + 1));
    fs::create_directories(dir);
    for (const auto& [site, tops] :
         what_python_imports(extended, options, context, dir, added_now, completion)) {
      for (const auto& top : tops) {
        add_to_site_packages(extended.site_packages, site, top);
        completion.add(top);
        added_now.insert(top);
      }
    }
    ++completion.rounds;
    std::string names;
    for (const auto& top : added_now) names += (names.empty() ? "" : ", ") + top;
    note("freeze check: checking again with the installed package(s) it lacks: " + names);
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
    const HintContext round_context = hint_context(extended, options.distribution, round.inspection,
                                                   round.built.executable, round.files_readable);
    set_aside_testing_helpers(round.plan, round.outcomes, round_context.included_tops);
    missing = missing_installed(round.plan, round.outcomes, round_context);
  }
  completion.complete = missing.tops.empty();
  completion.site_packages = extended.site_packages;
  return completion;
}

std::set<std::string> required_tops(const std::vector<AppConfig::SitePackages>& sites, const PythonVersion& python) {
  std::vector<Distribution> distributions;
  std::set<std::string> included;
  for (const auto& site : sites) {
    const std::set<std::string> include(site.include.begin(), site.include.end());
    included.insert(include.begin(), include.end());
    for (auto& distribution : find_distributions(tree_from_directory(site.dir, include, {}, python), python)) {
      distributions.push_back(std::move(distribution));
    }
  }
  std::map<std::string, const Distribution*> by_name;
  for (const auto& distribution : distributions) by_name.emplace(normalize_distribution_name(distribution.name), &distribution);
  std::set<std::string> required;
  for (const auto& distribution : distributions) {
    const bool is_included = std::any_of(distribution.top_level.begin(), distribution.top_level.end(),
                                         [&](const std::string& top) { return included.contains(top); });
    if (!is_included) continue;
    for (const auto& name : distribution.requires_dist) {
      if (const auto it = by_name.find(name); it != by_name.end()) required.insert(it->second->top_level.begin(), it->second->top_level.end());
    }
  }
  return required;
}

std::vector<OptionalAddition> optional_additions(const Completion& completion) {
  constexpr std::size_t kFew = 3;
  std::vector<OptionalAddition> optional;
  for (const auto& package : completion.added) {
    OptionalAddition addition{package, {}, {}};
    bool only_modules_of_the_config = true;
    for (const auto& [kind, name, top_level] : completion.missed_by.at(package)) {
      only_modules_of_the_config = only_modules_of_the_config && kind == "module" && !completion.has_added(top_level);
      addition.imported_by.push_back(name);
    }
    if (!only_modules_of_the_config || addition.imported_by.empty() || addition.imported_by.size() > kFew ||
        completion.required.contains(package)) {
      continue;
    }
    // What later rounds added only for it, or for what it brought: missed only by its modules,
    // theirs, or the modules that import it (through it).
    std::set<std::string> layers = {package};
    const std::set<std::string> importers(addition.imported_by.begin(), addition.imported_by.end());
    for (const auto& later : completion.added) {
      const auto& checks = completion.missed_by.at(later);
      if (layers.contains(later) || checks.empty()) continue;
      if (std::all_of(checks.begin(), checks.end(), [&](const auto& check) {
            return layers.contains(std::get<2>(check)) || importers.contains(std::get<1>(check));
          })) {
        layers.insert(later);
        addition.brought_along.push_back(later);
      }
    }
    optional.push_back(std::move(addition));
  }
  return optional;
}

std::vector<OptionalInstalled> optional_installed(const Plan& plan, const std::vector<Outcome>& outcomes,
                                                  const HintContext& context, const Completion& completion) {
  std::map<std::string, OptionalInstalled> found;
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    for (const auto& name : outcomes[i].not_found) {
      const std::string top = name.substr(0, name.find('.'));
      if (completion.has_added(top) || context.included_tops.contains(top) || test_tools().contains(top) || in_stdlib(top, context)) continue;
      auto it = found.find(top);
      if (it == found.end()) {
        const auto site = installed_site_of(top, context);
        if (!site) continue;
        it = found.emplace(top, OptionalInstalled{top, *site, {}, {}}).first;
      }
      if (std::find(it->second.tried_by.begin(), it->second.tried_by.end(), plan.items[i].name) == it->second.tried_by.end()) {
        it->second.tried_by.push_back(plan.items[i].name);
      }
      it->second.tried_by_tops.insert(plan.items[i].top_level);
    }
  }
  std::vector<OptionalInstalled> out;
  for (auto& [top, optional] : found) out.push_back(std::move(optional));
  return out;
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

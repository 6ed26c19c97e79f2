#include "packager/commands/check/frozen_warnings.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "packager/commands/check/import_under_python.h"
#include "packager/commands/check/set_aside.h"

namespace freeze::packager::checks {

namespace fs = std::filesystem;

namespace {

std::string top_of(const std::string& module) { return module.substr(0, module.find('.')); }

// The same warning, whichever directory its message names (the frozen app's paths are below
// the executable's directory).
bool same_warning(const ShownWarning& a, const ShownWarning& b) {
  return a.category == b.category && a.module == b.module && without_directories(a.message) == without_directories(b.message);
}

bool among(const std::vector<ShownWarning>& shown, const ShownWarning& warning) {
  return std::any_of(shown.begin(), shown.end(), [&](const ShownWarning& other) { return same_warning(warning, other); });
}

// The optional packages that may be behind a warning: those its message names (twisted's
// warning about service_identity names pyasn1_modules, and comes from no module: its stack level
// is past the import); else those the warning module's package tries; else, for a warning of
// no module, the first few of all.
std::vector<std::string> candidates_for(const ShownWarning& warning, const std::vector<OptionalInstalled>& optional) {
  constexpr std::size_t kMostGuessed = 6;
  std::vector<std::string> named, tried_by_its_package, all;
  for (const auto& package : optional) {
    if (warning.message.find("'" + package.package + "'") != std::string::npos ||
        warning.message.find(" " + package.package + " ") != std::string::npos) {
      named.push_back(package.package);
    }
    const bool tried = std::any_of(package.tried_by.begin(), package.tried_by.end(), [&](const std::string& by) {
      return !warning.module.empty() && top_of(by) == top_of(warning.module);
    });
    if (tried) tried_by_its_package.push_back(package.package);
    if (all.size() < kMostGuessed) all.push_back(package.package);
  }
  if (!named.empty()) return named;
  if (!warning.module.empty()) return tried_by_its_package;
  return all;
}

// Whether python shows `warning` importing `module` when the `refused` packages are not there.
bool python_shows_without(const PlainPython& python, const std::string& module, const ShownWarning& warning,
                          const std::set<std::string>& refused) {
  return among(import_under_python(python, module, refused).shown_warnings, warning);
}

// Of `candidates` (optional packages of the warning module's package that the frozen app lacks),
// those whose absence makes python show the warning too: each alone, else all together, else none.
std::vector<std::string> causes(const PlainPython& python, const std::string& module, const ShownWarning& warning,
                                const std::vector<std::string>& candidates, std::size_t& starts) {
  if (candidates.empty() || !python_shows_without(python, module, warning, {candidates.begin(), candidates.end()})) return {};
  ++starts;
  if (candidates.size() == 1) return candidates;
  std::vector<std::string> alone;
  for (const auto& candidate : candidates) {
    ++starts;
    if (python_shows_without(python, module, warning, {candidate})) alone.push_back(candidate);
  }
  return alone.empty() ? candidates : alone;
}

}  // namespace

std::vector<FrozenOnlyWarning> frozen_only_warnings(const Plan& plan, const std::vector<Outcome>& outcomes,
                                                    const HintContext& context, const std::string& entry_module,
                                                    const std::vector<OptionalInstalled>& optional,
                                                    const fs::path& scratch, int timeout_seconds) {
  constexpr std::size_t kMostStarts = 24;  // python starts, each with the module's imports
  std::vector<FrozenOnlyWarning> found;
  std::error_code error;
  if (!fs::is_regular_file(context.interpreter, error)) return found;
  PlainPython python{context.interpreter, context.config.package_paths, {}, scratch, std::chrono::seconds(timeout_seconds)};
  for (const auto& site : context.config.site_packages) python.site_dirs.push_back(site.dir);
  std::vector<ShownWarning> seen;
  std::size_t starts = 0;
  for (std::size_t i = 0; i < plan.items.size() && starts < kMostStarts; ++i) {
    const Item& item = plan.items[i];
    const Outcome& outcome = outcomes[i];
    const bool ran = outcome.state == Outcome::State::Passed || outcome.state == Outcome::State::Failed;
    const std::string module =
        item.kind == "module" ? item.name : item.kind == "entry" ? entry_check_module(item, entry_module) : "";
    if (!ran || module.empty()) continue;
    std::vector<const ShownWarning*> fresh;
    for (const auto& warning : outcome.shown_warnings) {
      if (!among(seen, warning)) fresh.push_back(&warning);
    }
    if (fresh.empty()) continue;
    ++starts;
    const PlainImport plain = import_under_python(python, module);
    if (plain.state == PlainImport::State::Unknown) continue;  // python could not say
    for (const ShownWarning* warning : fresh) {
      seen.push_back(*warning);
      if (among(plain.shown_warnings, *warning)) continue;
      found.push_back({*warning, item.name, causes(python, module, *warning, candidates_for(*warning, optional), starts)});
    }
  }
  return found;
}

}  // namespace freeze::packager::checks

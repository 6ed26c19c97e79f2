#include "packager/commands/check_command.h"

#include <chrono>

#include "packager/commands/check/completion.h"
#include "packager/commands/check/frozen_warnings.h"
#include "packager/commands/check/hints.h"
#include "packager/commands/check/report.h"
#include "packager/commands/check/round.h"
#include "packager/commands/check/runner.h"
#include "packager/commands/check/set_aside.h"
#include "packager/commands/check/verification_build.h"
#include "packager/config/app_config.h"
#include "packager/config/explain_config.h"
#include "packager/support/scratch_directory.h"

// The command's stages are in check/: plan (which checks), verification_build and runner (the
// copy and the checking program inside it), set_aside (failures that are not the frozen
// app's), completion (the installed packages it lacks), hints and report.
namespace freeze::packager {

using namespace checks;

int check(const CheckOptions& options, std::ostream& out) {
  const auto started = std::chrono::steady_clock::now();
  const AppConfig config = load_app_config(options.config_file);  // errors name the real file
  explain_config(config);
  ScratchDirectory::remove_abandoned(temporary_parent(), "freeze-check-");  // of checks that were killed
  ScratchDirectory temp(temporary_parent(), "freeze-check-");
  Round round = run_round(config, options, temp.path());
  Plan& plan = round.plan;
  std::vector<Outcome>& outcomes = round.outcomes;

  HintContext context = hint_context(config, options.distribution, round.inspection, round.built.executable,
                                           round.files_readable);
  note_test_tools_the_entry_needs(plan, outcomes, context);
  blame_missing_distributions(outcomes, context);
  blame_first_choices(outcomes, context);
  set_aside_testing_helpers(plan, outcomes, context.included_tops);
  set_aside_missing_extensions(plan, outcomes, context.included_modules);
  set_aside_plain_libraries(plan, outcomes);
  const std::string entry_module = entry_module_of(config, context.python);
  set_aside_integrations(plan, outcomes, context, config.site_packages, round.built.imports_left_out.integrations);
  set_aside_unreachable(plan, outcomes, context, config.site_packages, round.built.reachable);
  set_aside_order_dependent(plan, outcomes, round.built.executable, path_probe(round.inspection, round.built.executable),
                            temp.path(), options.timeout_seconds);
  set_aside_failures_of_python(plan, outcomes, context, temp.path(), options.timeout_seconds);
  Completion completion = complete_site_packages(config, options, temp.path(), context, entry_module,
                                                 missing_installed(plan, outcomes, context));
  if (!completion.added.empty()) completion.required = required_tops(completion.site_packages, context.python, installed_site_dirs(context));
  plan.skipped.insert(plan.skipped.end(), completion.set_aside.begin(), completion.set_aside.end());
  // Set aside for want of a package that the suggestion includes after all (borg.helpers.msgpack,
  // an integration with msgpack, which borg's entry needs): with it, the next check imports it.
  std::erase_if(plan.skipped, [&](const Skipped& skipped) {
    return (skipped.why == Skipped::Why::Integration || skipped.why == Skipped::Why::Unreachable) &&
           completion.has_added(skipped.needs);
  });
  std::set<std::string> app_tops;  // the entry's package and the app's own code ([packages] paths)
  if (!entry_module.empty()) app_tops.insert(entry_module.substr(0, entry_module.find('.')));
  for (const Item& item : plan.items) {
    if (item.kind == "module" && !item.stdlib && !item.third_party) app_tops.insert(item.top_level);
  }
  std::vector<InstalledPlugins> optional_plugins = take_dependency_plugins(plan, app_tops);
  add_absent_plugins(plan, outcomes);
  std::string build_command = "freeze build " + config.config_file.string();
  if (options.distribution) build_command += " --distribution " + options.distribution->string();
  std::vector<OptionalInstalled> optional = optional_installed(plan, outcomes, context, completion);
  for (const auto& package : optional) context.optional_installed[package.package] = package.tried_by_tops;
  std::vector<UncollectedImport> uncollected = uncollected_left_out(
      imports_of_passed_modules(round.built.imports_left_out.uncollected, plan, outcomes), completion, context, optional);
  std::vector<std::pair<std::filesystem::path, std::string>> uncollected_bring =
      brought_along_by(uncollected, plan.skipped, config, completion, options, context, temp.path());
  std::vector<FrozenOnlyWarning> frozen_only =
      frozen_only_warnings(plan, outcomes, context, entry_module, optional, temp.path(), options.timeout_seconds);
  Results results{config,         plan, outcomes, context, 0, 0, {}, 0, std::move(completion), std::move(build_command),
                  std::move(optional), std::move(uncollected), std::move(uncollected_bring), std::move(frozen_only),
                  std::move(optional_plugins)};
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    ++results.counts[plan.items[i].kind];
    if (outcomes[i].state == Outcome::State::Failed) ++results.failed;
    if (outcomes[i].state == Outcome::State::Passed) ++results.passed;
  }
  results.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (options.json) {
    write_json_report(results, out);
  } else {
    write_text_report(results, out);
  }
  return results.failed == 0 ? 0 : 1;
}

}  // namespace freeze::packager

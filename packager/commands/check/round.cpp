#include "packager/commands/check/round.h"

#include <string>

#include "packager/commands/check/plan.h"
#include "packager/commands/check/runner.h"
#include "packager/commands/check/verification_build.h"
#include "packager/support/console.h"

namespace freeze::packager::checks {

namespace fs = std::filesystem;

Round run_round(const AppConfig& config, const CheckOptions& options, const fs::path& dir,
                const std::function<bool(const Item&)>& keep) {
  Round round;
  round.built = build_verification_copy(config, dir, options.distribution, !keep);
  round.inspection = read_inspection(round.built.executable);
  round.plan = plan_checks(config, round.inspection, options);
  if (keep) std::erase_if(round.plan.items, [&](const Item& item) { return !keep(item); });
  const fs::path manifest = dir / "manifest.txt";
  write_manifest(round.plan, manifest);
  // The first round's count is news; a completion round's is a detail of its own note.
  const std::string running = "running " + std::to_string(round.plan.items.size()) +
                              (round.plan.items.size() == 1 ? " check" : " checks");
  keep ? detail(running) : note(running);
  round.outcomes = run_checks(round.plan, round.built.executable, dir, manifest,
                              path_probe(round.inspection, round.built.executable), options.timeout_seconds,
                              round.files_readable);
  return round;
}

}  // namespace freeze::packager::checks

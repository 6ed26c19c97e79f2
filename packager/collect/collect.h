// Gathers every resource an app.toml asks for: the stdlib selection (modules, data, lib-dynload
// extension modules), the [packages] paths, site-packages directories and wheels.
#pragma once

#include <filesystem>
#include <vector>

#include "packager/config/app_config.h"
#include "packager/collect/distributions.h"
#include "packager/build/resource.h"

namespace freeze::packager {

struct Collection {
  std::vector<Resource> resources;
  std::vector<Distribution> distributions;  // those included
};

// Throws UserError, listing every missing or conflicting item at once.
// `output_dir` is never collected from (an app tree may contain it).
Collection collect_resources(const AppConfig& config, const std::filesystem::path& stdlib_dir,
                             const std::filesystem::path& output_dir);

}  // namespace freeze::packager

#include "packager/collect/imported_names.h"

#include <sstream>

#include "packager/build/build_cache.h"
#include "support_sources.h"  // generated: kScanImportsSource

namespace freeze::packager {

std::vector<std::string> cached_imported_names(TargetPython& python, const Resource& module, ImportScope scope) {
  BuildCache& cache = BuildCache::instance();
  // The unguarded scope follows the branches of version and platform conditions this python
  // takes; the scanner's own source is part of the key, so a changed scanner scans again.
  const std::string key = cache.key({"imports", kScanImportsSource, module.name, import_scope_name(scope), python.version().short_version(),
                                     module.stdlib() ? "stdlib" : "app", module.runs_as_main ? "main" : "", module.source_utf8});
  std::vector<std::string> names;
  if (const auto hit = cache.get(key)) {
    std::istringstream lines(*hit);
    for (std::string line; std::getline(lines, line);) names.push_back(line);
    return names;
  }
  names = python.imported_names(module.source_utf8, module.name, (module.flags & blob::kFlagPackage) != 0, scope,
                                module.stdlib(), module.runs_as_main);
  std::string joined;
  for (const auto& name : names) joined += name + "\n";
  cache.put(key, joined);
  return names;
}

}  // namespace freeze::packager

#include "packager/collect/uncollected_imports.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "packager/collect/file_tree.h"
#include "packager/collect/imported_names.h"
#include "packager/collect/test_code.h"

namespace freeze::packager {

ImportsLeftOut imports_left_out(const AppConfig& config, const std::vector<Resource>& resources, TargetPython& python) {
  if (config.site_packages.empty()) return {};
  ImportsLeftOut left_out;
  std::set<std::string> tops;  // what the included modules provide, stdlib too
  for (const auto& r : resources) {
    if (r.kind == blob::Kind::Module || r.kind == blob::Kind::Extension) tops.insert(r.name.substr(0, r.name.find('.')));
  }
  std::map<std::string, UncollectedImport> found;
  std::set<std::string> not_installed;  // looked up once
  for (const auto& module : resources) {
    if (module.stdlib() || module.kind != blob::Kind::Module || module.namespace_package() || !module.compiled) continue;
    if (module.name.ends_with("__main__") || !third_party_test_reason(module.name).empty() || is_test_helper(module.name)) {
      continue;
    }
    std::set<std::string> imported_tops;
    for (const auto& name : cached_imported_names(python, module, ImportScope::Unguarded)) {
      imported_tops.insert(name.substr(0, name.find('.')));
    }
    // A module named after one of its imports integrates with it (urllib3.contrib.pyopenssl
    // with OpenSSL): what else it imports is for that too (cryptography).
    const auto integrated = std::find_if(imported_tops.begin(), imported_tops.end(), [&](const std::string& top) {
      return !tops.contains(top) && is_integration_with(module.name, top);
    });
    if (integrated != imported_tops.end()) {
      left_out.integrations.emplace(module.name, *integrated);
      continue;
    }
    for (const auto& top : imported_tops) {
      if (tops.contains(top) || not_installed.contains(top) || test_tools().contains(top) || top == "__main__") continue;
      auto it = found.find(top);
      if (it == found.end()) {
        // The stdlib's own modules are never the site directories' (a backport installed beside).
        const bool stdlib = stdlib_has_module(python.stdlib_dir(), top);
        const auto site = stdlib ? config.site_packages.end()
                                 : std::find_if(config.site_packages.begin(), config.site_packages.end(),
                                                [&](const AppConfig::SitePackages& s) { return directory_has_module(s.dir, top); });
        if (site == config.site_packages.end()) {
          not_installed.insert(top);
          continue;
        }
        it = found.emplace(top, UncollectedImport{top, site->dir, {}}).first;
      }
      it->second.importers.push_back(module.name);
    }
  }
  for (auto& [top, import] : found) {
    std::sort(import.importers.begin(), import.importers.end());
    left_out.uncollected.push_back(std::move(import));
  }
  return left_out;
}

std::string uncollected_imports_warning(const std::vector<UncollectedImport>& imports) {
  if (imports.empty()) return "";
  constexpr std::size_t kNamed = 6;
  std::string list;
  for (std::size_t i = 0; i < imports.size() && i < kNamed; ++i) {
    const auto& import = imports[i];
    const std::size_t more = import.importers.size() - 1;
    list += (i == 0 ? "" : ", ") + import.top + " (by " + import.importers.front() +
            (more == 0 ? "" : " and " + std::to_string(more) + " more") + ")";
  }
  if (imports.size() > kNamed) list += " and " + std::to_string(imports.size() - kNamed) + " more";
  const bool one = imports.size() == 1;
  return std::to_string(imports.size()) + (one ? " package" : " packages") + " installed in the site_packages "
         "directories but not included " + (one ? "is" : "are") + " imported where nothing handles the ImportError: " +
         list + ". The frozen app fails where it runs such an import: include " + (one ? "it" : "them") +
         " (freeze check names them too, with the site_packages setting)";
}

bool is_integration_with(const std::string& module, const std::string& top) {
  const auto lower = [](std::string text) {
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
  };
  std::string name = lower(top);
  name.erase(0, name.find_first_not_of('_'));
  const auto dot = module.find('.');
  if (dot == std::string::npos || name.size() < 3) return false;
  // Any part below the top-level package: IPython.sphinxext.ipython_directive too.
  const std::string below = lower(module.substr(dot + 1));
  for (std::size_t start = 0; start < below.size();) {
    const std::size_t end = std::min(below.find('.', start), below.size());
    if (below.substr(start, end - start).find(name) != std::string::npos) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace freeze::packager

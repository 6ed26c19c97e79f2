// Imports of installed packages that the config leaves out: an included module imports a
// top-level name that none of the included modules provide, which is installed in one of the
// config's site_packages directories, and nothing handles the ImportError. pelican.utils imports
// unidecode inside slugify(), which every article's slug calls: the frozen app fails there, and
// freeze check, which imports modules but calls nothing, would not see it. freeze build warns;
// freeze check adds them to its suggestion.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "packager/build/resource.h"
#include "packager/build/target_python.h"
#include "packager/config/app_config.h"

namespace freeze::packager {

struct UncollectedImport {
  std::string top;                     // "unidecode"
  std::filesystem::path site;          // the site_packages directory that has it
  std::vector<std::string> importers;  // the included modules that import it, sorted
};

struct ImportsLeftOut {
  std::vector<UncollectedImport> uncollected;  // by top-level name
  // Modules named after a package they import that nothing included provides, with it
  // (pygments.sphinxext -> sphinx): integrations, whose other imports (docutils) are for it too.
  std::map<std::string, std::string> integrations;
};

// From the unguarded imports (ImportScope::Unguarded) of the app's and third-party packages'
// compiled modules. Not those of test code (third_party_test_reason), of a __main__ module, of
// test tools, nor a module's integration with what it imports (is_integration_with), which is
// listed apart.
ImportsLeftOut imports_left_out(const AppConfig& config, const std::vector<Resource>& resources, TargetPython& python);

// The warning freeze build prints, one line, or empty if there are none.
std::string uncollected_imports_warning(const std::vector<UncollectedImport>& imports);

// True if `module` is named after `top`, as an integration with it is (pygments.sphinxext and
// sphinx, tqdm.rich and rich, urllib3.contrib.pyopenssl and OpenSSL, IPython.sphinxext.ipython_directive
// and sphinx): a part below its top-level package holds the name, in any case, without leading
// underscores, at least three letters long.
bool is_integration_with(const std::string& module, const std::string& top);

}  // namespace freeze::packager

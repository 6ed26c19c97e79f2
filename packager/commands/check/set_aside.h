// Failures `freeze check` sets aside, after the run, as not the frozen app's: a testing helper
// missing pytest, a stdlib module needing an extension its CPython is built without, a shared
// library that only looks like an extension module, a module the plain interpreter fails to
// import alike. And the plugin distributions the config leaves
// out, added as failures of their own.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "packager/commands/check/check_model.h"
#include "packager/commands/check/hints.h"

namespace freeze::packager::checks {

// A testing helper package (numpy.testing) that fails for want of pytest is skipped, not failed.
void set_aside_testing_helpers(Plan& plan, std::vector<Outcome>& outcomes, const std::set<std::string>& included_tops);

// A stdlib module (--stdlib) that fails only because the CPython it is frozen with is built
// without an optional extension module is skipped, naming it: the same python fails alike.
void set_aside_missing_extensions(Plan& plan, std::vector<Outcome>& outcomes, const std::set<std::string>& included);

// A shared library named like an extension module (fastlib/_native.abi3.so, loaded with ctypes)
// has no PyInit_ function: importing it fails under python alike, and nothing imports it. It
// is skipped, saying so.
void set_aside_plain_libraries(Plan& plan, std::vector<Outcome>& outcomes);
// A module of an installed package that is an integration with another package, installed here
// but not included, is set aside, naming it: pygments.sphinxext, pygments' extension for sphinx,
// would bring sphinx and all it requires into every app that uses pygments. The app needs the
// package only if it uses that module. An integration is a submodule of an installed package
// named after what it needs (sphinxext, contrib.pyopenssl), which no included distribution
// requires (Debian's metadata often lists no requirements, so that alone could not say). It may
// fail on another import first (pygments.sphinxext on docutils): `integrations` are the modules
// named after a package left out that they import (ImportsLeftOut). One the entry loads is
// never set aside, since the entry's own check fails for it too (IPython.sphinxext is not).
void set_aside_integrations(Plan& plan, std::vector<Outcome>& outcomes, const HintContext& context,
                            const std::vector<AppConfig::SitePackages>& sites,
                            const std::map<std::string, std::string>& integrations);

// A module of an installed package that the app imports only optionally, if at all (not in
// `reachable`, from reachable_third_party(): no import of the entry, the app's code, plugins or
// what they import names it outside a try that handles ImportError), and that needs a package
// installed here, not included, which no included distribution requires, or one installed
// nowhere here, is set aside, naming it: autobahn.xbr needs numpy, but magic-wormhole only
// tries it; twisted.internet.iocpreactor needs pywintypes, and nothing imports it on Linux. What a reachable check fails on
// is never set aside so. Nothing is set aside without `reachable` (an interpreter-mode app may
// import anything).
void set_aside_unreachable(Plan& plan, std::vector<Outcome>& outcomes, const HintContext& context,
                           const std::vector<AppConfig::SitePackages>& sites,
                           const std::optional<std::set<std::string>>& reachable);

// A module that fails for a reason of its own (not a missing module, a crash or a hang) is
// checked again alone, in a fresh start of the verification copy (`executable`, with `probe`,
// its manifest in `scratch`): if it passes so, it failed for what the checks before it imported,
// which the app need not import together (txaio's use of twisted makes autobahn.asyncio raise
// "Explicitly using 'twisted' already", under python too), and it is set aside, naming the failure.
// If it fails otherwise alone, that failure becomes its outcome: the module's own.
void set_aside_order_dependent(Plan& plan, std::vector<Outcome>& outcomes, const std::filesystem::path& executable,
                               const std::string& probe, const std::filesystem::path& scratch, int timeout_seconds);

// A module that fails to import for a reason of its own is imported again by the plain
// interpreter (context.interpreter), with the config's packages and site directories in front
// of its sys.path. If python fails alike (the same exception, raised at the same line or with a
// message that differs at most in the directories of the paths it names, as an extension
// module's, which has no line, may), the failure is the module's, not the frozen app's: it is
// set aside, saying so. Without that python, nothing is set aside.
void set_aside_failures_of_python(Plan& plan, std::vector<Outcome>& outcomes, const HintContext& context,
                                  const std::filesystem::path& scratch, int timeout_seconds);

// Takes out of plan.absent the plugin distributions that plug only into groups of the app's
// dependencies, not of `app_tops` (the app's own top-level packages): IPython's and xonsh's
// pygments.lexers for mycli, which highlights with pygments. Like an optional import, python
// here would use them, and the frozen app works without them: they are reported, not failed.
std::vector<InstalledPlugins> take_dependency_plugins(Plan& plan, const std::set<std::string>& app_tops);

// Each plugin distribution the config leaves out becomes a failed item of its own.
void add_absent_plugins(Plan& plan, std::vector<Outcome>& outcomes);

// "file:LINE in FUNCTION" with the file's name only: where the frozen app and python raised
// compare alike although the frozen module's file is under the executable's directory.
std::string frame_site(const std::string& where);

// `message` with each path reduced to its file name ("/opt/x/dist/lib/m.so: undefined symbol"
// -> "m.so: undefined symbol"): a failure's words, wherever its files were installed.
std::string without_directories(const std::string& message);

}  // namespace freeze::packager::checks

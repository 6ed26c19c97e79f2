#include "packager/commands/check/report.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "packager/support/console.h"
#include "packager/support/replace_all.h"
#include "packager/support/toml_text.h"
#include "packager/support/text.h"

namespace freeze::packager::checks {

namespace fs = std::filesystem;

namespace {

std::string display_path(std::string text, const fs::path& exe_dir) {
  text = replace_all(std::move(text), exe_dir.string() + "/", "<exe dir>/");
  return replace_all(std::move(text), exe_dir.string(), "<exe dir>");
}

// "urllib3.contrib.socks with socks, ...": the first modules set aside so, with what they need.
std::string set_aside_examples(const std::vector<Skipped>& skipped, Skipped::Why why, const std::string& joint) {
  constexpr std::size_t kShown = 3;
  std::vector<std::string> examples;
  std::size_t count = 0;
  for (const auto& module : skipped) {
    if (module.why != why) continue;
    if (++count <= kShown) examples.push_back(module.name + joint + module.needs);
  }
  if (count > kShown) examples.push_back("...");
  return join(examples);
}

std::string indent(const std::string& text, const std::string& prefix) {
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out += prefix + line + "\n";
  return out;
}

// Failures with the same exception and hint are one problem: shown once, with the others listed.
std::vector<std::vector<std::size_t>> failure_groups(const Results& results) {
  std::vector<std::vector<std::size_t>> groups;
  std::map<std::string, std::size_t> group_of;  // "type: message | hint" -> group
  for (std::size_t i = 0; i < results.plan.items.size(); ++i) {
    const Outcome& outcome = results.outcomes[i];
    if (outcome.state != Outcome::State::Failed) continue;
    const std::string key = outcome.crashed || outcome.timed_out
                                ? "#" + std::to_string(i)
                                : outcome.error_type + ": " + display_path(outcome.message, results.context.exe_dir) +
                                      " | " + hint_for(results.plan.items[i], outcome, results.context);
    const auto [it, inserted] = group_of.emplace(key, groups.size());
    if (inserted) groups.emplace_back();
    groups[it->second].push_back(i);
  }
  return groups;
}

void write_failure(const Results& results, const std::vector<std::size_t>& group, bool colors, bool verbose,
                   std::ostream& out) {
  const Plan& plan = results.plan;
  const HintContext& context = results.context;
  const Item& item = plan.items[group.front()];
  const Outcome& outcome = results.outcomes[group.front()];
  out << paint("FAIL", Style::Red, colors) << "  " << paint(item.kind + " " + item.name, Style::Bold, colors) << "  ["
      << item.location << "]\n";
  const std::string message = display_path(outcome.message, context.exe_dir);
  const std::string where = replace_all(outcome.where, context.exe_dir.string() + "/", "");
  out << "      " << outcome.error_type << (message.empty() ? "" : ": " + message) << "\n";
  if (!where.empty()) out << "      at " << where << "\n";
  if (verbose && !outcome.traceback.empty()) out << indent(display_path(outcome.traceback, context.exe_dir), "      | ");
  if (!outcome.output.empty()) {
    out << "      its last output:\n" << indent(display_path(outcome.output, context.exe_dir), "      | ");
  }
  if (group.size() > 1) {
    const std::size_t shown = verbose ? group.size() - 1 : std::min<std::size_t>(group.size() - 1, 8);
    std::string names;
    for (std::size_t k = 1; k <= shown; ++k) names += (k > 1 ? ", " : "") + plan.items[group[k]].name;
    if (shown < group.size() - 1) names += ", ... (--verbose lists all)";
    out << "      the same failure in " << group.size() - 1 << " more: " << names << "\n";
  }
  out << "      " << paint("hint:", Style::Cyan, colors) << " " << hint_for(item, outcome, context) << "\n";
}

void write_warnings(const Results& results, bool colors, std::ostream& out) {
  out << paint("possible problems (not failures):", Style::Yellow, colors) << "\n";
  for (const auto& outcome : results.outcomes) {
    for (const auto& warning_text : outcome.warnings) out << "  " << warning_text << "\n";
  }
  out << "  these modules build paths from __file__ while their package's data files are in memory: if they open\n"
         "  those files with open(), route the package to the filesystem ([[routing.rule]] location =\n"
         "  \"filesystem-relative\") or read them with importlib.resources\n";
}

// The closing lines: how many checks of which kinds passed, what was not imported, what next.
void write_summary(const Results& results, std::size_t problem_count, bool colors, bool quiet, bool verbose,
                   std::ostream& out) {
  const Plan& plan = results.plan;
  const std::size_t failed = results.failed;
  std::map<std::string, std::size_t> counts = results.counts;
  std::string what;
  auto add = [&](const char* kind, const char* singular, const char* plural) {
    if (!counts.contains(kind)) return;
    what += (what.empty() ? "" : ", ") + std::to_string(counts[kind]) + " " + (counts[kind] == 1 ? singular : plural);
  };
  add("entry", "entry point", "entry points");
  add("module", "module", "modules");
  add("resource", "resource file", "resource files");
  add("metadata", "distribution's metadata", "distributions' metadata");
  add("entry_point", "plugin entry point", "plugin entry points");
  add("plugin", "plugin distribution not included", "plugin distributions not included");
  std::ostringstream summary;
  summary.precision(1);
  summary << std::fixed;
  if (failed == 0) {
    summary << paint(plan.items.size() == 1 ? std::string("the 1 check passed") : "all " + std::to_string(plan.items.size()) + " checks passed", Style::Green, colors);
  } else {
    summary << paint(std::to_string(failed) + " of " + std::to_string(plan.items.size()) + " checks failed", Style::Red,
                     colors);
    if (problem_count < failed) {
      summary << ", " << problem_count << (problem_count == 1 ? " distinct problem" : " distinct problems");
    }
  }
  // What was checked comes after the time: inside the failure count's parentheses it would read
  // as a breakdown of the failures.
  summary << " in " << results.seconds << " s; " << (what.empty() ? "nothing to check" : "checked " + what) << "\n";
  out << summary.str();
  if (quiet) return;
  if (plan.stdlib_modules_not_imported > 0) {
    out << "not imported: " << plan.stdlib_modules_not_imported
        << " standard library modules (freeze check --stdlib imports them too)\n";
  }
  // "LABEL N module(s) WHAT", and with --verbose each of them with its reason.
  const auto write_skipped = [&](Skipped::Why why, const char* label, const std::string& what) {
    const auto count = static_cast<std::size_t>(std::count_if(plan.skipped.begin(), plan.skipped.end(),
                                                              [&](const Skipped& skipped) { return skipped.why == why; }));
    if (count == 0) return;
    out << label << " " << count << " module(s) " << what << (verbose ? ":" : " (--verbose lists them)") << "\n";
    if (!verbose) return;
    for (const auto& skipped : plan.skipped) {
      if (skipped.why == why) out << "  " << skipped.name << ": " << skipped.reason << "\n";
    }
  };
  write_skipped(Skipped::Why::NotImported, "not imported:",
                "that run code when imported, need a display, are tests or for Windows, or were excluded");
  write_skipped(Skipped::Why::FailsUnderPython, "set aside:",
                "that fail alike under " + results.context.interpreter.string() + ", not only frozen");
  write_skipped(Skipped::Why::OrderDependent, "set aside:",
                "that import alone, in a fresh start of the app, and failed after the other checks' imports");
  // A package that imports every module of its plugin directory (twisted.plugins) imports them too.
  const std::string or_leave_out = ", or leave them out of the build with [packages] exclude if a plugin scan would "
                                   "import them (twisted's of twisted/plugins/)";
  write_skipped(Skipped::Why::Integration, "set aside:",
                "of installed packages that integrate with a package installed here but not included (" +
                    set_aside_examples(plan.skipped, Skipped::Why::Integration, " with ") +
                    "), which the suggestion leaves out: include it if the app uses them" + or_leave_out);
  write_skipped(Skipped::Why::Unreachable, "set aside:",
                "of installed packages that need a package not included, and that the app imports only "
                "optionally, if at all (" + set_aside_examples(plan.skipped, Skipped::Why::Unreachable, " needs ") +
                    "), which the suggestion leaves out: include it if the app uses them" + or_leave_out);
  if (failed == 0) {
    out << "next: " << results.build_command << "\n";
  }
}

// Every installed package the app lacks, as one site_packages setting to paste.
void write_completion(const Completion& completion, bool colors, std::ostream& out) {
  const std::size_t count = completion.added.size();
  out << paint("missing installed packages:", Style::Cyan, colors) << " " << count << (count == 1 ? " package" : " packages")
      << " the app imports " << (count == 1 ? "is" : "are") << " installed but not included"
      << (completion.rounds > 1 ? " (checked again " + std::to_string(completion.rounds) + " times with them, for what they import in turn)"
                                : "")
      << ": " << quoted_items(completion.added) << ". With them:\n"
      << "        " << site_packages_lines(completion.site_packages) << "\n";
  if (!completion.complete) {
    out << "      (not every layer was found: freeze check again with these to see the rest)\n";
  }
  if (const auto& others = completion.other_failures; !others.empty()) {
    std::string shown;
    std::size_t count = 0;
    for (const auto& [name, error] : others) {
      if (++count > 3) break;
      shown += (shown.empty() ? "" : ", ") + name + ": " + error;
    }
    if (others.size() > 3) shown += ", ...";
    out << "      with them, " << others.size() << (others.size() == 1 ? " check fails" : " checks fail")
        << " otherwise (" << shown << "): freeze check with this setting reports "
        << (others.size() == 1 ? "it" : "them") << " in full, or sets "
        << (others.size() == 1 ? "it" : "them") << " aside if python fails alike\n";
  }
  for (const auto& optional : optional_additions(completion)) {
    std::string excludes;
    for (const auto& name : optional.imported_by) excludes += " --exclude " + name;
    const std::string modules = join(optional.imported_by);
    const std::string along = join(optional.brought_along);
    const bool one = optional.imported_by.size() == 1;
    const bool one_package = optional.packages.size() == 1;
    out << "      " << join(optional.packages) << (one_package ? " is" : " are") << " imported only by " << modules
        << (along.empty() ? "" : (one_package ? " (and brings " : " (and bring ") + along + " along)") << ": if the app never uses "
        << (one ? "that module" : "those modules") << ", leave " << (along.empty() && one_package ? "it" : "them")
        << " out of the build with [packages] exclude = " << quoted_list(optional.imported_by)
        << " (or of the check alone with" << excludes
        << ")\n";
  }
}

// Optional imports that python here would satisfy: named, and the site_packages that includes them.
void write_optional_installed(const Results& results, bool colors, std::ostream& out) {
  std::vector<AppConfig::SitePackages> sites =
      results.completion.added.empty() ? results.config.site_packages : results.completion.site_packages;
  std::string names;
  for (const auto& optional : results.optional_installed) {
    std::string tried;
    for (std::size_t i = 0; i < optional.tried_by.size() && i < 3; ++i) tried += (i ? ", " : "") + optional.tried_by[i];
    if (optional.tried_by.size() > 3) tried += ", ...";
    names += (names.empty() ? "\"" : ", \"") + optional.package + "\" (tried by " + tried + ")";
    add_to_site_packages(sites, optional.site, optional.package);
  }
  const bool one = results.optional_installed.size() == 1;
  out << paint("optional packages not included:", Style::Cyan, colors) << " " << names << " "
      << (one ? "is" : "are") << " imported optionally and installed here: the frozen app runs without "
      << (one ? "it" : "them") << ", where python here would use " << (one ? "it" : "them") << ". To include "
      << (one ? "it" : "them") << ":\n"
      << "        " << site_packages_lines(sites) << "\n";
}

// Plugin distributions left out that plug into the dependencies' groups only: named, with the
// site_packages setting that includes them.
void write_optional_plugins(const Results& results, bool colors, std::ostream& out) {
  std::vector<AppConfig::SitePackages> sites =
      results.completion.added.empty() ? results.config.site_packages : results.completion.site_packages;
  std::string names;
  for (const auto& plugins : results.optional_plugins) {
    names += (names.empty() ? "\"" : ", \"") + plugins.name + "\" (" + join(plugins.groups()) + ")";
    add_to_site_packages(sites, plugins.site_dir, plugins.entry_points.front().top_level());
  }
  const bool one = results.optional_plugins.size() == 1;
  out << paint("optional plugins not included:", Style::Cyan, colors) << " " << names << " "
      << (one ? "is a plugin distribution" : "are plugin distributions")
      << " of the app's dependencies, installed here: python loads " << (one ? "it" : "them")
      << ", the frozen app does not see " << (one ? "it" : "them") << ". To include " << (one ? "it" : "them") << ":\n"
      << "        " << site_packages_lines(sites) << "\n";
}

// Warnings the frozen app shows and python here does not, with the optional packages behind them.
void write_frozen_only_warnings(const Results& results, bool colors, std::ostream& out) {
  const std::size_t count = results.frozen_only_warnings.size();
  out << paint("warnings only frozen:", Style::Cyan, colors) << " " << count << (count == 1 ? " warning" : " warnings")
      << " the frozen app shows and python here does not, importing the same module:\n";
  for (const auto& frozen_only : results.frozen_only_warnings) {
    const ShownWarning& warning = frozen_only.warning;
    out << "  " << (warning.module.empty() ? "" : warning.module + ": ") << warning.category << ": " << warning.message
        << " (checking " << frozen_only.shown_by << ")\n";
    if (!frozen_only.optional_packages.empty()) {
      const bool one = frozen_only.optional_packages.size() == 1;
      out << "      python here has " << quoted_items(frozen_only.optional_packages) << ", "
          << (one ? "an optional import" : "optional imports")
          << (warning.module.empty() ? "" : " of " + warning.module.substr(0, warning.module.find('.')))
          << " that the frozen app lacks: include " << (one ? "it" : "them") << " (optional packages, above)\n";
    }
  }
}

// Imports the checks cannot run (inside functions) of installed packages left out: named, with
// the site_packages setting that includes them.
void write_uncollected(const Results& results, bool colors, std::ostream& out) {
  std::vector<AppConfig::SitePackages> sites =
      results.completion.added.empty() ? results.config.site_packages : results.completion.site_packages;
  std::string names;
  for (const auto& import : results.uncollected) {
    const std::size_t more = import.importers.size() - 1;
    names += (names.empty() ? "\"" : ", \"") + import.top + "\" (by " + import.importers.front() +
             (more == 0 ? "" : " and " + std::to_string(more) + " more") + ")";
    add_to_site_packages(sites, import.site, import.top);
  }
  std::vector<std::string> along;
  for (const auto& [site, top] : results.uncollected_bring) {
    add_to_site_packages(sites, site, top);
    along.push_back(top);
  }
  const bool one = results.uncollected.size() == 1;
  out << paint("imports the checks do not run:", Style::Cyan, colors) << " " << names << " "
      << (one ? "is" : "are") << " installed here but not included, and imported where nothing handles the "
      << "ImportError, inside functions the checks do not call: the frozen app fails where it runs such an import. "
      << "To include " << (one ? "it" : "them")
      << (along.empty() ? "" : " (with what " + std::string(one ? "it imports" : "they import") + ": " + join(along) + ")")
      << ":\n"
      << "        " << site_packages_lines(sites) << "\n";
}

// The non-stdlib modules' notes of one kind (an Outcome field, "pkg.mod line 12: ..."), in plan order.
std::vector<std::string> module_notes(const Results& results, std::string Outcome::*note) {
  std::vector<std::string> notes;
  for (std::size_t i = 0; i < results.plan.items.size(); ++i) {
    const std::string& line = results.outcomes[i].*note;
    if (!line.empty() && !results.plan.items[i].stdlib) notes.push_back(line);
  }
  return notes;
}

// A note's lines below its header: the first three, all with --verbose.
void write_note_lines(const std::vector<std::string>& lines, bool verbose, std::ostream& out) {
  const std::size_t shown = verbose ? lines.size() : std::min<std::size_t>(lines.size(), 3);
  for (std::size_t i = 0; i < shown; ++i) out << "  " << lines[i] << "\n";
  if (shown < lines.size()) out << "  ... (--verbose lists all)\n";
}

// The app's and its packages' modules that name sys.executable, when it is not an interpreter
// too: what they run with it (python -m, -c, a script) would start the app again instead.
std::vector<std::string> executable_uses(const Results& results) {
  if (results.config.interpreter) return {};
  return module_notes(results, &Outcome::executable_use);
}

void write_executable_uses(const std::vector<std::string>& uses, bool colors, bool verbose, std::ostream& out) {
  out << paint("sys.executable:", Style::Cyan, colors) << " " << uses.size() << (uses.size() == 1 ? " module uses" : " modules use")
      << " it, and in the frozen app it is the app: a python command line run with it (sys.executable -m x, -c, a "
         "script) starts the app again, unless [python] interpreter = true lets the executable run it as python "
         "would (ansible runs its modules so)\n";
  write_note_lines(uses, verbose, out);
}

// The app's and its packages' modules that test sys.frozen, while the app sets it: each takes
// its frozen branch, which is often written for py2exe or PyInstaller, whose programs have no
// __file__ and keep their files beside sys.executable (sqlmap's data, Mercurial's translations).
std::vector<std::string> frozen_tests(const Results& results) {
  if (!results.config.frozen) return {};
  return module_notes(results, &Outcome::frozen_test);
}

void write_frozen_tests(const std::vector<std::string>& tests, bool colors, bool verbose, std::ostream& out) {
  out << paint("sys.frozen:", Style::Cyan, colors) << " " << tests.size() << (tests.size() == 1 ? " module tests" : " modules test")
      << " it, and the frozen app takes the frozen branch. One written for py2exe or PyInstaller looks for files "
         "beside sys.executable (sqlmap's data, Mercurial's translations), where freeze puts none: the files are "
         "where __file__ says, as under python. If that branch is not for this app, [python] frozen = false leaves "
         "sys.frozen unset and the module runs as under python (sys.executable is the app all the same)\n";
  write_note_lines(tests, verbose, out);
}

// The in-memory modules that start programs and build paths from __file__: such a path exists for
// the app's own process only (its virtual files), so another program given it cannot open it.
struct ProgramPaths {
  std::vector<std::string> uses;  // "pkg.mod line 12: ..."
  std::set<std::string> tops;     // their top-level packages, to route to the filesystem
};

ProgramPaths program_paths(const Results& results) {
  ProgramPaths paths;
  for (std::size_t i = 0; i < results.plan.items.size(); ++i) {
    if (results.outcomes[i].program_path.empty()) continue;
    paths.uses.push_back(results.outcomes[i].program_path);
    paths.tops.insert(results.plan.items[i].top_level);
  }
  return paths;
}

void write_program_paths(const ProgramPaths& paths, bool colors, bool verbose, std::ostream& out) {
  out << paint("paths for other programs:", Style::Cyan, colors) << " " << paths.uses.size()
      << (paths.uses.size() == 1 ? " module starts" : " modules start")
      << " programs and builds paths from __file__, in memory: this executable can open such a path, another "
         "program (another python, a compiler) cannot. If it hands one on (virtualenv runs the target python on its "
         "py_info.py), route the package to the filesystem:\n";
  write_note_lines(paths.uses, verbose, out);
  const std::string names = quoted_items({paths.tops.begin(), paths.tops.end()});
  out << "        [[routing.rule]]\n        name = " << (paths.tops.size() == 1 ? names : "[" + names + "]")
      << "\n        location = \"filesystem-relative\"\n";
}

}  // namespace

void write_json_report(const Results& results, std::ostream& out) {
  const Plan& plan = results.plan;
  const auto& outcomes = results.outcomes;
  const HintContext& context = results.context;
  const AppConfig& config = results.config;
  const std::size_t failed = results.failed;
  const std::size_t passed = results.passed;
  nlohmann::json doc;
  doc["config"] = config.config_file.string();
  doc["checks"] = plan.items.size();
  doc["passed"] = passed;
  doc["failed"] = failed;
  doc["failures"] = nlohmann::json::array();
  doc["warnings"] = nlohmann::json::array();
  doc["skipped"] = nlohmann::json::array();
  doc["stdlib_modules_not_imported"] = plan.stdlib_modules_not_imported;
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    const Item& item = plan.items[i];
    const Outcome& outcome = outcomes[i];
    for (const auto& warning_text : outcome.warnings) {
      doc["warnings"].push_back({{"kind", item.kind}, {"name", item.name}, {"message", warning_text}});
    }
    if (outcome.state != Outcome::State::Failed) continue;
    nlohmann::json failure;
    failure["kind"] = item.kind;
    failure["name"] = item.name;
    failure["location"] = item.location;
    failure["error_type"] = outcome.error_type;
    failure["message"] = display_path(outcome.message, context.exe_dir);
    failure["where"] = display_path(outcome.where, context.exe_dir);
    failure["traceback"] = display_path(outcome.traceback, context.exe_dir);
    failure["hint"] = hint_for(item, outcome, context);
    if (!outcome.output.empty()) failure["output"] = display_path(outcome.output, context.exe_dir);
    doc["failures"].push_back(std::move(failure));
  }
  for (const auto& skipped : plan.skipped) {
    const char* why = skipped.why == Skipped::Why::FailsUnderPython ? "fails_under_python"
                      : skipped.why == Skipped::Why::Integration    ? "integration"
                      : skipped.why == Skipped::Why::Unreachable    ? "unreachable"
                      : skipped.why == Skipped::Why::OrderDependent ? "order_dependent"
                                                                    : "not_imported";
    nlohmann::json entry = {{"name", skipped.name}, {"reason", skipped.reason}, {"why", why}};
    if (!skipped.needs.empty()) entry["needs"] = skipped.needs;
    doc["skipped"].push_back(std::move(entry));
  }
  if (!results.completion.added.empty()) {
    nlohmann::json sites = nlohmann::json::array();
    for (const auto& site : results.completion.site_packages) {
      sites.push_back({{"dir", site.dir.string()}, {"include", site.include}});
    }
    nlohmann::json optional = nlohmann::json::array();
    for (const auto& addition : optional_additions(results.completion)) {
      optional.push_back({{"packages", addition.packages}, {"imported_by", addition.imported_by},
                          {"brought_along", addition.brought_along}});
    }
    doc["complete_site_packages"] = {{"site_packages", sites}, {"added", results.completion.added},
                                     {"rounds", results.completion.rounds}, {"complete", results.completion.complete},
                                     {"other_failures", results.completion.other_failures},
                                     {"optional", optional}};
  }
  doc["executable_uses"] = executable_uses(results);
  doc["frozen_tests"] = frozen_tests(results);
  const ProgramPaths paths = program_paths(results);
  doc["program_paths"] = {{"uses", paths.uses}, {"packages", paths.tops}};
  doc["uncollected_imports"] = nlohmann::json::array();
  for (const auto& import : results.uncollected) {
    doc["uncollected_imports"].push_back(
        {{"package", import.top}, {"site", import.site.string()}, {"imported_by", import.importers}});
  }
  doc["uncollected_brought_along"] = nlohmann::json::array();  // what including those brings
  for (const auto& [site, top] : results.uncollected_bring) {
    doc["uncollected_brought_along"].push_back({{"package", top}, {"site", site.string()}});
  }
  doc["optional_plugins"] = nlohmann::json::array();
  for (const auto& plugins : results.optional_plugins) {
    doc["optional_plugins"].push_back({{"distribution", plugins.name},
                                       {"site", plugins.site_dir.string()},
                                       {"package", plugins.entry_points.front().top_level()},
                                       {"groups", plugins.groups()}});
  }
  doc["frozen_only_warnings"] = nlohmann::json::array();
  for (const auto& frozen_only : results.frozen_only_warnings) {
    doc["frozen_only_warnings"].push_back({{"category", frozen_only.warning.category},
                                           {"message", frozen_only.warning.message},
                                           {"module", frozen_only.warning.module},
                                           {"shown_by", frozen_only.shown_by},
                                           {"optional_packages", frozen_only.optional_packages}});
  }
  doc["optional_installed"] = nlohmann::json::array();
  for (const auto& optional : results.optional_installed) {
    doc["optional_installed"].push_back(
        {{"package", optional.package}, {"site", optional.site.string()}, {"tried_by", optional.tried_by}});
  }
  out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

void write_text_report(const Results& results, std::ostream& out) {
  const bool colors = use_colors(stdout);
  const bool quiet = verbosity() == Verbosity::Quiet;
  const bool verbose = verbosity() == Verbosity::Verbose;
  std::size_t warnings = 0;
  for (std::size_t i = 0; i < results.plan.items.size(); ++i) {
    const Outcome& outcome = results.outcomes[i];
    warnings += outcome.warnings.size();
    if (outcome.state == Outcome::State::Passed && verbose) {
      out << paint("ok", Style::Green, colors) << "    " << results.plan.items[i].kind << " " << results.plan.items[i].name
          << "\n";
    }
  }
  const auto groups = failure_groups(results);
  for (const auto& group : groups) write_failure(results, group, colors, verbose, out);
  if (!results.completion.added.empty()) write_completion(results.completion, colors, out);
  if (!results.optional_installed.empty() && !quiet) write_optional_installed(results, colors, out);
  if (!results.optional_plugins.empty() && !quiet) write_optional_plugins(results, colors, out);
  if (!results.frozen_only_warnings.empty() && !quiet) write_frozen_only_warnings(results, colors, out);
  if (!results.uncollected.empty() && !quiet) write_uncollected(results, colors, out);
  if (const auto uses = executable_uses(results); !uses.empty() && !quiet) write_executable_uses(uses, colors, verbose, out);
  if (const auto tests = frozen_tests(results); !tests.empty() && !quiet) write_frozen_tests(tests, colors, verbose, out);
  if (const auto paths = program_paths(results); !paths.uses.empty() && !quiet) write_program_paths(paths, colors, verbose, out);
  if (warnings > 0 && !quiet) write_warnings(results, colors, out);
  if (!quiet || results.failed > 0) write_summary(results, groups.size(), colors, quiet, verbose, out);
}

}  // namespace freeze::packager::checks

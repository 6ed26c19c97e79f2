// The freeze CLI: init, build, check, inspect, cache, distribution. Every problem reaches the user as one
// "freeze: error: ..." message naming the file, key or resource and what to do; never as a raw
// C++ exception or a stack dump.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <functional>
#include <iostream>
#include <new>
#include <system_error>

#include <unistd.h>

#include "packager/commands/build_command.h"
#include "packager/commands/cache_command.h"
#include "packager/commands/distribution_command.h"
#include "packager/commands/check_command.h"
#include "packager/commands/cli_help.h"
#include "packager/support/console.h"
#include "packager/config/explain_config.h"
#include "packager/commands/html_report.h"
#include "packager/commands/init_command.h"
#include "packager/config/app_config.h"
#include "packager/config/python_version.h"
#include "packager/commands/inspect_command.h"
#include "packager/support/user_error.h"

namespace {

using namespace freeze::packager;
namespace fs = std::filesystem;

constexpr int kExitError = 1;     // the command failed (or freeze check found problems)
constexpr int kExitUsage = 2;     // bad command line
constexpr int kExitInternal = 70;  // a bug in freeze (EX_SOFTWARE)

const char* const kDescription =
    "freeze turns a Python application into one native executable: a launcher with CPython "
    FREEZE_PYTHON_VERSION " linked in statically, followed by the app's modules, the standard library, package data, "
    "extension modules and the shared libraries they need, all served from memory. The machine that runs it "
    "needs no Python.\n"
    "\n"
    "Describe the app in an app.toml (freeze init writes one), check it, build it, ship the file:\n"
    "\n"
    "  freeze init              # writes ./app.toml from pyproject.toml or the code it finds\n"
    "  freeze check             # builds a test copy and imports every module: reports all problems\n"
    "  freeze build             # writes dist/NAME\n"
    "  freeze inspect dist/NAME # what is inside, and what takes the space\n";

const char* const kFooter =
    "Exit status:\n"
    "  0   success\n"
    "  1   an error (the message says which file, key or resource, and what to do), or failed checks\n"
    "  2   a bad command line\n"
    "  70  a bug in freeze (please report it)\n"
    "\n"
    "Environment:\n"
    "  NO_COLOR          when set and not empty, no colours (colours are used only on a terminal anyway)\n"
    "  TMPDIR            where freeze check builds its verification copy (default /tmp)\n"
    "  FREEZE_CACHE_DIR  the build cache (default $XDG_CACHE_HOME/freeze, else ~/.cache/freeze)\n"
    "\n"
    "Files:\n"
    "  app.toml        the app's description; its reference is in the README\n"
    "  pyproject.toml  the same tables under [tool.freeze] ([tool.freeze.app], [tool.freeze.packages], ...)\n"
    "\n"
    "Run freeze COMMAND --help for the options of each command.";

const char* const kInitFooter =
    "Looks at DIR (default: the current directory): a pyproject.toml gives the name ([project] name) and the "
    "entry point ([project.scripts]; with several, the one named like the project, else the first), and its "
    "[project] dependencies are looked up on this machine (the project's .venv, /usr/local/lib/python3.11/"
    "dist-packages, /usr/lib/python3/dist-packages), with what they require, to fill in site_packages. Without "
    "a pyproject.toml it takes the single top-level package or module in DIR/src or DIR: a package with a "
    "__main__.py runs like python -m, a module or package with main() has it called. Dependencies then come from "
    "requirements.txt.\n"
    "\n"
    "Never overwrites a file: an existing DIR/app.toml is an error.\n"
    "\n"
    "  freeze init\n"
    "  freeze init ~/src/myproject --entry myproject.cli:main";

const char* const kBuildFooter =
    "CONFIG is an app.toml, a pyproject.toml with a [tool.freeze] table, or a directory holding one "
    "(default: the current directory). The output is switched in by one rename: a build that fails or is killed "
    "leaves the previous output or the new one, whole. With files routed beside the executable, both go to a new "
    "directory DIR/.NAME.freeze-XXXXXX/ and DIR/NAME becomes a symlink to the executable there. Builds writing "
    "one DIR take turns, and each removes what killed builds left there.\n"
    "\n"
    "  freeze build\n"
    "  freeze build examples/cli/app.toml -o /tmp/out --verbose";

const char* const kCheckFooter =
    "Builds a verification copy of the app in a temporary directory (the same config, resources and routing; "
    "your dist/ is not touched) and runs it in the current directory without PYTHON* environment variables: it "
    "resolves the entry point, imports every module of the app and "
    "of its third-party packages (the standard library too with --stdlib), reads every package data file and "
    "every distribution's metadata, and loads the entry points of the included packages' plugin groups "
    "(flake8.extension, pytest11, ...), reporting installed plugin distributions the config leaves out. Every failure is reported at once with the exception, where it happened, "
    "where the resource was routed and a hint. A module that crashes or hangs the interpreter is reported and "
    "the check goes on. __main__ modules, the entry module when it runs as __main__, and project scripts "
    "(setup.py, conftest.py, ...) are not imported, since importing them would run them; nor are the tests, "
    "conftest, setup and PyInstaller-hook modules of third-party packages, unless --tests is given. A module "
    "that fails alike under the plain python3.X, with the config's packages on its sys.path, is set aside as "
    "the module's own failure (click._winconsole asserts it runs on Windows).\n"
    "\n"
    "Exit status 0 when every check passed, 1 when any failed.\n"
    "\n"
    "  freeze check\n"
    "  freeze check app.toml --stdlib --exclude 'myapp.plugins.*'";

const char* const kCacheFooter =
    "freeze build keeps compiled bytecode and compressed resources in a cache ($FREEZE_CACHE_DIR, else "
    "$XDG_CACHE_HOME/freeze, else ~/.cache/freeze) and reuses them. The cache is kept within a size limit "
    "(default 1 GiB): when a build takes it over, the least recently used entries are removed until it fills 90% of "
    "the limit. Temporary files left by builds killed while storing an entry are removed after an hour. "
    "Without options, --show.\n"
    "\n"
    "SIZE is a number with an optional unit: k, M, G, T (powers of 1000) or Ki, Mi, Gi, Ti (powers of 1024), "
    "optionally followed by B; without a unit, GiB (as ccache). 0 means no limit. The limit is kept in the cache "
    "directory's freeze.conf.\n"
    "\n"
    "  freeze cache -s\n"
    "  freeze cache --max-size 5G\n"
    "  freeze cache --clear";

const char* const kDistributionFooter =
    "freeze embeds Debian's CPython " FREEZE_PYTHON_VERSION " unless app.toml asks for another version "
    "([python] version = \"3.13\"): then a distribution of that version, built from source by freeze once and kept in "
    "$FREEZE_CACHE_DIR/distributions (else ~/.cache/freeze/distributions): CPython linked statically with LTO, every "
    "stdlib extension module built in, OpenSSL 3, built in a Debian 11 root so that the frozen programs run on glibc 2.31 "
    "and newer. The source is Debian's source package of that version (apt-get source, from the mirrors this machine's "
    "apt uses), or a tarball given with --source. Building needs root (debootstrap, chroot) and about 15 minutes on 2 "
    "cores the first time; after a change of freeze's launcher only the launcher is rebuilt (about a minute).\n"
    "\n"
    "  freeze distribution build 3.13\n"
    "  freeze distribution build --source Python-3.13.5.tar.xz\n"
    "  freeze distribution list";

const char* const kInspectFooter =
    "Without options: a summary (app, entry point, interpreter, launcher size, resources by kind, by location, "
    "by origin, and the largest top-level packages). --list prints every resource (kind, location, stored and "
    "uncompressed size, name); --json the same as JSON for tools (fields: executable, file_size, "
    "launcher_size, format_version, settings, resources[] with name, kind, location, path, stored_size, "
    "raw_size, data_offset, data_stored_size, aux_offset, aux_stored_size, needs, package, stdlib, "
    "has_source, bytecode_size, source_size, dictionary_id, filesystem_copy, group, top_level). --html FILE writes a "
    "self-contained page with a treemap of what takes the space (origin, package, module), by stored or "
    "uncompressed size.\n"
    "\n"
    "  freeze inspect dist/app\n"
    "  freeze inspect dist/app --html size.html && xdg-open size.html";

// Failures inside freeze itself: a message, not a core dump or "terminate called after ...".
[[noreturn]] void on_terminate() {
  static const char message[] =
      "freeze: internal error: an unexpected failure (this is a bug in freeze; please report it with the command "
      "line)\n";
  const ssize_t ignored = ::write(STDERR_FILENO, message, sizeof message - 1);
  (void)ignored;
  std::_Exit(kExitInternal);
}

// CLI11's messages, as freeze errors.
int usage_error(const CLI::ParseError& error, const std::string& command) {
  std::string message = error.what();
  if (message == "A subcommand is required" && command == "distribution") {
    message = "a command is required after distribution: build or list";
  } else if (message == "A subcommand is required") {
    message = "a command is required: init, build, check, inspect, cache or distribution";
  } else if (!message.empty()) {
    message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
  }
  freeze::packager::error(message + " (see freeze " + (command.empty() ? "" : command + " ") + "--help)");
  return kExitUsage;
}

// Hard-wraps the unindented paragraphs of `text` at `width` columns (CLI11 prints footers as is).
std::string wrap(const std::string& text, std::size_t width = 100) {
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    while (line.size() > width && !line.starts_with("  ")) {
      auto cut = line.rfind(' ', width);
      if (cut == std::string::npos || cut == 0) break;
      out += line.substr(0, cut) + "\n";
      line = line.substr(cut + 1);
    }
    out += line;
    if (end < text.size()) out += "\n";
    start = end + 1;
  }
  return out;
}

void add_output_flags(CLI::App* command, bool& verbose, bool& quiet) {
  command->add_flag("-v,--verbose", verbose, "Explain more: routing and inclusion decisions, every check");
  command->add_flag("-q,--quiet", quiet, "Print only errors");
}

// Everything the command line can say, filled by CLI11 as it parses.
struct CommandLine {
  std::string man_page_file;
  std::string man_page_readme;
  bool verbose = false;
  bool quiet = false;

  CLI::App* init = nullptr;
  InitOptions init_options;

  CLI::App* build = nullptr;
  BuildOptions build_options;
  std::string build_config;
  std::string output_dir;
  bool no_cache = false;
  std::string distribution;

  CLI::App* check = nullptr;
  CheckOptions check_options;
  std::string check_config;
  std::string check_distribution;

  CLI::App* inspect = nullptr;
  std::string inspect_path;
  bool inspect_json = false;
  bool inspect_list = false;
  std::string inspect_html;

  CLI::App* cache = nullptr;
  CacheOptions cache_options;
  std::string max_size;

  CLI::App* help = nullptr;
  std::string help_topic;

  CLI::App* distribution_cmd = nullptr;
  CLI::App* distribution_build = nullptr;
  CLI::App* distribution_list = nullptr;
  DistributionBuildOptions distribution_build_options;
  std::string distribution_source;
  int distribution_jobs = 0;

  std::vector<CLI::App*> commands() const { return {init, build, check, inspect, cache, distribution_cmd}; }
};

void declare_top_level(CLI::App& app, CommandLine& line) {
  app.footer(wrap(kFooter));
  app.set_version_flag("--version", std::string("freeze ") + FREEZE_VERSION + " (CPython " FREEZE_PYTHON_VERSION ")",
                       "Print freeze's version and the embedded CPython's, and exit");
  app.set_help_flag("-h,--help", "Print this help and exit");
  app.get_formatter()->column_width(34);
  app.require_subcommand(0, 1);
  app.add_option("--write-man-page", line.man_page_file, "Write the man page to FILE (used by the build)")->group("");
  app.add_option("--man-page-readme", line.man_page_readme, "The README whose app.toml reference the man page includes")
      ->group("");
  add_output_flags(&app, line.verbose, line.quiet);
}

void declare_init(CLI::App& app, CommandLine& line) {
  auto* init_cmd = line.init = app.add_subcommand("init", "Write a commented app.toml for the project in DIR");
  InitOptions& init_options = line.init_options;
  init_cmd->footer(wrap(kInitFooter));
  init_cmd->add_option("dir", init_options.directory, "The project's directory (default: the current one)")
      ->type_name("DIR");
  init_cmd->add_option("--name", init_options.name, "The executable's name (default: [project] name, or the module's)")
      ->type_name("NAME");
  init_cmd->add_option("--entry", init_options.entry,
                       "The entry point, \"module\" or \"module:function\" (default: detected)")
      ->type_name("ENTRY");
  add_output_flags(init_cmd, line.verbose, line.quiet);
}

void declare_build(CLI::App& app, CommandLine& line) {
  auto* build_cmd = line.build = app.add_subcommand("build", "Build the executable described by CONFIG");
  BuildOptions& build_options = line.build_options;
  build_cmd->footer(wrap(kBuildFooter));
  build_cmd->add_option("config", line.build_config, "app.toml, pyproject.toml or a directory (default: ./app.toml)")
      ->type_name("CONFIG");
  build_cmd->add_option("-o,--output", line.output_dir, "Directory to write the executable to (default: dist/ beside CONFIG)")
      ->type_name("DIR");
  build_cmd->add_option("--compression-level", build_options.compression_level,
                        "zstd level for resources, 1 (fast) to 22 (small), or 0: stored uncompressed; default 12")
      ->type_name("N")
      ->check(CLI::Range(0, 22).description(""));
  build_cmd->add_option("--why", build_options.why,
                        "Explain why MODULE is included or left out ([stdlib] include = \"reachable\"); repeatable")
      ->type_name("MODULE");
  build_cmd->add_flag("--no-cache", line.no_cache, "Compile and compress everything again instead of reusing earlier work");
  build_cmd->add_option("--distribution", line.distribution,
                        "Embed the CPython distribution in DIR (built by freeze distribution build) "
                        "instead of Debian's; overrides [python] distribution")
      ->type_name("DIR");
  add_output_flags(build_cmd, line.verbose, line.quiet);
}

void declare_check(CLI::App& app, CommandLine& line) {
  auto* check_cmd = line.check =
      app.add_subcommand("check", "Build a test copy and import every module; report all problems");
  CheckOptions& check_options = line.check_options;
  check_cmd->footer(wrap(kCheckFooter));
  check_cmd->add_option("config", line.check_config, "app.toml, pyproject.toml or a directory (default: ./app.toml)")
      ->type_name("CONFIG");
  check_cmd->add_flag("--stdlib", check_options.stdlib,
                      "Import the standard library's modules too (except those that need a display, open a browser "
                      "or are for Windows)");
  check_cmd->add_option("--exclude", check_options.exclude,
                        "Do not import this module (and what is below it); a glob works; repeatable")
      ->type_name("NAME")
      ->take_last();
  check_cmd->get_option("--exclude")->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  check_cmd->add_option("--timeout", check_options.timeout_seconds,
                        "Seconds one module may take to import before it counts as hanging (default 60)")
      ->type_name("SECONDS")
      ->check(CLI::Range(1, 86400).description(""));
  check_cmd->add_flag("--json", check_options.json, "Print the results as JSON");
  check_cmd->add_flag("--tests", check_options.tests,
                      "Import third-party packages' tests, conftest, setup and PyInstaller hook modules too");
  check_cmd->add_option("--distribution", line.check_distribution,
                        "Check with the CPython distribution in DIR (as freeze build --distribution)")
      ->type_name("DIR");
  add_output_flags(check_cmd, line.verbose, line.quiet);
}

void declare_inspect(CLI::App& app, CommandLine& line) {
  auto* inspect_cmd = line.inspect =
      app.add_subcommand("inspect", "Show what a frozen executable carries and what takes the space");
  inspect_cmd->footer(wrap(kInspectFooter));
  inspect_cmd->add_option("executable", line.inspect_path, "The executable to inspect")->type_name("EXE")->required();
  inspect_cmd->add_flag("--list", line.inspect_list, "List every resource instead of the summary");
  inspect_cmd->add_flag("--json", line.inspect_json, "Print JSON for tools instead of the summary");
  inspect_cmd->add_option("--html", line.inspect_html, "Also write a page with a treemap of the sizes to FILE")
      ->type_name("FILE");
  add_output_flags(inspect_cmd, line.verbose, line.quiet);
}

void declare_cache(CLI::App& app, CommandLine& line) {
  auto* cache_cmd = line.cache = app.add_subcommand("cache", "Show, clear or bound the build cache");
  CacheOptions& cache_options = line.cache_options;
  cache_cmd->footer(wrap(kCacheFooter));
  cache_cmd->add_flag("-s,--show", cache_options.show,
                      "Print where the cache is, its size, entries, size limit and hits");
  cache_cmd->add_flag("-C,--clear", cache_options.clear, "Remove every entry and the statistics (the limit stays)");
  cache_cmd->add_option("-M,--max-size", line.max_size, "Set the size limit (0: none) and apply it now")
      ->type_name("SIZE");
  add_output_flags(cache_cmd, line.verbose, line.quiet);
}

void declare_distribution(CLI::App& app, CommandLine& line) {
  auto* command = line.distribution_cmd =
      app.add_subcommand("distribution", "Build or list the CPython distributions other versions are frozen with");
  command->require_subcommand(1);
  auto* build_cmd = line.distribution_build =
      command->add_subcommand("build", "Build (or bring up to date) the distribution of a CPython version");
  DistributionBuildOptions& options = line.distribution_build_options;
  build_cmd->add_option("version", options.version, "The CPython version, as in [python] version (3.11, 3.13, ...)")
      ->type_name("VERSION");
  build_cmd->add_option("--source", line.distribution_source, "A python.org-style source tarball instead of Debian's "
                        "source package (its version decides)")->type_name("TARBALL")->check(CLI::ExistingFile);
  build_cmd->add_flag("--pgo", options.pgo, "Profile-guided optimisation as well as LTO (about 6 more minutes)");
  build_cmd->add_option("-j,--jobs", line.distribution_jobs, "Parallel compile jobs (default 2)")
      ->type_name("N")->check(CLI::Range(1, 256));
  line.distribution_list = command->add_subcommand("list", "List the distributions built, newest first");
  // Commands inherit the footer of their parent when they are made: freeze's own, not for them.
  command->footer(wrap(kDistributionFooter));
  build_cmd->footer("");
  line.distribution_list->footer("");
}

void declare_help(CLI::App& app, CommandLine& line) {
  line.help = app.add_subcommand("help", "Print the help of freeze or of a command");
  line.help->add_option("command", line.help_topic, "init, build, check, inspect, cache or distribution")->type_name("COMMAND");
}

int write_man_page_file(CLI::App& app, const CommandLine& line) {
  std::string readme;
  if (!line.man_page_readme.empty()) {
    std::ifstream in(line.man_page_readme, std::ios::binary);
    if (!in) throw UserError(line.man_page_readme + ": cannot read");
    readme.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::ofstream out(line.man_page_file, std::ios::binary);
  out << man_page(app, std::string("freeze ") + FREEZE_VERSION, readme);
  if (!out) throw UserError(line.man_page_file + ": cannot write");
  return 0;
}

int print_help(const CLI::App& app, const CommandLine& line) {
  if (line.help_topic.empty()) {
    std::cout << app.help();
    return 0;
  }
  for (const auto* sub : line.commands()) {
    if (sub->get_name() == line.help_topic) {
      std::cout << sub->help("freeze");
      return 0;
    }
  }
  throw UserError("no command '" + line.help_topic + "': the commands are init, build, check, inspect, cache and distribution");
}

void run_inspect(const CommandLine& line) {
  const Inspection inspection = read_inspection(line.inspect_path);
  if (!line.inspect_html.empty()) {
    write_html_report(inspection, line.inspect_html);
    note("wrote " + line.inspect_html + " (open it in a browser)");
  }
  if (line.inspect_html.empty() || line.inspect_json || line.inspect_list) {
    const InspectFormat format = line.inspect_json   ? InspectFormat::Json
                                 : line.inspect_list ? InspectFormat::List
                                                     : InspectFormat::Summary;
    write_inspection(inspection, format, std::cout, use_colors(stdout));
  }
}

// Runs what the command line asks for; returns the exit status. Throws.
int run(CLI::App& app, CommandLine& line) {
  set_verbosity(line.quiet ? Verbosity::Quiet : line.verbose ? Verbosity::Verbose : Verbosity::Normal);
  if (!line.man_page_file.empty()) return write_man_page_file(app, line);
  if (line.help->parsed()) return print_help(app, line);
  if (line.init->parsed()) {
    init_project(line.init_options);
  } else if (line.build->parsed()) {
    BuildOptions& build_options = line.build_options;
    build_options.config_file = find_config(line.build_config);
    if (!line.output_dir.empty()) build_options.output_dir = line.output_dir;
    build_options.use_cache = !line.no_cache;
    if (!line.distribution.empty()) build_options.distribution = line.distribution;
    if (verbosity() == Verbosity::Verbose) explain_config(load_app_config(build_options.config_file));
    build(build_options);
  } else if (line.check->parsed()) {
    line.check_options.config_file = find_config(line.check_config);
    if (!line.check_distribution.empty()) line.check_options.distribution = line.check_distribution;
    return check(line.check_options, std::cout);
  } else if (line.inspect->parsed()) {
    run_inspect(line);
  } else if (line.cache->parsed()) {
    if (line.cache->count("--max-size") != 0) line.cache_options.max_size = line.max_size;
    cache_command(line.cache_options, std::cout);
  } else if (line.distribution_list->parsed()) {
    list_distributions(std::cout);
  } else if (line.distribution_build->parsed()) {
    DistributionBuildOptions& options = line.distribution_build_options;
    if (!line.distribution_source.empty()) options.source = line.distribution_source;
    if (line.distribution_build->count("--jobs") != 0) options.jobs = line.distribution_jobs;
    if (options.version.empty() && !options.source) {
      throw UserError("freeze distribution build: give a VERSION (3.11, 3.13, ...) or --source TARBALL");
    }
    if (!options.version.empty() && !PythonVersion::parse_target(options.version)) {
      throw UserError("freeze distribution build: VERSION '" + options.version +
                      "' must be a CPython version from 3.11 on, as 3.13");
    }
    std::cout.flush();
    build_distribution(options);
  } else {
    std::cerr << app.help();
    return kExitUsage;
  }
  std::cout.flush();
  if (!std::cout) throw UserError("cannot write to standard output");
  return 0;
}

// `body`, with every failure reported on one line and turned into an exit status.
int reporting_failures(const std::function<int()>& body) {
  try {
    return body();
  } catch (const UserError& user_error) {
    error(user_error.what());
    return kExitError;
  } catch (const fs::filesystem_error& fs_error) {
    // A file operation the code did not expect to fail: say which file and why, in words.
    std::string message = fs_error.path1().empty() ? std::string("a file operation failed") : fs_error.path1().string();
    message += ": " + fs_error.code().message();
    if (!fs_error.path2().empty()) message += " (with " + fs_error.path2().string() + ")";
    error(message + "; check that the path exists and that you may write there");
    return kExitError;
  } catch (const std::bad_alloc&) {
    error("out of memory");
    return kExitError;
  } catch (const std::system_error& system_error) {
    error("a system call failed: " + system_error.code().message());
    return kExitError;
  } catch (const std::exception& unexpected) {
    error("internal error: an unexpected failure (this is a bug in freeze; please report it with the command line)");
    if (std::getenv("FREEZE_DEBUG") != nullptr) std::fprintf(stderr, "  debug: %s\n", unexpected.what());
    return kExitInternal;
  } catch (...) {
    error("internal error: an unexpected failure (this is a bug in freeze; please report it with the command line)");
    return kExitInternal;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::set_terminate(on_terminate);
  CLI::App app{wrap(kDescription), "freeze"};
  CommandLine line;
  declare_top_level(app, line);
  declare_init(app, line);
  declare_build(app, line);
  declare_check(app, line);
  declare_inspect(app, line);
  declare_cache(app, line);
  declare_distribution(app, line);
  declare_help(app, line);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& parse_error) {
    if (parse_error.get_exit_code() == 0) return app.exit(parse_error);  // --help, --version
    std::string command;
    for (const auto* sub : line.commands()) {
      if (sub->parsed()) command = sub->get_name();
    }
    return usage_error(parse_error, command);
  }
  return reporting_failures([&] { return run(app, line); });
}

#include "packager/commands/check/import_under_python.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string_view>
#include <thread>

#include "check_script_source.h"
#include "packager/commands/check/runner.h"

extern char** environ;

namespace freeze::packager::checks {
namespace {

namespace fs = std::filesystem;

// argv: N PATH*N SITE_DIR* SCRIPT. Puts the paths first on sys.path, adds the site directories,
// then runs the checking program (check_script.py) as the frozen app runs it, named
// "<app.code>": the same code classifies the failure under both interpreters. sys.argv then has
// one item, as in the frozen check, which runs with no arguments: a script that reads
// sys.argv[1] when imported (tox.helper.build_requires) fails alike.
constexpr const char* kRunCheckScript = R"(import site, sys
count = int(sys.argv[1])
sys.path[0:0] = sys.argv[2:2 + count]
for directory in sys.argv[2 + count:-1]:
    site.addsitedir(directory)
with open(sys.argv[-1], encoding="utf-8") as script:
    code = compile(script.read(), "<app.code>", "exec")
sys.argv[:] = sys.argv[-1:]
exec(code, {"__name__": "__main__"})
)";

// Runs argv with stdin, stdout and stderr on /dev/null, fd 3 on `reports`, the `added`
// variables in its environment and no PYTHON* ones, in its own process group (killed with
// whatever it started); true if it exited with status 0 within the timeout.
bool run_quietly(const std::vector<std::string>& arguments, const std::vector<std::string>& added,
                 const fs::path& reports, const fs::path& cwd, std::chrono::seconds timeout) {
  std::vector<char*> argv;
  for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> environment;
  for (char** variable = environ; *variable != nullptr; ++variable) {
    if (std::strncmp(*variable, "PYTHON", 6) != 0 && std::strncmp(*variable, "FREEZE_CHECK_", 13) != 0) {
      environment.push_back(*variable);
    }
  }
  for (const auto& variable : added) environment.push_back(const_cast<char*>(variable.c_str()));
  environment.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int fd = 0; fd <= 2; ++fd) posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 3, reports.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  // In `cwd` (a scratch directory): with -I no directory is put on sys.path, but a module may
  // still look at the working directory.
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  pid_t pid = 0;
  const int spawn_error = ::posix_spawn(&pid, argv[0], &actions, &attributes, argv.data(), environment.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawn_error != 0) return false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (true) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) return false;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(-pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(-pid, SIGKILL);  // what the module started and left behind
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void write_text(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

}  // namespace

PlainImport import_under_python(const PlainPython& python, const std::string& module, const std::set<std::string>& refused) {
  const fs::path script = python.scratch / "plain-check-script.py";
  const fs::path manifest = python.scratch / "plain-check-manifest.txt";
  const fs::path reports = python.scratch / "plain-check-reports.txt";
  write_text(script, kCheckScriptSource);
  write_text(manifest, "module\t" + module + "\t0\n");
  std::vector<std::string> argv = {python.interpreter.string(), "-I", "-c", kRunCheckScript,
                                   std::to_string(python.paths.size())};
  for (const auto& path : python.paths) argv.push_back(path.string());
  for (const auto& dir : python.site_dirs) argv.push_back(dir.string());
  argv.push_back(script.string());
  std::string refused_list;
  for (const auto& name : refused) refused_list += (refused_list.empty() ? "" : ",") + name;
  const std::vector<std::string> environment = {"FREEZE_CHECK_MANIFEST=" + manifest.string(), "FREEZE_CHECK_FIRST=0",
                                                "FREEZE_CHECK_PROBE=", "FREEZE_CHECK_REFUSE=" + refused_list};
  PlainImport plain;
  if (!run_quietly(argv, environment, reports, python.scratch, python.timeout)) return plain;
  std::ifstream in(reports, std::ios::binary);
  for (std::string line; std::getline(in, line);) {
    const auto fields = split_report_fields(line);
    if (fields[0] == "K") {
      plain.state = PlainImport::State::Imported;
    } else if (fields[0] == "F" && fields.size() >= 5) {
      plain.state = PlainImport::State::Failed;
      plain.error_type = fields[2];
      plain.message = fields[3];
      plain.where = fields[4];
    } else if (fields[0] == "V" && fields.size() >= 5) {
      plain.shown_warnings.push_back({fields[2], fields[3], fields[4]});
    }
  }
  return plain;
}

PythonImports needed_imports(const PlainPython& python, const std::set<std::string>& included_tops,
                             const std::set<std::string>& never_allowed, const std::vector<std::string>& modules) {
  const fs::path names = python.scratch / "needed-imports-names.txt";
  const fs::path reports = python.scratch / "needed-imports.txt";
  std::string text;
  for (const auto& top : included_tops) text += "+" + top + "\n";
  for (const auto& top : never_allowed) text += "-" + top + "\n";
  for (const auto& module : modules) text += module + "\n";
  write_text(names, text);
  std::vector<std::string> argv = {python.interpreter.string(), "-I", "-c", kNeededImportsSource,
                                   std::to_string(python.paths.size())};
  for (const auto& path : python.paths) argv.push_back(path.string());
  for (const auto& dir : python.site_dirs) argv.push_back(dir.string());
  argv.push_back(names.string());
  PythonImports found;
  // What it wrote before a crash or a timeout (a module that hangs or exits) holds as much.
  run_quietly(argv, {}, reports, python.scratch, python.timeout);
  std::ifstream in(reports, std::ios::binary);
  for (std::string line; std::getline(in, line);) {
    const auto tab = line.find('\t');
    if (line.starts_with("=")) {
      found.modules.push_back({line.substr(1), {}});
    } else if (tab == std::string::npos) {
      continue;
    } else if (line.starts_with("<")) {
      found.importers[line.substr(tab + 1)].insert(line.substr(1, tab - 1));
    } else if (!found.modules.empty()) {
      found.modules.back().loaded.push_back({line.substr(0, tab), line.substr(tab + 1)});
    }
  }
  return found;
}

}  // namespace freeze::packager::checks

#include "packager/commands/import_under_python.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace freeze::packager {
namespace {

namespace fs = std::filesystem;

// argv: RESULT_FILE MODULE N PATH*N SITE_DIR*. Writes "ok", or the failure as the checking
// program reports it (check_script.py): type, message and innermost frame, tab-separated.
constexpr const char* kImportScript = R"(import os, sys
result, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path[0:0] = sys.argv[4:4 + count]
import site
for directory in sys.argv[4 + count:]:
    site.addsitedir(directory)
def where(exc):
    tb, last = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename != "<string>" and not tb.tb_frame.f_code.co_filename.startswith("<frozen "):
            last = tb
        tb = tb.tb_next
    if last is None:
        return ""
    code = last.tb_frame.f_code
    return f"{os.path.basename(code.co_filename)}:{last.tb_lineno} in {code.co_name}"
try:
    __import__(name)
    text = "ok"
except BaseException as exc:
    kind = type(exc).__qualname__
    if type(exc).__module__ not in ("builtins", None):
        kind = type(exc).__module__ + "." + kind
    text = "\t".join(field.replace("\t", " ").replace("\n", " ") for field in (kind, str(exc), where(exc)))
with open(result, "w", encoding="utf-8", errors="backslashreplace") as out:
    out.write(text)
os._exit(0)
)";

// Runs argv with stdin, stdout and stderr on /dev/null, in its own process group (killed with
// whatever it started); true if it exited with status 0 within the timeout.
bool run_quietly(const std::vector<std::string>& arguments, const fs::path& cwd, std::chrono::seconds timeout) {
  std::vector<char*> argv;
  for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> environment;
  for (char** variable = environ; *variable != nullptr; ++variable) {
    if (std::strncmp(*variable, "PYTHON", 6) != 0) environment.push_back(*variable);
  }
  environment.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int fd = 0; fd <= 2; ++fd) posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
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

}  // namespace

PlainImport import_under_python(const PlainPython& python, const std::string& module) {
  const fs::path result = python.scratch / "plain-import-result.txt";
  std::error_code ignored;
  fs::remove(result, ignored);
  std::vector<std::string> argv = {python.interpreter.string(), "-I", "-c", kImportScript, result.string(), module,
                                   std::to_string(python.paths.size())};
  for (const auto& path : python.paths) argv.push_back(path.string());
  for (const auto& dir : python.site_dirs) argv.push_back(dir.string());
  PlainImport plain;
  if (!run_quietly(argv, python.scratch, python.timeout)) return plain;
  std::ifstream in(result, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  const std::string line = text.str();
  if (!in && line.empty()) return plain;
  if (line == "ok") {
    plain.state = PlainImport::State::Imported;
    return plain;
  }
  const auto first_tab = line.find('\t');
  const auto second_tab = first_tab == std::string::npos ? std::string::npos : line.find('\t', first_tab + 1);
  if (second_tab == std::string::npos) return plain;
  plain.state = PlainImport::State::Failed;
  plain.error_type = line.substr(0, first_tab);
  plain.message = line.substr(first_tab + 1, second_tab - first_tab - 1);
  plain.where = line.substr(second_tab + 1);
  return plain;
}

}  // namespace freeze::packager

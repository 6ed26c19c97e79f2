#include "packager/commands/check/runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>

#include "packager/support/user_error.h"

extern char** environ;

namespace freeze::packager::checks {

namespace fs = std::filesystem;

namespace {

std::string unescape(std::string_view field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 1 < field.size()) {
      const char next = field[++i];
      out += next == 't' ? '\t' : next == 'n' ? '\n' : next == 'r' ? '\r' : next;
    } else {
      out += field[i];
    }
  }
  return out;
}

// The last lines of `path` from byte `offset` on.
std::string tail_of_file(const fs::path& path, std::size_t max_lines, std::uint64_t offset = 0) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::string out;
  for (std::size_t i = lines.size() > max_lines ? lines.size() - max_lines : 0; i < lines.size(); ++i) {
    out += lines[i] + "\n";
  }
  return out;
}

std::string signal_name(int signal) {
  switch (signal) {
    case SIGSEGV: return "SIGSEGV (segmentation fault)";
    case SIGABRT: return "SIGABRT (abort)";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL (illegal instruction)";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    default: return "signal " + std::to_string(signal);
  }
}

// The checking program, started from check `first` on: its pid and the read end of the pipe
// it reports on.
struct Checker {
  pid_t pid = 0;
  int reports = -1;
};

Checker start_checker(const fs::path& executable, const fs::path& manifest, const fs::path& log, std::size_t first,
                      const std::string& probe) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw UserError(std::string("cannot create a pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 3);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  const std::string exe = executable.string();
  const std::string manifest_path = manifest.string();
  const std::string start = std::to_string(first);
  // No arguments: with [python] interpreter = true the launcher would take an existing file
  // (the manifest) for a script to run. The checking program reads its two inputs from the
  // environment instead, and removes them before the first check.
  char* argv[] = {const_cast<char*>(exe.c_str()), nullptr};
  std::string manifest_variable = "FREEZE_CHECK_MANIFEST=" + manifest_path;
  std::string start_variable = "FREEZE_CHECK_FIRST=" + start;
  std::string probe_variable = "FREEZE_CHECK_PROBE=" + probe;
  // The environment of a clean target machine: no PYTHONPATH & co. that could hide a module
  // missing from the executable (they matter when [python] isolated = false).
  std::vector<char*> environment;
  for (char** variable = environ; *variable != nullptr; ++variable) {
    if (std::strncmp(*variable, "PYTHON", 6) != 0 && std::strncmp(*variable, "FREEZE_CHECK_", 13) != 0) {
      environment.push_back(*variable);
    }
  }
  environment.push_back(manifest_variable.data());
  environment.push_back(start_variable.data());
  environment.push_back(probe_variable.data());
  environment.push_back(nullptr);
  pid_t pid = 0;
  const int spawn_error = ::posix_spawn(&pid, exe.c_str(), &actions, &attributes, argv, environment.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(pipe_fds[1]);
  if (spawn_error != 0) {
    ::close(pipe_fds[0]);
    throw UserError("cannot run the verification executable " + exe + ": " + std::strerror(spawn_error));
  }
  return {pid, pipe_fds[0]};

}

// Where the checking program got to, from its reports.
struct RunState {
  std::optional<std::size_t> current;  // the check it began and did not finish
  std::size_t next = 0;                // the check after the last one that finished
  bool finished = false;               // it reported the end
  bool timed_out = false;              // a check took longer than the timeout
};

// Applies one report line ("B", "K", "W", "V", "M", "X", "P", "F", "I", "E" and their fields) to the outcomes.
void apply_report(const std::string& line, int timeout_seconds, std::chrono::steady_clock::time_point& deadline,
                  bool& files_readable, std::vector<Outcome>& outcomes, RunState& progress) {
  const auto fields = split_report_fields(line);
  if (fields.empty()) return;
  if (fields[0] == "E") {
    progress.finished = true;
    return;
  }
  if (fields[0] == "I" && fields.size() >= 3 && fields[1] == "files_readable") {
    files_readable = fields[2] == "1";
    return;
  }
  if (fields.size() < 2) return;
  const std::size_t index = std::strtoull(fields[1].c_str(), nullptr, 10);
  if (index >= outcomes.size()) return;
  Outcome& outcome = outcomes[index];
  if (fields[0] == "B") {
    progress.current = index;
    if (fields.size() >= 3) outcome.log_offset = std::strtoull(fields[2].c_str(), nullptr, 10);
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  } else if (fields[0] == "K") {
    outcome.state = Outcome::State::Passed;
    progress.current.reset();
    progress.next = index + 1;
  } else if (fields[0] == "W" && fields.size() >= 3) {
    outcome.warnings.push_back(fields[2]);
  } else if (fields[0] == "V" && fields.size() >= 5) {
    outcome.shown_warnings.push_back({fields[2], fields[3], fields[4]});
  } else if (fields[0] == "M" && fields.size() >= 3) {
    outcome.not_found.push_back({fields[2], fields.size() >= 4 ? fields[3] : ""});
  } else if (fields[0] == "X" && fields.size() >= 3) {
    outcome.executable_use = fields[2];
  } else if (fields[0] == "Z" && fields.size() >= 3) {
    outcome.frozen_test = fields[2];
  } else if (fields[0] == "P" && fields.size() >= 3) {
    outcome.program_path = fields[2];
  } else if (fields[0] == "F" && fields.size() >= 8) {
    outcome.state = Outcome::State::Failed;
    outcome.error_type = fields[2];
    outcome.message = fields[3];
    outcome.where = fields[4];
    outcome.traceback = fields[5];
    outcome.missing_module = fields[6];
    outcome.filename = fields[7];
    if (fields.size() >= 9) outcome.tried_first = fields[8];
    progress.current.reset();
    progress.next = index + 1;
  }
}

// Reads the reports until the program ends or a check outlasts the timeout.
RunState read_reports(int reports, std::size_t first, int timeout_seconds, bool& files_readable,
                      std::vector<Outcome>& outcomes) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + std::chrono::seconds(timeout_seconds);
  RunState progress;
  progress.next = first;
  std::string buffer;
  char chunk[65536];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
    if (left <= 0) {
      progress.timed_out = true;
      break;
    }
    pollfd poll_fd{reports, POLLIN, 0};
    const int ready = ::poll(&poll_fd, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) continue;
    const ssize_t got = ::read(reports, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EOF: the program ended
    buffer.append(chunk, static_cast<std::size_t>(got));
    for (auto newline = buffer.find('\n'); newline != std::string::npos; newline = buffer.find('\n')) {
      const std::string line = buffer.substr(0, newline);
      buffer.erase(0, newline + 1);
      apply_report(line, timeout_seconds, deadline, files_readable, outcomes, progress);
    }
  }
  return progress;
}

// Runs the checking program from item `first` on; fills `outcomes`. Returns the index to go on
// from (items.size() when done).
std::size_t run_from(const fs::path& executable, const fs::path& manifest, const fs::path& log, std::size_t first,
                     int timeout_seconds, const std::string& probe, bool& files_readable, std::vector<Outcome>& outcomes) {
  const Checker checker = start_checker(executable, manifest, log, first, probe);
  const pid_t pid = checker.pid;
  const RunState progress = read_reports(checker.reports, first, timeout_seconds, files_readable, outcomes);
  ::close(checker.reports);
  if (progress.timed_out) ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::kill(-pid, SIGKILL);  // anything the modules started and left behind
  if (progress.finished) return outcomes.size();
  const std::optional<std::size_t>& current = progress.current;
  const std::size_t next = progress.next;
  const bool timed_out = progress.timed_out;

  // It died, hung or exited. Between two checks: go on after the last one that finished.
  if (!current && next > first) return next;
  if (!current) {
    // Before its first check: the program itself does not start, which no module is to blame for.
    const std::string output = tail_of_file(log, 20);
    throw UserError("the verification executable stopped before its first check (" +
                    std::string(WIFSIGNALED(status) ? "killed by " + signal_name(WTERMSIG(status))
                                                    : "status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1)) +
                    (output.empty() ? ")" : "); its output:\n" + output) +
                    "\nDoes the app start at all? Try freeze build and run it.");
  }
  const std::size_t culprit = *current;
  Outcome& outcome = outcomes[culprit];
  outcome.state = Outcome::State::Failed;
  outcome.output = tail_of_file(log, 20, outcome.log_offset);
  if (timed_out) {
    outcome.timed_out = true;
    outcome.error_type = "timeout";
    outcome.message = "still running after " + std::to_string(timeout_seconds) + " s; stopped";
  } else if (WIFSIGNALED(status)) {
    outcome.crashed = true;
    outcome.error_type = "crash";
    outcome.message = "the process was killed by " + signal_name(WTERMSIG(status));
  } else {
    outcome.crashed = true;
    outcome.error_type = "exit";
    outcome.message = "the process exited with status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                      " (os._exit() or a fatal error)";
  }
  return culprit + 1;
}

}  // namespace

std::vector<std::string> split_report_fields(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    const auto tab = line.find('\t', start);
    fields.push_back(unescape(std::string_view(line).substr(start, tab - start)));
    if (tab == std::string::npos) return fields;
    start = tab + 1;
  }
}

void write_manifest(const Plan& plan, const fs::path& manifest) {
  std::ofstream file(manifest, std::ios::binary);
  for (const auto& item : plan.items) {
    file << item.kind;
    for (const auto& arg : item.args) file << '\t' << arg;
    file << '\n';
  }
}

std::string path_probe(const Inspection& inspection, const fs::path& executable) {
  for (const auto& item : inspection.entries) {
    if (item.kind == blob::Kind::Module && item.in_memory() && !item.path.empty()) {
      return (executable.parent_path() / item.path).string();
    }
  }
  return {};
}

std::vector<Outcome> run_checks(const Plan& plan, const fs::path& executable, const fs::path& dir,
                                const fs::path& manifest, const std::string& probe, int timeout_seconds,
                                bool& files_readable) {
  std::vector<Outcome> outcomes(plan.items.size());
  files_readable = false;
  std::size_t next = 0;
  for (int runs = 0; next < plan.items.size(); ++runs) {
    if (runs >= 50) {
      throw UserError("the verification executable keeps stopping; the report so far would be incomplete");
    }
    next = run_from(executable, manifest, dir / "output.log", next, timeout_seconds, probe, files_readable,
                    outcomes);
  }
  return outcomes;
}

}  // namespace freeze::packager::checks

#include "packager/build/python_process.h"

#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "packager/support/hex.h"
#include "packager/support/user_error.h"
#include "support_sources.h"

extern char** environ;

namespace freeze::packager {
namespace {

using nlohmann::json;

// The child's whole environment: nothing of the user's PYTHON* variables (PYTHONPATH,
// PYTHONSTARTUP, ...) reaches it, and the hash seed is fixed as in the embedded interpreter, so
// that frozenset constants come out in the same order in every build.
std::vector<std::string> child_environment() {
  std::vector<std::string> env = {"PYTHONHASHSEED=0", "PYTHONDONTWRITEBYTECODE=1", "PYTHONUTF8=1", "LC_ALL=C.UTF-8"};
  if (const char* path = std::getenv("PATH")) env.push_back(std::string("PATH=") + path);
  return env;
}

}  // namespace

struct PythonProcess::Reply {
  json header;
  std::vector<std::string> parts;
};

PythonProcess::PythonProcess(const std::filesystem::path& interpreter) : interpreter_(interpreter) {
  if (access(interpreter.c_str(), X_OK) != 0) fail(std::string("cannot run it: ") + std::strerror(errno));
  int sockets[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0) fail(std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, sockets[1], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, sockets[1], STDOUT_FILENO);
  const std::string script = std::string(kScanImportsSource) + "\n" + kPythonServerSource;
  // -s -S: no user site, no site module; not -E/-I, which would ignore the fixed hash seed
  // (the environment is ours entirely, see child_environment).
  std::vector<std::string> args = {interpreter.string(), "-s", "-S", "-c", script};
  std::vector<char*> argv, envp;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = child_environment();
  for (std::string& entry : env) envp.push_back(entry.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int spawn_error = posix_spawn(&pid, interpreter.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(sockets[1]);
  child_.socket = sockets[0];
  if (spawn_error != 0) fail(std::string("cannot start it: ") + std::strerror(spawn_error));
  child_.pid = pid;
  Reply described = call(R"({"op": "describe"})", {});
  try {
    const auto version = PythonVersion::parse(described.header.at("version").get<std::string>());
    magic_ = decode_hex(described.header.at("magic").get<std::string>()).value_or("");
    stdlib_dir_ = described.header.at("stdlib").get<std::string>();
    if (!version || magic_.size() != 4 || described.header.at("cache_tag").get<std::string>() != version->cache_tag()) {
      fail("it is not a CPython of the layout freeze knows (version " + described.header.at("version").dump() +
           ", cache tag " + described.header.at("cache_tag").dump() + ")");
    }
    version_ = *version;
  } catch (const json::exception&) {
    fail("it does not describe itself as a CPython");
  }
}

PythonProcess::Child::~Child() {
  if (socket >= 0) close(socket);  // end of requests: the server returns and exits
  if (pid > 0) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

void PythonProcess::fail(const std::string& what) const {
  throw UserError("the build interpreter " + interpreter_.string() + ": " + what);
}

PythonProcess::Reply PythonProcess::call(const std::string& header_json, const std::vector<const std::string*>& parts) {
  json header = json::parse(header_json);
  header["sizes"] = json::array();
  for (const std::string* part : parts) header["sizes"].push_back(part->size());
  std::string request = header.dump() + "\n";
  for (const std::string* part : parts) request += *part;
  for (std::size_t sent = 0; sent < request.size();) {
    // MSG_NOSIGNAL: a server that died is reported below, not by SIGPIPE.
    const ssize_t n = send(child_.socket, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EPIPE) break;  // it exited: what it said before, if anything, tells why
    if (n < 0) fail("cannot send it a request: " + std::string(std::strerror(errno)));
    sent += static_cast<std::size_t>(n);
  }
  auto fill = [this](std::size_t at_least) {
    char chunk[65536];
    while (buffered_.size() < at_least) {
      const ssize_t n = recv(child_.socket, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail("it exited while answering");
      buffered_.append(chunk, static_cast<std::size_t>(n));
    }
  };
  std::size_t newline;
  while ((newline = buffered_.find('\n')) == std::string::npos) fill(buffered_.size() + 1);
  Reply reply;
  try {
    reply.header = json::parse(buffered_.substr(0, newline));
  } catch (const json::exception&) {
    fail("it answered something that is not a reply: " + buffered_.substr(0, std::min<std::size_t>(newline, 80)));
  }
  buffered_.erase(0, newline + 1);
  if (!reply.header.value("ok", false)) throw UserError(reply.header.value("error", std::string("unknown error")));
  for (std::size_t size : reply.header.at("sizes").get<std::vector<std::size_t>>()) {
    fill(size);
    reply.parts.push_back(buffered_.substr(0, size));
    buffered_.erase(0, size);
  }
  return reply;
}

CompiledModule PythonProcess::compile(const std::string& source, const std::string& filename, int optimize) {
  json header = {{"op", "compile"}, {"filename", filename}, {"optimize", optimize}};
  Reply reply = call(header.dump(), {&source});
  return CompiledModule{std::move(reply.parts.at(0)), std::move(reply.parts.at(1))};
}

std::string PythonProcess::source_hash(const std::string& source) {
  return call(R"({"op": "source_hash"})", {&source}).parts.at(0);
}

std::vector<std::string> PythonProcess::imported_names(const std::string& source, const std::string& module,
                                                       bool is_package, ImportScope scope, bool stdlib, bool as_main) {
  json header = {{"op", "imported_names"}, {"module", module},  {"is_package", is_package},
                 {"scope", import_scope_name(scope)}, {"stdlib", stdlib}, {"as_main", as_main}};
  try {
    return call(header.dump(), {&source}).header.at("names").get<std::vector<std::string>>();
  } catch (const UserError& error) {
    throw UserError("scanning the imports of " + module + ": " + error.what());
  }
}

bool PythonProcess::is_frozen(const std::string& module) {
  json header = {{"op", "is_frozen"}, {"module", module}};
  return call(header.dump(), {}).header.value("frozen", false);
}

}  // namespace freeze::packager

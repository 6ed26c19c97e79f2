#include "launcher/command_line.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string_view>

namespace freeze::launcher {
namespace {

// A cursor over a -c string that accepts exact text and Python literals of the kinds
// multiprocessing formats with %d and %r: integers, None, str and lists of str. Nothing that
// could be an expression with an effect (names, calls, f-strings, operators) gets through.
class LiteralCursor {
 public:
  explicit LiteralCursor(std::string_view text) : text_(text) {}

  bool text(std::string_view expected) {
    if (!text_.substr(pos_).starts_with(expected)) return false;
    pos_ += expected.size();
    return true;
  }

  bool integer() {
    std::size_t end = pos_;
    while (end < text_.size() && std::isdigit(static_cast<unsigned char>(text_[end]))) ++end;
    if (end == pos_ || end - pos_ > 10) return false;
    pos_ = end;
    return true;
  }

  bool integer_or_none() { return text("None") || integer(); }

  // A str literal as repr() writes it: '...' or "...", backslash escapes, no line breaks.
  bool string() {
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) return false;
    const char quote = text_[pos_++];
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == quote) return true;
      if (c == '\n' || c == '\r') return false;
      if (c == '\\') {
        if (pos_ >= text_.size()) return false;
        ++pos_;
      }
    }
    return false;
  }

  // repr() of a list of str: [] or ['a', 'b'].
  bool string_list() {
    if (!text("[")) return false;
    if (text("]")) return true;
    do {
      if (!string()) return false;
    } while (text(", "));
    return text("]");
  }

  bool at_end() const { return pos_ == text_.size(); }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

constexpr std::string_view kSpawnPrefix = "from multiprocessing.spawn import spawn_main; spawn_main(";
constexpr std::string_view kForkserverPrefix = "from multiprocessing.forkserver import main; main(";
constexpr std::string_view kTrackerPrefix = "from multiprocessing.resource_tracker import main;main(";

// One `name=value` keyword argument of spawn_main, with an int or None value, each name once.
bool spawn_keyword(LiteralCursor& cursor, std::set<std::string_view>& seen) {
  for (const std::string_view name : {"pipe_handle=", "parent_pid=", "tracker_fd="}) {
    if (cursor.text(name)) return seen.insert(name).second && cursor.integer_or_none();
  }
  return false;
}

// spawn_main(k=v, ...) arguments up to the closing parenthesis; pipe_handle is required.
bool spawn_keywords(LiteralCursor& cursor) {
  std::set<std::string_view> seen;
  do {
    if (!spawn_keyword(cursor, seen)) return false;
  } while (cursor.text(", "));
  return cursor.text(")") && seen.contains("pipe_handle=");
}

// One of the flags subprocess._args_from_interpreter_flags() produces; `index` is advanced past
// its value if it takes one.
bool interpreter_flag(const std::vector<std::string>& argv, std::size_t& index) {
  const std::string& arg = argv[index];
  static const std::set<std::string_view> plain = {"-O", "-OO", "-B", "-S", "-q", "-I", "-E", "-s", "-P"};
  if (plain.contains(arg)) return true;
  if (arg.size() >= 2 && arg[0] == '-' && (arg[1] == 'd' || arg[1] == 'v' || arg[1] == 'b') &&
      arg.find_first_not_of(arg[1], 1) == std::string::npos) {
    return true;
  }
  if (arg.starts_with("-W") && arg.size() > 2) return true;
  if (arg == "-X" && index + 1 < argv.size()) {
    const std::string_view value = argv[index + 1];
    for (const std::string_view option : {"faulthandler", "tracemalloc", "importtime", "showrefcount", "utf8", "dev"}) {
      if (value == option || (value.starts_with(option) && value.size() > option.size() + 1 &&
                              value[option.size()] == '=' &&
                              value.find_first_not_of("0123456789", option.size() + 1) == std::string_view::npos)) {
        ++index;
        return true;
      }
    }
  }
  return false;
}

bool is_python_short_option_cluster(std::string_view arg) {
  if (arg.size() < 2 || arg[0] != '-' || arg[1] == '-') return false;
  for (std::size_t i = 1; i < arg.size(); ++i) {
    const char c = arg[i];
    if (c == 'c' || c == 'm' || c == 'W' || c == 'X') return true;  // the rest is the option's value
    if (std::string_view("bBdEiIOPqRsSuvx").find(c) == std::string_view::npos) return false;
  }
  return true;
}

bool is_file(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool path_exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// A script for python, not an argument for the app. Python runs any file; an app that is its
// own interpreter too keeps the files that are plainly something else (ansible-playbook
// site.yml). A script: a directory with a __main__ module; a file named like Python (.py, .pyc,
// .pyw, .pyz, .pyzw), or that starts with a "#!" line naming python, or is a zip application;
// and, as python would, a file without a suffix (a temporary script: CPython's tests run
// "@test_123_tmp"). A file with another suffix is the app's.
bool is_python_script(const std::string& path) {
  if (is_directory(path)) return is_file(path + "/__main__.py") || is_file(path + "/__main__.pyc");
  if (!is_file(path)) return false;
  for (const std::string_view suffix : {".py", ".pyc", ".pyw", ".pyz", ".pyzw"}) {
    if (path.ends_with(suffix)) return true;
  }
  char start[256] = {};
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return false;
  const std::size_t size = std::fread(start, 1, sizeof start, file);
  std::fclose(file);
  const std::string_view head(start, size);
  if (head.starts_with("PK\x03\x04")) return true;
  if (head.starts_with("#!") && head.substr(0, head.find('\n')).find("python") != std::string_view::npos) return true;
  const std::string_view filename = std::string_view(path).substr(path.rfind('/') + 1);
  return filename.find('.', 1) == std::string_view::npos;  // no suffix (a leading dot is a hidden file's)
}

// Whether two paths name the same file (a symlink or a relative path to the executable too).
bool same_file(const std::string& a, const std::string& b) {
  struct stat first {}, second {};
  return ::stat(a.c_str(), &first) == 0 && ::stat(b.c_str(), &second) == 0 && first.st_dev == second.st_dev &&
         first.st_ino == second.st_ino;
}

[[noreturn]] void refuse(const std::vector<std::string>& argv, const char* what) {
  std::fprintf(stderr, "%s: refusing a malformed %s command line (not one that multiprocessing builds)\n",
               argv.empty() ? "freeze" : argv[0].c_str(), what);
  std::exit(2);
}

}  // namespace

bool is_multiprocessing_code(const std::string& code, const std::vector<std::string>& rest) {
  LiteralCursor cursor(code);
  if (cursor.text(kTrackerPrefix)) {
    return cursor.integer() && cursor.text(")") && cursor.at_end() && rest.empty();
  }
  if (cursor.text(kForkserverPrefix)) {
    // main(listener_fd, alive_r, preload, **{} or **{'sys_path': [...]}). 3.11 never passes
    // main_path (which would run a file), so it is not accepted.
    if (!(cursor.integer() && cursor.text(", ") && cursor.integer() && cursor.text(", ") && cursor.string_list() &&
          cursor.text(", **{"))) {
      return false;
    }
    if (!cursor.text("}")) {
      if (!(cursor.text("'sys_path': ") && cursor.string_list() && cursor.text("}"))) return false;
    }
    return cursor.text(")") && cursor.at_end() && rest.empty();
  }
  if (cursor.text(kSpawnPrefix)) {
    return spawn_keywords(cursor) && cursor.at_end() && rest.size() == 1 &&
           rest[0] == "--multiprocessing-fork";
  }
  return false;
}

bool python_options_ignore_environment(const std::vector<std::string>& argv) {
  // python's getopt (3.11): short options "bBc:dEhiIJm:OPqRsStuvVW:xX:?", clustered; -c, -m end
  // the options, -W and -X take the rest of the argument or the next one; "-" or a script ends
  // them too; the only long option with a value is --check-hash-based-pycs.
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg == "--check-hash-based-pycs") {
      ++i;
      continue;
    }
    if (arg == "--") return false;
    if (arg.starts_with("--")) continue;
    if (arg.size() < 2 || arg[0] != '-') return false;
    for (std::size_t j = 1; j < arg.size(); ++j) {
      const char c = arg[j];
      if (c == 'E' || c == 'I') return true;
      if (c == 'c' || c == 'm') return false;
      if (c == 'W' || c == 'X') {
        if (j + 1 == arg.size()) ++i;  // the value is the next argument
        break;
      }
    }
  }
  return false;
}

bool parent_runs_this_executable() {
  struct stat parent {}, self {};
  const std::string parent_exe = "/proc/" + std::to_string(::getppid()) + "/exe";
  return ::stat(parent_exe.c_str(), &parent) == 0 && ::stat("/proc/self/exe", &self) == 0 && parent.st_dev == self.st_dev &&
         parent.st_ino == self.st_ino;
}

Invocation classify_command_line(const std::vector<std::string>& argv, bool interpreter_mode,
                                 const EmbeddedScriptTest& embedded_script, const std::string& executable,
                                 bool started_by_this_executable) {
  if (argv.size() < 2) return {};

  // multiprocessing spawn with sys.frozen set: [exe, '--multiprocessing-fork', 'k=v', ...].
  if (argv[1] == "--multiprocessing-fork") {
    std::string code(kSpawnPrefix);
    std::set<std::string_view> seen;
    for (std::size_t i = 2; i < argv.size(); ++i) {
      LiteralCursor cursor(argv[i]);
      if (!spawn_keyword(cursor, seen) || !cursor.at_end()) refuse(argv, "multiprocessing spawn");
      code += (i > 2 ? ", " : "") + argv[i];
    }
    if (!seen.contains("pipe_handle=")) refuse(argv, "multiprocessing spawn");
    return {RunKind::SpawnChild, code + ")"};
  }

  // [exe, *_args_from_interpreter_flags(), '-c', CODE, ...] for multiprocessing's helpers.
  std::size_t index = 1;
  while (index < argv.size() && argv[index] != "-c" && interpreter_flag(argv, index)) ++index;
  if (index + 1 < argv.size() && argv[index] == "-c" && argv[index + 1].starts_with("from multiprocessing.")) {
    const std::vector<std::string> rest(argv.begin() + static_cast<std::ptrdiff_t>(index) + 2, argv.end());
    if (is_multiprocessing_code(argv[index + 1], rest)) return {RunKind::PythonCommandLine, {}};
    if (!interpreter_mode) refuse(argv, "multiprocessing helper");
  }

  // A program starts an interpreter by its path ([sys.executable, "-c", ...], a configured
  // interpreter path), or is the app itself (Popen(["name", "-c", ...], executable=sys.executable));
  // started by its name, found on PATH (ansible-lint -c lint.yml), or under a command's name, the
  // command line is the app's.
  if (interpreter_mode && (argv[0].find('/') != std::string::npos || started_by_this_executable)) {
    const std::string& first = argv[1];
    if (first[0] != '-' && same_file(first, executable)) return {RunKind::App, {}, 1};
    if (first == "-" || first == "--check-hash-based-pycs" || is_python_short_option_cluster(first) ||
        (first[0] != '-' && (is_python_script(first) ||
                             (embedded_script && !path_exists(first) && embedded_script(first))))) {
      return {RunKind::PythonCommandLine, {}};
    }
  }
  return {};
}

}  // namespace freeze::launcher

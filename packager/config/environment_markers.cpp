#include "packager/config/environment_markers.h"

#include <sys/utsname.h>

#include <cctype>
#include <limits>
#include <map>
#include <stdexcept>
#include <tuple>
#include <vector>

namespace freeze::packager {
namespace {

using Environment = std::map<std::string, std::string, std::less<>>;

// What python's packaging.markers.default_environment() says inside an app frozen for `python`.
Environment environment(const PythonVersion& python) {
  Environment env = {
      {"python_version", python.short_version()},
      {"python_full_version", python.full},
      {"implementation_version", python.full},
      {"implementation_name", "cpython"},
      {"platform_python_implementation", "CPython"},
      {"os_name", "posix"},
      {"sys_platform", "linux"},
      {"platform_system", "Linux"},
      {"platform_machine", "x86_64"},
      {"extra", ""},  // no extras are requested
  };
  utsname name{};
  if (::uname(&name) == 0) {  // the target's kernel is unknown: the build machine's stands in
    env["platform_release"] = name.release;
    env["platform_version"] = name.version;
  }
  return env;
}

bool is_version_variable(std::string_view name) {
  return name == "python_version" || name == "python_full_version" || name == "implementation_version";
}

struct ParsedVersion {
  std::vector<long> release;
  int stage = 4;  // 0 a .dev of the final release, 1 a, 2 b, 3 rc, 4 final
  long pre = 0;
  long post = -1;
  long dev = -1;
  bool valid = true;
};

ParsedVersion parse_version(std::string_view text) {
  ParsedVersion out;
  std::size_t i = 0;
  if (i < text.size() && (text[i] == 'v' || text[i] == 'V')) ++i;
  auto number = [&](long& value) {
    if (i >= text.size() || !std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    value = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) value = value * 10 + (text[i++] - '0');
    return true;
  };
  long part = 0;
  if (!number(part)) return {{}, 4, 0, -1, -1, false};
  out.release.push_back(part);
  while (i + 1 < text.size() && text[i] == '.' && std::isdigit(static_cast<unsigned char>(text[i + 1]))) {
    ++i;
    number(part);
    out.release.push_back(part);
  }
  while (!out.release.empty() && out.release.back() == 0 && out.release.size() > 1) out.release.pop_back();
  auto word = [&](std::string_view w) {
    std::size_t j = i;
    if (j < text.size() && (text[j] == '.' || text[j] == '-' || text[j] == '_')) ++j;
    if (text.substr(j, w.size()) != w) return false;
    i = j + w.size();
    if (i < text.size() && (text[i] == '.' || text[i] == '-' || text[i] == '_')) ++i;
    return true;
  };
  if (word("rc") || word("c")) {
    out.stage = 3, number(out.pre);
  } else if (word("b")) {
    out.stage = 2, number(out.pre);
  } else if (word("a")) {
    out.stage = 1, number(out.pre);
  }
  if (word("post")) number(out.post);
  if (word("dev")) {
    number(out.dev);
    if (out.stage == 4 && out.post < 0) out.stage = 0;  // 1.0.dev1 comes before 1.0a1
  }
  if (i < text.size() && text[i] != '+') out.valid = false;  // a local version label is ignored
  return out;
}

// The prefix of a marker grammar, one token at a time.
class MarkerParser {
 public:
  MarkerParser(std::string_view text, const Environment& environment) : text_(text), environment_(environment) {}

  bool parse() {
    const bool value = disjunction();
    skip_space();
    if (pos_ != text_.size()) throw std::invalid_argument("trailing text");
    return value;
  }

 private:
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  bool keyword(std::string_view word) {
    skip_space();
    if (text_.substr(pos_, word.size()) != word) return false;
    const std::size_t end = pos_ + word.size();
    if (end < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[end])) || text_[end] == '_')) return false;
    pos_ = end;
    return true;
  }

  bool disjunction() {
    bool value = conjunction();
    while (keyword("or")) value = conjunction() || value;
    return value;
  }

  bool conjunction() {
    bool value = comparison();
    while (keyword("and")) value = comparison() && value;
    return value;
  }

  // A variable's value or a quoted string; `variable` is set for a variable.
  std::string operand(std::string& variable) {
    skip_space();
    if (pos_ < text_.size() && (text_[pos_] == '\'' || text_[pos_] == '"')) {
      const char quote = text_[pos_++];
      const auto end = text_.find(quote, pos_);
      if (end == std::string_view::npos) throw std::invalid_argument("unterminated string");
      std::string value(text_.substr(pos_, end - pos_));
      pos_ = end + 1;
      return value;
    }
    const std::size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_' ||
                                   text_[pos_] == '.')) {
      ++pos_;
    }
    variable = std::string(text_.substr(start, pos_ - start));
    if (variable == "platform.python_implementation") variable = "platform_python_implementation";  // legacy names
    if (variable == "os.name") variable = "os_name";
    if (variable == "sys.platform") variable = "sys_platform";
    const auto it = environment_.find(variable);
    if (it == environment_.end()) throw std::invalid_argument("unknown variable");
    return it->second;
  }

  std::string comparison_operator() {
    skip_space();
    for (const std::string_view op : {"===", "==", "!=", "<=", ">=", "~=", "<", ">"}) {
      if (text_.substr(pos_, op.size()) == op) {
        pos_ += op.size();
        return std::string(op);
      }
    }
    if (keyword("in")) return "in";
    if (keyword("not")) {
      if (keyword("in")) return "not in";
    }
    throw std::invalid_argument("no operator");
  }

  bool comparison() {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '(') {
      ++pos_;
      const bool value = disjunction();
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != ')') throw std::invalid_argument("unbalanced parenthesis");
      ++pos_;
      return value;
    }
    std::string left_variable;
    std::string right_variable;
    std::string left = operand(left_variable);
    const std::string op = comparison_operator();
    std::string right = operand(right_variable);
    if (left_variable == "extra" || right_variable == "extra") {  // names compare normalised
      for (auto* side : {&left, &right}) {
        for (auto& c : *side) c = c == '_' || c == '.' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
    }
    if (op == "in") return right.find(left) != std::string::npos;
    if (op == "not in") return right.find(left) == std::string::npos;
    if (op == "===") return left == right;
    const bool versions = is_version_variable(left_variable) || is_version_variable(right_variable);
    if (versions && parse_version(left).valid) {
      if (op == "==" || op == "!=") {
        if (right.ends_with(".*")) {  // prefix match: python_version == "3.*"
          const std::string prefix = right.substr(0, right.size() - 1);
          const bool match = (left + ".").starts_with(prefix);
          return op == "==" ? match : !match;
        }
      }
      if (parse_version(right).valid) {
        const int order = compare_versions(left, right);
        if (op == "==") return order == 0;
        if (op == "!=") return order != 0;
        if (op == "<") return order < 0;
        if (op == "<=") return order <= 0;
        if (op == ">") return order > 0;
        if (op == ">=") return order >= 0;
        if (op == "~=") {  // >= right, and the same release but for its last part
          const ParsedVersion bound = parse_version(right);
          if (bound.release.size() < 2 || order < 0) return false;
          std::string prefix;
          for (std::size_t k = 0; k + 1 < bound.release.size(); ++k) prefix += std::to_string(bound.release[k]) + ".";
          return (left + ".").starts_with(prefix);
        }
      }
    }
    if (op == "==") return left == right;
    if (op == "!=") return left != right;
    throw std::invalid_argument("an ordering of strings that are not versions");
  }

  std::string_view text_;
  const Environment& environment_;
  std::size_t pos_ = 0;
};

}  // namespace

int compare_versions(std::string_view left, std::string_view right) {
  const ParsedVersion a = parse_version(left);
  const ParsedVersion b = parse_version(right);
  const std::size_t length = std::max(a.release.size(), b.release.size());
  for (std::size_t i = 0; i < length; ++i) {
    const long x = i < a.release.size() ? a.release[i] : 0;
    const long y = i < b.release.size() ? b.release[i] : 0;
    if (x != y) return x < y ? -1 : 1;
  }
  const auto key = [](const ParsedVersion& v) {
    return std::tuple(v.stage, v.pre, v.post, v.dev < 0 ? std::numeric_limits<long>::max() : v.dev);
  };
  if (key(a) == key(b)) return 0;
  return key(a) < key(b) ? -1 : 1;
}

std::optional<bool> evaluate_marker(std::string_view marker, const PythonVersion& python) {
  try {
    return MarkerParser(marker, environment(python)).parse();
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
}

}  // namespace freeze::packager

#include "packager/commands/cli_help.h"

#include <sstream>
#include <utility>
#include <vector>

namespace freeze::packager {
namespace {

// Text for a roff line: backslashes and leading control characters escaped.
std::string roff(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  return out;
}

// Paragraphs of `text` as roff: blank lines separate paragraphs, lines indented by two or more
// spaces are kept as they are (examples).
// With `headings`, a short unindented line ending in ':' after a blank line is a section (.SH).
std::string roff_paragraphs(const std::string& text, bool headings = false) {
  std::ostringstream out;
  std::istringstream in(text);
  bool literal = false;
  bool fresh = true;
  for (std::string line; std::getline(in, line);) {
    const bool indented = line.starts_with("  ");
    if (headings && fresh && !indented && line.size() < 30 && line.ends_with(":")) {
      if (literal) {
        out << ".fi\n.in\n";
        literal = false;
      }
      std::string title = line.substr(0, line.size() - 1);
      for (auto& c : title) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out << ".SH " << roff(title) << "\n";
      continue;
    }
    if (line.empty()) {
      if (literal) {
        out << ".fi\n.in\n";
        literal = false;
      }
      out << ".PP\n";
      fresh = true;
      continue;
    }
    if (indented && !literal) {
      out << ".nf\n.in +2\n";
      literal = true;
    } else if (!indented && literal) {
      out << ".fi\n.in\n";
      literal = false;
    }
    std::string body = roff(indented ? line.substr(2) : line);
    if (body.starts_with(".") || body.starts_with("'")) body = "\\&" + body;
    out << body << "\n";
    fresh = false;
  }
  if (literal) out << ".fi\n.in\n";
  (void)fresh;
  return out.str();
}

std::string option_synopsis(const CLI::Option* option, const char* separator = ", ") {
  std::string names;
  for (const auto& name : option->get_snames()) names += (names.empty() ? "-" : std::string(separator) + "-") + name;
  for (const auto& name : option->get_lnames()) names += (names.empty() ? "--" : std::string(separator) + "--") + name;
  std::string type = option->get_type_name();
  type = type.substr(0, type.find(':'));  // "N:INT in [1 - 22]": the validator's text follows
  if (names.empty()) return type.empty() ? option->get_name(true) : type;  // a positional
  if (option->get_type_size() != 0 && !type.empty() && !option->get_lnames().empty()) names += " " + type;
  return names;
}

void write_options(std::ostringstream& out, const CLI::App& app) {
  for (const CLI::Option* option : app.get_options([](const CLI::Option* o) { return !o->get_group().empty(); })) {
    out << ".TP\n.B " << roff(option_synopsis(option)) << "\n" << roff(option->get_description()) << "\n";
  }
}

// Markdown inline text as roff: `code` in bold, [text](link) as text.
std::string roff_inline(const std::string& text) {
  std::string out;
  bool code = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '`') {
      out += code ? "\\fR" : "\\fB";
      code = !code;
    } else if (c == '[' && !code) {
      const auto close = text.find("](", i);
      const auto end = close == std::string::npos ? close : text.find(')', close);
      if (end != std::string::npos) {
        out += roff(text.substr(i + 1, close - i - 1));
        i = end;
        continue;
      }
      out += c;
    } else if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  if (code) out += "\\fR";
  return out;
}

std::vector<std::string> table_cells(const std::string& row) {
  std::vector<std::string> cells;
  std::string cell;
  bool code = false;
  for (std::size_t i = 1; i < row.size(); ++i) {  // after the leading '|'
    if (row[i] == '`') code = !code;
    if (row[i] == '|' && !code) {
      while (!cell.empty() && cell.back() == ' ') cell.pop_back();
      cells.push_back(cell.substr(cell.find_first_not_of(' ') == std::string::npos ? 0 : cell.find_first_not_of(' ')));
      cell.clear();
    } else {
      cell += row[i];
    }
  }
  return cells;
}

// The README's app.toml reference table, as a man page section.
std::string configuration_section(const std::string& readme) {
  const auto start = readme.find("\n## `app.toml` reference");
  if (start == std::string::npos) return {};
  const auto end = readme.find("\n## ", start + 1);
  std::istringstream in(readme.substr(start, end == std::string::npos ? std::string::npos : end - start));
  std::ostringstream out;
  out << ".SH CONFIGURATION\n"
      << "An app.toml (or the [tool.freeze] table of a pyproject.toml) has these keys; paths are relative to "
         "the config file's directory.\n";
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("| `")) continue;
    const auto cells = table_cells(line);
    if (cells.size() < 3) continue;
    out << ".TP\n" << roff_inline(cells[0]) << " (" << roff_inline(cells[1]) << ")\n" << roff_inline(cells[2]) << "\n";
  }
  return out.str();
}

}  // namespace

namespace {

std::vector<CLI::App*> documented_subcommands(CLI::App& app) {
  return app.get_subcommands([](CLI::App* sub) { return !sub->get_group().empty(); });
}

// "freeze NAME" and its command, for every command; a command with commands of its own
// (freeze distribution build, list) stands for them.
std::vector<std::pair<std::string, CLI::App*>> synopsis_commands(CLI::App& app) {
  std::vector<std::pair<std::string, CLI::App*>> out;
  for (CLI::App* sub : documented_subcommands(app)) {
    const auto nested = documented_subcommands(*sub);
    if (nested.empty()) out.emplace_back("freeze " + sub->get_name(), sub);
    for (CLI::App* inner : nested) out.emplace_back("freeze " + sub->get_name() + " " + inner->get_name(), inner);
  }
  return out;
}

std::string synopsis_of(CLI::App& command) {
  std::string synopsis;
  for (const CLI::Option* option : command.get_options([](const CLI::Option* o) { return !o->get_group().empty(); })) {
    if (option->get_name() == "--help") continue;
    if (option->get_positional()) {
      synopsis += " " + std::string(option->get_required() ? "" : "[") + option_synopsis(option) +
                  (option->get_required() ? "" : "]");
    } else {
      synopsis += " [" + option_synopsis(option, "|") + "]";
    }
  }
  return synopsis;
}

void write_command(std::ostringstream& out, const std::string& name, CLI::App& command) {
  out << ".SS \"" << roff(name) << "\"\n";
  out << roff_paragraphs(command.get_description()) << "\n";
  if (!command.get_footer().empty()) out << ".PP\n" << roff_paragraphs(command.get_footer());
  if (command.get_options([](const CLI::Option* o) { return !o->get_group().empty() && o->get_name() != "--help"; })
          .empty() && !documented_subcommands(command).empty()) {
    return;  // only commands of its own, written next
  }
  out << ".PP\nOptions:\n";
  write_options(out, command);
}

}  // namespace

std::string man_page(CLI::App& app, const std::string& version, const std::string& readme) {
  std::ostringstream out;
  out << ".\\\" Generated by freeze --write-man-page from the CLI's own help; do not edit.\n";
  out << ".TH FREEZE 1 \"\" \"" << roff(version) << "\" \"User Commands\"\n";
  out << ".SH NAME\nfreeze \\- turn a Python application into one native executable\n";
  out << ".SH SYNOPSIS\n";
  for (auto& [name, command] : synopsis_commands(app)) {
    out << "\\fB" << roff(name) << "\\fR" << roff(synopsis_of(*command)) << "\n.br\n";
  }
  out << "\\fBfreeze\\fR [\\-\\-help] [\\-\\-version]\n";
  out << ".SH DESCRIPTION\n" << roff_paragraphs(app.get_description()) << "\n";
  out << ".SH COMMANDS\n";
  for (CLI::App* sub : documented_subcommands(app)) {
    write_command(out, "freeze " + sub->get_name(), *sub);
    for (CLI::App* inner : documented_subcommands(*sub)) {
      write_command(out, "freeze " + sub->get_name() + " " + inner->get_name(), *inner);
    }
  }
  out << ".SH OPTIONS\n";
  write_options(out, app);
  out << configuration_section(readme);
  out << roff_paragraphs("\n" + app.get_footer(), true);
  out << ".SH SEE ALSO\nThe README of freeze: the app.toml reference, routing cookbook and how it works.\n";
  return out.str();
}

}  // namespace freeze::packager

#include "packager/commands/html_report.h"

#include <map>
#include <sstream>

#include "format/launch_settings.h"
#include "packager/support/atomic_file.h"
#include "packager/support/console.h"
#include "inspect_report_template.h"
#include "packager/support/user_error.h"

namespace freeze::packager {
namespace {

std::string escape_html(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// JSON that can sit inside <script>: no "</" (which would end the element).
std::string script_json(const nlohmann::json& value) {
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '/') {
      out += "<\\/";
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

void replace(std::string& text, std::string_view marker, const std::string& value) {
  const auto at = text.find(marker);
  if (at != std::string::npos) text.replace(at, marker.size(), value);
}

std::string summary_html(const Inspection& inspection) {
  std::uint64_t stored = 0;
  std::uint64_t raw = 0;
  std::map<std::string, std::size_t> kinds;
  for (const auto& item : inspection.resources) {
    stored += item["stored_size"].get<std::uint64_t>();
    raw += item["raw_size"].get<std::uint64_t>();
    ++kinds[item["kind"].get<std::string>()];
  }
  std::string counts;
  for (const auto& [kind, count] : kinds) counts += (counts.empty() ? "" : ", ") + std::to_string(count) + " " + kind;
  const auto& settings = inspection.settings;
  std::ostringstream out;
  out << "<h1>" << escape_html(inspection.executable.filename().string()) << ": "
      << escape_html(human_size(inspection.file_size)) << "</h1>\n<dl class=\"facts\">\n";
  auto fact = [&out](std::string_view term, const std::string& value) {
    out << "  <dt>" << term << "</dt><dd>" << escape_html(value) << "</dd>\n";
  };
  fact("file", inspection.executable.string());
  fact("entry", describe_entry(settings));
  namespace keys = blob::keys;
  fact("interpreter", "CPython " + settings.value(keys::kPythonVersion, "?") +
                          (settings.value(keys::kIsolated, "1") == "1" ? ", isolated" : ", not isolated") +
                          ", optimize " + settings.value(keys::kOptimize, "0"));
  fact("launcher", human_size(inspection.launcher_size) + " (CPython linked statically, and the freeze runtime)");
  fact("resources", std::to_string(inspection.resources.size()) + " (" + counts + "): " + human_size(stored) +
                        " stored, " + human_size(raw) + " uncompressed");
  out << "</dl>";
  return out.str();
}

}  // namespace

std::string html_report(const Inspection& inspection) {
  nlohmann::json data;
  data["name"] = inspection.executable.filename().string();
  data["file_size"] = inspection.file_size;
  data["launcher_size"] = inspection.launcher_size;
  data["python"] = inspection.settings.value(blob::keys::kPythonVersion, "?");
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& item : inspection.resources) {
    std::string location = item["location"] == "filesystem-relative" ? "beside the executable"
                           : item.value("filesystem_copy", false) ? "in memory (+ copy beside)"
                                                                  : "in memory";
    rows.push_back({item["name"], item["kind"], item["group"], item["top_level"], item["stored_size"], item["raw_size"],
                    location, item.value("package", false) ? 1 : 0});
  }
  data["resources"] = std::move(rows);
  std::string page = kInspectReportTemplate;
  replace(page, "__FREEZE_TITLE__", escape_html(inspection.executable.filename().string()));
  replace(page, "__FREEZE_SUMMARY__", summary_html(inspection));
  replace(page, "__FREEZE_DATA__", script_json(data));
  return page;
}

void write_html_report(const Inspection& inspection, const std::filesystem::path& file) {
  const std::string page = html_report(inspection);
  write_file_atomically(file, {page}, 0644);
}

}  // namespace freeze::packager

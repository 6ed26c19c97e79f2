#include "packager/collect/namespace_pth.h"

#include <regex>

#include "format/module_names.h"
#include "packager/config/python_names.h"

namespace freeze::packager {

std::set<std::string> pth_namespace_packages(std::string_view pth_text) {
  // setuptools writes, for namespace a.b: ...os.path.join(sys._getframe(1).f_locals['sitedir'], *('a', 'b'));...
  static const std::regex parts_pattern(R"(\*\(([^()]*)\))");
  static const std::regex part_pattern(R"(['"]([^'"]*)['"])");
  std::set<std::string> packages;
  std::size_t start = 0;
  while (start < pth_text.size()) {
    std::size_t end = pth_text.find('\n', start);
    if (end == std::string_view::npos) end = pth_text.size();
    const std::string line(pth_text.substr(start, end - start));
    start = end + 1;
    std::smatch parts;
    if (!line.starts_with("import ") || !std::regex_search(line, parts, parts_pattern)) continue;
    const std::string inside = parts[1].str();
    std::string name;
    bool valid = true;
    for (std::sregex_iterator it(inside.begin(), inside.end(), part_pattern), last; it != last; ++it) {
      const std::string part = (*it)[1].str();
      valid = valid && is_identifier(part);
      name += (name.empty() ? "" : ".") + part;
    }
    if (valid && !name.empty()) packages.insert(name);
  }
  return packages;
}

bool is_namespace_pth(std::string_view filename) { return filename.ends_with("-nspkg.pth"); }

void drop_declared_namespace_inits(FileTree& tree, const std::set<std::string>& packages) {
  for (const auto& package : packages) tree.erase(blob::directory_of(package) + "/__init__.py");
}

}  // namespace freeze::packager

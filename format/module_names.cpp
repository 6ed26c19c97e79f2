#include "format/module_names.h"

namespace freeze::blob {
namespace {

constexpr char kNameSeparator = '.';
constexpr char kPathSeparator = '/';
constexpr std::string_view kSourceSuffix = ".py";
constexpr std::string_view kPackageStem = "__init__";

std::string replaced(std::string_view text, char from, char to) {
  std::string out(text);
  for (char& c : out) c = c == from ? to : c;
  return out;
}

}  // namespace

std::string directory_of(std::string_view name) { return replaced(name, kNameSeparator, kPathSeparator); }

std::optional<std::string> name_of_directory(std::string_view directory) {
  if (directory.empty()) return std::string();
  if (directory.find(kNameSeparator) != std::string_view::npos) return std::nullopt;
  if (directory.front() == kPathSeparator || directory.back() == kPathSeparator ||
      directory.find("//") != std::string_view::npos) {
    return std::nullopt;  // an empty part
  }
  return replaced(directory, kPathSeparator, kNameSeparator);
}

std::string submodule_name(std::string_view package, std::string_view part) {
  if (package.empty()) return std::string(part);
  std::string name(package);
  name += kNameSeparator;
  name += part;
  return name;
}

std::string source_file_of(std::string_view name, bool is_package) {
  std::string path = directory_of(name);
  if (is_package) {
    path += kPathSeparator;
    path += kPackageStem;
  }
  path += kSourceSuffix;
  return path;
}

std::optional<ModuleOfFile> module_of_source_file(std::string_view path) {
  if (!path.ends_with(kSourceSuffix)) return std::nullopt;
  const std::string_view stem = path.substr(0, path.size() - kSourceSuffix.size());
  const auto slash = stem.rfind(kPathSeparator);
  const std::string_view directory = slash == std::string_view::npos ? std::string_view() : stem.substr(0, slash);
  const std::string_view base = slash == std::string_view::npos ? stem : stem.substr(slash + 1);
  if (base.empty() || base.find(kNameSeparator) != std::string_view::npos) return std::nullopt;
  const bool is_package = base == kPackageStem;
  auto package = name_of_directory(directory);
  if (!package || (is_package && package->empty())) return std::nullopt;
  if (is_package) return ModuleOfFile{std::move(*package), true};
  return ModuleOfFile{submodule_name(*package, base), false};
}

}  // namespace freeze::blob

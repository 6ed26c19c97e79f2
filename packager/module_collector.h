// Finds the Python modules and packages under a directory tree (the stdlib, or one of the
// app's [packages] paths) and names them with their dotted names.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace freeze::packager {

struct ModuleFile {
  std::string name;                  // dotted module name
  std::filesystem::path source;      // the .py file; empty for a namespace package
  std::filesystem::path relative;    // source path relative to the tree root ("pkg/__init__.py")
  bool is_package = false;
  bool is_namespace = false;         // a directory without __init__.py that holds modules
  bool from_stdlib = false;
};

struct CollectOptions {
  bool stdlib = false;
  // Dotted names left out together with everything below them ("test" drops test.support).
  std::vector<std::string> exclude;
  // Allow directories without __init__.py as namespace packages (app trees; never the stdlib).
  bool namespace_packages = true;
};

// Throws UserError if the tree cannot be read.
std::vector<ModuleFile> collect_modules(const std::filesystem::path& root, const CollectOptions& options);

// True if `name` is `prefix` or lies below it.
bool name_is_under(std::string_view name, std::string_view prefix);

}  // namespace freeze::packager

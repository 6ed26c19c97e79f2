#include "packager/build/compile.h"

#include <cstdint>
#include <cstring>
#include <string>

#include "packager/build/build_cache.h"
#include "packager/support/console.h"
#include "packager/support/progress.h"
#include "packager/support/user_error.h"

namespace freeze::packager {
namespace {

// Compiles a module, or takes the result of an identical earlier compilation from the cache.
CompiledModule compile_cached(TargetPython& python, const Resource& module, int optimize) {
  BuildCache& cache = BuildCache::instance();
  const std::string key =
      cache.key({"compile", python.magic_number(), std::to_string(optimize), module.relative_path, module.data});
  if (const auto hit = cache.get(key); hit && hit->size() >= 8) {
    std::uint64_t bytecode_size = 0;
    std::memcpy(&bytecode_size, hit->data(), 8);
    if (bytecode_size <= hit->size() - 8) {
      return {hit->substr(8, bytecode_size), hit->substr(8 + bytecode_size)};
    }
  }
  CompiledModule compiled = python.compile(module.data, module.relative_path, optimize);
  std::string entry(8, '\0');
  const std::uint64_t bytecode_size = compiled.bytecode.size();
  std::memcpy(entry.data(), &bytecode_size, 8);
  cache.put(key, entry + compiled.bytecode + compiled.source_utf8);
  return compiled;
}

}  // namespace

void compile_module(TargetPython& python, Resource& module, int optimize) {
  if (module.compiled) return;
  CompiledModule compiled = compile_cached(python, module, optimize);
  module.bytecode = std::move(compiled.bytecode);
  module.source_utf8 = std::move(compiled.source_utf8);
  module.compiled = true;
}

void compile_modules(std::vector<Resource>& resources, int optimize, TargetPython& python) {
  std::vector<std::string> errors;
  Progress progress("compiling", resources.size());
  for (auto& resource : resources) {
    progress.advance();
    if (resource.kind != blob::Kind::Module || resource.namespace_package()) continue;
    try {
      compile_module(python, resource, optimize);
    } catch (const UserError& error) {
      // The app's own code must compile. The stdlib has files that deliberately do not.
      if (!resource.stdlib()) {
        errors.push_back(resource.origin + ": " + error.what());
      } else if (resource.placement.location == blob::Location::FilesystemRelative) {
        // On the filesystem it is just a file: copied as is, with no .pyc, so that importing
        // it raises the SyntaxError python raises.
        detail("module " + resource.name + " does not compile (" + error.what() + "): copied as is to " +
               resource.placement.path);
      } else {
        // In memory: its source alone, which the importer compiles when it is imported,
        // raising the SyntaxError python raises.
        detail("module " + resource.name + " does not compile (" + error.what() + "): stored as source only");
      }
    }
  }
  if (!errors.empty()) {
    std::string message = std::to_string(errors.size()) + " module(s) do not compile:";
    for (const auto& line : errors) message += "\n  " + line;
    throw UserError(message);
  }
}

}  // namespace freeze::packager

// Which glibc an ELF object needs, from the symbol versions in its version-needed table
// ("GLIBC_2.34"), and the `freeze build` warning for the extension modules and bundled libraries
// that need a newer glibc than the launcher they are built into: the executable starts on an
// older machine, but importing them there fails ("version `GLIBC_2.38' not found").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "packager/build/resource.h"
#include "format/elf_info.h"

namespace freeze::packager {

// A glibc symbol version, "GLIBC_2.2.5" -> {2, 2, 5}, ordered as glibc releases are.
struct GlibcVersion {
  std::vector<unsigned> parts;

  static std::optional<GlibcVersion> parse(std::string_view symbol_version);  // nullopt for GLIBC_PRIVATE, ...
  std::string name() const;  // "GLIBC_2.2.5"
  auto operator<=>(const GlibcVersion&) const = default;
};

// The newest glibc version the object needs, nullopt if it needs none.
std::optional<GlibcVersion> newest_glibc_needed(const elf::DynamicInfo& info);

// One line per extension module or shared library among `resources` that needs a newer glibc
// than `launcher` (the stub's bytes), naming it, its origin and both versions; in the order of
// `resources`. Empty when the launcher's own requirement cannot be read.
std::vector<std::string> newer_glibc_messages(const std::vector<Resource>& resources, std::string_view launcher);

// Prints newer_glibc_messages() as warnings: the first few, then one line for the rest (all of
// them with --verbose).
void warn_about_newer_glibc(const std::vector<Resource>& resources, std::string_view launcher);

}  // namespace freeze::packager

#include "packager/collect/glibc_requirements.h"

#include <algorithm>
#include <charconv>

#include "packager/support/console.h"

namespace freeze::packager {
namespace {

constexpr std::string_view kPrefix = "GLIBC_";
constexpr std::size_t kWarningsListed = 3;  // then one line for the rest: a build's output stays readable

}  // namespace

std::optional<GlibcVersion> GlibcVersion::parse(std::string_view symbol_version) {
  if (!symbol_version.starts_with(kPrefix)) return std::nullopt;
  std::string_view rest = symbol_version.substr(kPrefix.size());
  GlibcVersion version;
  while (true) {
    unsigned part = 0;
    const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), part);
    if (error != std::errc() || end == rest.data()) return std::nullopt;
    version.parts.push_back(part);
    rest.remove_prefix(static_cast<std::size_t>(end - rest.data()));
    if (rest.empty()) return version;
    if (rest.front() != '.' || version.parts.size() == 4) return std::nullopt;
    rest.remove_prefix(1);
  }
}

std::string GlibcVersion::name() const {
  std::string text(kPrefix);
  for (std::size_t i = 0; i < parts.size(); ++i) text += (i ? "." : "") + std::to_string(parts[i]);
  return text;
}

std::optional<GlibcVersion> newest_glibc_needed(const elf::DynamicInfo& info) {
  std::optional<GlibcVersion> newest;
  for (const auto& need : info.version_needs) {
    auto version = GlibcVersion::parse(need.version);
    if (version && (!newest || *newest < *version)) newest = std::move(version);
  }
  return newest;
}

std::vector<std::string> newer_glibc_messages(const std::vector<Resource>& resources, std::string_view launcher) {
  const auto launcher_info = elf::read_dynamic_info(launcher);
  const auto launcher_needs = launcher_info ? newest_glibc_needed(*launcher_info) : std::nullopt;
  if (!launcher_needs) return {};
  std::vector<std::string> messages;
  for (const auto& resource : resources) {
    if (resource.kind != blob::Kind::Extension && resource.kind != blob::Kind::SharedLibrary) continue;
    const auto info = elf::read_dynamic_info(resource.data);  // not ELF: resolve_library_dependencies() warns
    const auto needs = info ? newest_glibc_needed(*info) : std::nullopt;
    if (!needs || *needs <= *launcher_needs) continue;
    messages.push_back(std::string(blob::kind_name(resource.kind)) + " '" + resource.name + "' (" + resource.origin +
                       ") needs " + needs->name() + ", newer than the launcher's " + launcher_needs->name() +
                       ": it fails to load on machines with an older glibc");
  }
  return messages;
}

void warn_about_newer_glibc(const std::vector<Resource>& resources, std::string_view launcher) {
  const auto messages = newer_glibc_messages(resources, launcher);
  const std::size_t listed = verbosity() == Verbosity::Verbose ? messages.size() : std::min(messages.size(), kWarningsListed);
  for (std::size_t i = 0; i < listed; ++i) warning(messages[i]);
  if (listed < messages.size()) {
    warning("and " + std::to_string(messages.size() - listed) +
            " more extension modules or shared libraries need a newer glibc than the launcher (-v lists them)");
  }
}

}  // namespace freeze::packager

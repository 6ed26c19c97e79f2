// Fuzz target: the ELF dynamic-section reader (format/elf_info), which reads DT_NEEDED,
// DT_SONAME and the version-needed table (DT_VERNEED) of every extension module and shared library
// that `freeze build` embeds, from wheels and directories the user did not write; and the glibc
// requirement computed from that table.
#include <cstddef>
#include <cstdint>

#include "format/elf_info.h"
#include "packager/collect/glibc_requirements.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto info = freeze::elf::read_dynamic_info(freeze::fuzz::as_view(data, size));
  if (info) {
    std::size_t total = info->soname.size();
    for (const auto& name : info->needed) total += name.size();
    if (total > size) __builtin_trap();  // every name comes from the file
    // Each version-needed record takes 16 bytes of the file, and names come from the file.
    if (info->version_needs.size() > size / 16) __builtin_trap();
    for (const auto& need : info->version_needs) {
      if (need.file.size() > size || need.version.size() > size) __builtin_trap();
    }
    (void)freeze::packager::newest_glibc_needed(*info);
  }
  return 0;
}

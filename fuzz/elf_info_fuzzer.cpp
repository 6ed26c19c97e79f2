// Fuzz target: the ELF dynamic-section reader (packager/elf_info), which reads DT_NEEDED and
// DT_SONAME of every extension module and shared library that `freeze build` embeds, from
// wheels and directories the user did not write.
#include <cstddef>
#include <cstdint>

#include "packager/collect/elf_info.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto info = freeze::packager::read_elf_dynamic_info(freeze::fuzz::as_view(data, size));
  if (info) {
    std::size_t total = info->soname.size();
    for (const auto& name : info->needed) total += name.size();
    if (total > size) __builtin_trap();  // every name comes from the file
  }
  return 0;
}

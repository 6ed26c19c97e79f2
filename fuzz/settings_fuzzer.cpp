// Fuzz target: the launch settings record (blob::decode_settings, LaunchSettings::from), which
// the launcher decodes from the blob before it starts the interpreter.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "format/blob_format.h"
#include "format/launch_settings.h"

namespace blob = freeze::blob;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const blob::Settings settings = blob::decode_settings(bytes);
    // What decodes must encode back to an equivalent record.
    if (blob::decode_settings(blob::encode_settings(settings)) != settings) __builtin_trap();
    const blob::LaunchSettings launch = blob::LaunchSettings::from(settings);
    if (launch.optimize < 0 || launch.optimize > 2) __builtin_trap();
    // The packager's encoding of what the launcher decoded reads back the same.
    if (blob::LaunchSettings::from(launch.to_settings()) != launch) __builtin_trap();
  } catch (const blob::DamagedError&) {
  }
  return 0;
}

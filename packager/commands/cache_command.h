// freeze cache: show, clear or bound the build cache (modelled on ccache -s, -C, -M).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

namespace freeze::packager {

struct CacheOptions {
  bool show = false;
  bool clear = false;
  std::optional<std::string> max_size;  // as given: "5G", "500M", "0"
};

// Does what `options` asks (clear, then set the limit, then show; with nothing asked, show).
// Throws UserError.
void cache_command(const CacheOptions& options, std::ostream& out);

}  // namespace freeze::packager

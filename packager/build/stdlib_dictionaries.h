// The zstd dictionaries of every build made with one interpreter: trained on its standard
// library alone (default_stdlib(): the modules a full-stdlib build has with the default
// exclusions), never on the app. Editing the app then leaves the dictionaries, and so every
// frame compressed with them (the compression cache keys on the dictionary), as they were: a
// rebuild recompresses only what changed. Builds of other apps, and reachable-stdlib builds,
// share them too. Trained once per interpreter, level and optimization level, and kept in the
// build cache.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "packager/build/dictionary_training.h"
#include "packager/build/target_python.h"

namespace freeze::packager {

// The dictionaries for modules compiled by `python` (the target CPython) with `optimize` from
// the stdlib in `stdlib_dir` (its own), compressed at `level` (1..22), in two sizes:
// the full ones (about 110 KiB each), which pay on builds with much of the stdlib, then small
// ones (kSmallDictionary), which pay on builds with little (the writer chooses, per build).
// From the cache when the stdlib's files are unchanged (each .py's path, size and
// modification time); else trained, which compiles the whole stdlib (through the compile cache).
std::vector<ModuleDictionaries> stdlib_dictionaries(TargetPython& python, const std::filesystem::path& stdlib_dir,
                                                    int level, int optimize);

inline constexpr std::size_t kSmallDictionary = 24 * 1024;

// A cache entry's encoding of `dictionaries`, and back (nothing for bytes that are not one).
std::string encode_dictionaries(const std::vector<ModuleDictionaries>& dictionaries);
std::optional<std::vector<ModuleDictionaries>> decode_dictionaries(std::string_view bytes);

}  // namespace freeze::packager

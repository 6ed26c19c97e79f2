// zstd dictionaries for Python modules. Modules are small and alike (bytecode of the same
// compiler, source in the same style): compressed one by one, as the reader needs them, each
// frame would relearn the same byte strings. A dictionary trained on many of them gives each
// frame that knowledge up front (about 15% smaller, measured on the stdlib's bytecode and
// source alike), at the cost of storing it once. Which modules to train on is the caller's
// choice: a build trains on its interpreter's stdlib (stdlib_dictionaries.h).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace freeze::packager {

struct TrainedDictionary {
  std::string content;  // a zstd dictionary, with its magic and ID
  // What it saves per byte of the samples it was trained on (0..1), estimated by compressing a
  // spread of them with and without it: what decides whether it pays for itself elsewhere.
  double saving = 0;
};

// A dictionary for `samples` (to be compressed at `level`), or nothing when they are too few, or
// alike too little, for one to save more than its size. Deterministic (same samples, same
// dictionary, same ID), and cached by content. Of about 1/100 of the samples, 16 to 112 KiB,
// or at most `capacity` bytes if that is less (0: no limit).
std::optional<TrainedDictionary> train_dictionary(const std::vector<const std::string*>& samples, int level,
                                                  std::size_t capacity = 0);

// What `dictionary` is expected to save, less its own size, on `bytes` bytes of modules like the
// ones it was trained on; it pays when that is positive.
double expected_net_saving(const TrainedDictionary& dictionary, std::size_t bytes);
bool expected_to_pay(const TrainedDictionary& dictionary, std::size_t bytes);

// One dictionary for the modules' bytecode, one for their source.
struct ModuleDictionaries {
  std::optional<TrainedDictionary> bytecode;
  std::optional<TrainedDictionary> source;
};

// Both trained at once (each single-threaded), each of at most `capacity` bytes (as above).
ModuleDictionaries train_module_dictionaries(const std::vector<const std::string*>& bytecode,
                                             const std::vector<const std::string*>& source, int level,
                                             std::size_t capacity = 0);

}  // namespace freeze::packager

// Builds a blob (payload, index, trailer) in the format of format/blob_format.h. Resources
// are compressed in parallel, one zstd frame each, with content checksums.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "format/blob_format.h"
#include "packager/build/dictionary_training.h"

namespace freeze::packager {

struct BlobItem {
  blob::Kind kind = blob::Kind::Module;
  std::string name;
  std::uint8_t flags = 0;
  blob::Location location = blob::Location::InMemory;
  std::string path;                 // relative to the executable's directory, for files on disk
  std::optional<std::string> data;  // stored in the payload when set
  // The entry's aux span (blob_format.h), by kind:
  std::optional<std::string> source;           // Module: its UTF-8 source
  std::vector<std::string> needed_libraries;   // Extension, SharedLibrary: libraries to load first
  // A module of a third-party package (site-packages, a wheel): with given dictionaries
  // (BlobOptions), compressed with ones trained on the third-party modules, when they pay.
  bool third_party = false;
};

struct BlobOptions {
  int compression_level = 12;
  bool dictionaries = true;  // compress the modules with zstd dictionaries (dictionary_training.h)
  // Those dictionaries: a build gives its interpreter's (stdlib_dictionaries.h), in several
  // sizes; for each of bytecode and source the one expected to save most on these modules is
  // stored and used, if any pays for itself. Third-party modules get their own, trained on them,
  // when they pay. Without: trained on all these modules.
  std::optional<std::vector<ModuleDictionaries>> given_dictionaries;
  unsigned threads = 0;  // 0: one per core
  std::function<void()> on_item_done;  // called (from worker threads) as each item is compressed
};

// Returns the blob bytes. Throws UserError on duplicate names or compression failure.
std::string write_blob(std::vector<BlobItem> items, const BlobOptions& options);

}  // namespace freeze::packager

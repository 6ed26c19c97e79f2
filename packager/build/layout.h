// The laying-out stage: routed, compiled resources become what the blob writer stores (blob
// items: index entries with their payload) and what the output directory gets beside the
// executable (files, with a .pyc beside each module on the filesystem), plus the entry of
// the launch settings.
#pragma once

#include <cstddef>
#include <vector>

#include "packager/build/blob_writer.h"
#include "packager/build/target_python.h"
#include "packager/build/output_tree.h"
#include "packager/build/resource.h"
#include "packager/config/app_config.h"

namespace freeze::packager {

struct Layout {
  std::vector<BlobItem> items;    // every resource (its bytes when in memory) and the settings
  std::vector<OutputFile> files;  // written beside the executable
  std::size_t module_count = 0;
};

// Moves the resources' bytes into the layout (their kinds, names and placements stay).
// `python` gives the .pyc header (magic number, cache tag, source hash) and the version the
// settings record.
Layout lay_out(std::vector<Resource>& resources, const AppConfig& config, TargetPython& python);

}  // namespace freeze::packager

// The needed-library list: what the `aux` span of an Extension or SharedLibrary entry holds
// (blob_format.h): the names of the SharedLibrary entries to load, in this order, before the
// entry itself. Written by the packager (packager/build/blob_writer.cpp), read by the importer
// (importer/native_loading.cpp) and `freeze inspect`.
//
// Grammar (docs/blob-format.md, "Needed-library list"):
//   list = name *(LF name)      ; LF = "\n"; no trailing LF
//   name = 1*(any byte but LF)  ; a SharedLibrary entry's name, e.g. "pkg.libs/libx.so.1"
// An absent span is the empty list. A reader skips empty names (a stray LF).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace freeze::blob {

// Throws std::invalid_argument for a name that the grammar cannot hold (empty, or with a LF).
std::string encode_library_list(const std::vector<std::string>& names);
std::vector<std::string> decode_library_list(std::string_view bytes);

}  // namespace freeze::blob

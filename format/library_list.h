// The needed-library list: what the `aux` span of an Extension or SharedLibrary entry holds
// (blob_format.h): the names of the entries to load, in this order, before the entry itself.
// Mostly SharedLibrary entries; a library found beside the one needing it through its $ORIGIN
// run path is whatever its file is: package data ("pyarrow/libarrow.so.1500", a Resource) or a
// file named like an extension module ("pkg.libhelper" for pkg/libhelper.so, an Extension). Written by the packager (packager/build/blob_writer.cpp), read by the importer
// (importer/native_loading.cpp) and `freeze inspect`.
//
// Grammar (docs/blob-format.md, "Needed-library list"):
//   list = name *(LF name)      ; LF = "\n"; no trailing LF
//   name = 1*(any byte but LF)  ; an entry's name, e.g. "pkg.libs/libx.so.1"
// An absent span is the empty list. A reader skips empty names (a stray LF).
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "format/blob_format.h"

namespace freeze::blob {

// The kinds a needed library's name is looked up in, in this order. Their names never collide:
// a SharedLibrary's lies below a directory no package can have ("pkg.libs/", "system-libs/"), a
// Resource's below a package's, and an Extension's is dotted, with no slash.
inline constexpr std::array kNeededLibraryKinds = {Kind::SharedLibrary, Kind::Resource, Kind::Extension};

// Throws std::invalid_argument for a name that the grammar cannot hold (empty, or with a LF).
std::string encode_library_list(const std::vector<std::string>& names);
std::vector<std::string> decode_library_list(std::string_view bytes);

}  // namespace freeze::blob

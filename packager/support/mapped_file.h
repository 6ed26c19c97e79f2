// A file mapped read-only, for reading a few parts of a large one (the index of a previous
// build's executable) without reading all of it: only the pages touched are read.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>

namespace freeze::packager {

class MappedFile {
 public:
  // Throws UserError("<path>: cannot read ...") if it cannot be opened or mapped.
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const unsigned char> bytes() const { return {data_, size_}; }

 private:
  const unsigned char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace freeze::packager

// Fuzz target: the wheel reader (packager/wheel: file name, zip central directory, member
// checks, inflation, dist-info WHEEL/METADATA/RECORD) and what `freeze build` does next with a
// wheel's files (module/data classification, distribution metadata, console scripts, ELF
// dynamic sections of its shared objects).
//
// Input: one byte N, then N bytes of wheel file name (a default name if N is 0 or the name is
// not a plain file name), then the zip file. The only exception allowed out of the code under
// test is UserError (a refused wheel, with a message).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "packager/collect/distributions.h"
#include "format/elf_info.h"
#include "packager/collect/file_tree.h"
#include "fuzz/fuzz_support.h"
#include "packager/support/user_error.h"
#include "packager/collect/wheel.h"

namespace packager = freeze::packager;

namespace {

std::string file_name(std::string_view name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos) {
    return "demo-1.0-py3-none-any.whl";
  }
  return std::string(name);
}

// What collect_wheel() and add_distributions() do with a wheel that was read.
void use(const packager::Wheel& wheel) {
  (void)packager::wheel_incompatibility(wheel, packager::InterpreterTags{});
  packager::FileTree tree;
  for (const auto& file : wheel.files) {
    tree[file.path] = packager::TreeFile{{}, file.data, wheel.file.string() + ":" + file.path};
    if (file.path.ends_with(".so") || file.path.find(".so.") != std::string::npos) {
      (void)freeze::elf::read_dynamic_info(file.data);
    }
  }
  (void)packager::classify_tree(tree, packager::ClassifyOptions{});
  std::vector<packager::Resource> metadata;
  std::set<std::string> library_dirs;
  for (const auto& distribution : packager::find_distributions(tree)) {
    for (auto& resource : packager::metadata_resources(tree, distribution)) metadata.push_back(std::move(resource));
    library_dirs.insert(distribution.library_dirs.begin(), distribution.library_dirs.end());
  }
  (void)packager::shared_library_resources(tree, library_dirs);
  (void)packager::find_console_script(metadata, "demo");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t name_size = data[0] < size - 1 ? data[0] : size - 1;
  const std::string name = file_name(freeze::fuzz::as_view(data + 1, name_size));
  const std::string path = freeze::fuzz::scratch_directory() + "/" + name;
  freeze::fuzz::write_whole_file(path, freeze::fuzz::as_view(data + 1 + name_size, size - 1 - name_size));
  // Limits smaller than the defaults (2 GiB in all) keep each input fast; the checks are the same.
  packager::ReadLimits limits;
  limits.max_total = std::uint64_t{64} << 20;
  try {
    use(packager::read_wheel(path, limits));
  } catch (const packager::UserError&) {
  }
  ::unlink(path.c_str());
  return 0;
}

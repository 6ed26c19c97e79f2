#include "format/elf_info.h"

#include <elf.h>

#include <algorithm>
#include <cstring>

namespace freeze::elf {
namespace {

template <typename T>
bool read_at(std::string_view file, std::uint64_t offset, T* out) {
  if (offset > file.size() || sizeof(T) > file.size() - offset) return false;
  std::memcpy(out, file.data() + offset, sizeof(T));
  return true;
}

std::optional<std::string> string_in(std::string_view table, std::uint64_t offset) {
  if (offset >= table.size()) return std::nullopt;
  const auto end = table.find('\0', offset);
  if (end == std::string_view::npos) return std::nullopt;
  return std::string(table.substr(offset, end - offset));
}

// The version-needed table at `offset`: a chain of Elf64_Verneed records (one per library), each
// heading a chain of Elf64_Vernaux records (one per version), linked by byte offsets that only
// go forward, so every walk ends. Records may still share a chain; since each takes 16 bytes, a
// table with more records than the file has room for is malformed, which bounds the work.
bool read_version_needs(std::string_view file, std::uint64_t offset, std::uint64_t count, std::string_view strings,
                        std::vector<VersionNeed>& out) {
  static_assert(sizeof(Elf64_Verneed) == 16 && sizeof(Elf64_Vernaux) == 16);
  const std::uint64_t max_records = file.size() / sizeof(Elf64_Vernaux);
  std::uint64_t records = 0;
  std::uint64_t at = offset;
  for (std::uint64_t i = 0; i < count; ++i) {
    Elf64_Verneed need;
    if (++records > max_records || !read_at(file, at, &need)) return false;
    auto library = string_in(strings, need.vn_file);
    if (!library) return false;
    std::uint64_t aux_at = at + need.vn_aux;
    for (unsigned j = 0; j < need.vn_cnt; ++j) {
      Elf64_Vernaux aux;
      if (++records > max_records || !read_at(file, aux_at, &aux)) return false;
      auto version = string_in(strings, aux.vna_name);
      if (!version) return false;
      out.push_back({*library, std::move(*version)});
      if (aux.vna_next == 0) break;
      aux_at += aux.vna_next;
    }
    if (need.vn_next == 0) break;
    at += need.vn_next;
  }
  return true;
}

}  // namespace

std::optional<DynamicInfo> read_dynamic_info(std::string_view file) {
  Elf64_Ehdr header;
  if (!read_at(file, 0, &header) || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
      header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_ident[EI_DATA] != ELFDATA2LSB) {
    return std::nullopt;
  }
  std::vector<Elf64_Phdr> loads;
  std::optional<Elf64_Phdr> dynamic;
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment;
    if (!read_at(file, header.e_phoff + std::uint64_t{i} * header.e_phentsize, &segment)) return std::nullopt;
    if (segment.p_type == PT_LOAD) loads.push_back(segment);
    if (segment.p_type == PT_DYNAMIC) dynamic = segment;
  }
  if (!dynamic) return DynamicInfo{};  // statically linked: needs nothing

  std::vector<std::uint64_t> needed_offsets;
  std::optional<std::uint64_t> soname_offset;
  std::optional<std::uint64_t> runpath_offset;
  std::optional<std::uint64_t> rpath_offset;
  std::uint64_t strtab_address = 0;
  std::uint64_t strtab_size = 0;
  std::optional<std::uint64_t> verneed_address;
  std::uint64_t verneed_count = 0;
  for (std::uint64_t at = dynamic->p_offset; at + sizeof(Elf64_Dyn) <= dynamic->p_offset + dynamic->p_filesz;
       at += sizeof(Elf64_Dyn)) {
    Elf64_Dyn entry;
    if (!read_at(file, at, &entry)) return std::nullopt;
    if (entry.d_tag == DT_NULL) break;
    if (entry.d_tag == DT_NEEDED) needed_offsets.push_back(entry.d_un.d_val);
    if (entry.d_tag == DT_SONAME) soname_offset = entry.d_un.d_val;
    if (entry.d_tag == DT_RUNPATH) runpath_offset = entry.d_un.d_val;
    if (entry.d_tag == DT_RPATH) rpath_offset = entry.d_un.d_val;
    if (entry.d_tag == DT_STRTAB) strtab_address = entry.d_un.d_ptr;
    if (entry.d_tag == DT_STRSZ) strtab_size = entry.d_un.d_val;
    if (entry.d_tag == DT_VERNEED) verneed_address = entry.d_un.d_ptr;
    if (entry.d_tag == DT_VERNEEDNUM) verneed_count = entry.d_un.d_val;
  }
  // DT_STRTAB and DT_VERNEED are virtual addresses: find the file offsets through the loadable
  // segments.
  auto file_offset = [&loads](std::uint64_t address) -> std::optional<std::uint64_t> {
    std::optional<std::uint64_t> offset;
    for (const auto& load : loads) {
      if (address >= load.p_vaddr && address - load.p_vaddr < load.p_filesz) offset = load.p_offset + (address - load.p_vaddr);
    }
    return offset;
  };
  const std::optional<std::uint64_t> strtab = file_offset(strtab_address);
  if (!strtab || *strtab > file.size()) return std::nullopt;
  const std::string_view table = file.substr(*strtab, std::min<std::uint64_t>(strtab_size, file.size() - *strtab));
  auto string_at = [&table](std::uint64_t offset) { return string_in(table, offset); };
  DynamicInfo info;
  for (const auto offset : needed_offsets) {
    auto name = string_at(offset);
    if (!name) return std::nullopt;
    info.needed.push_back(std::move(*name));
  }
  if (soname_offset) {
    auto name = string_at(*soname_offset);
    if (!name) return std::nullopt;
    info.soname = std::move(*name);
  }
  if (const auto path_offset = runpath_offset ? runpath_offset : rpath_offset) {
    auto path = string_at(*path_offset);
    if (!path) return std::nullopt;
    for (std::size_t start = 0; start <= path->size();) {
      const std::size_t end = std::min(path->find(':', start), path->size());
      if (end > start) info.run_path.push_back(path->substr(start, end - start));
      start = end + 1;
    }
  }
  if (verneed_address) {
    const std::optional<std::uint64_t> verneed = file_offset(*verneed_address);
    if (!verneed || !read_version_needs(file, *verneed, verneed_count, table, info.version_needs)) return std::nullopt;
  }
  return info;
}

std::string expand_origin(std::string_view entry, std::string_view origin) {
  std::string out;
  for (std::size_t i = 0; i < entry.size();) {
    if (entry[i] != '$') {
      out += entry[i++];
    } else if (entry.substr(i, 7) == "$ORIGIN") {
      out += origin;
      i += 7;
    } else if (entry.substr(i, 9) == "${ORIGIN}") {
      out += origin;
      i += 9;
    } else {
      return {};
    }
  }
  return out;
}

}  // namespace freeze::elf

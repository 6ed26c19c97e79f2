#include "inspect_command.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <iomanip>
#include <sstream>

#include "blob_reader.h"
#include "user_error.h"

namespace freeze::packager {
namespace {

std::string_view location_name(blob::Location location) {
  return location == blob::Location::InMemory ? "in-memory" : "filesystem-relative";
}

// Short form for the table: where the bytes are.
std::string location_column(const nlohmann::json& item) {
  if (item["location"] == "filesystem-relative") return "file";
  return item.value("filesystem_copy", false) ? "memory+file" : "memory";
}

}  // namespace

void inspect(const std::filesystem::path& executable, bool json, std::ostream& out) {
  std::ifstream in(executable, std::ios::binary);
  if (!in) throw UserError(executable.string() + ": cannot read");
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::span<const unsigned char> bytes(reinterpret_cast<const unsigned char*>(file.data()), file.size());
  if (!blob::BlobReader::has_blob(bytes)) throw UserError(executable.string() + ": not a freeze executable (no resource trailer)");

  try {
    const auto reader = blob::BlobReader::open(bytes);
    nlohmann::json resources = nlohmann::json::array();
    nlohmann::json settings = nlohmann::json::object();
    for (std::size_t i = 0; i < reader.entry_count(); ++i) {
      const blob::Entry entry = reader.entry_at(i);
      if (entry.kind == blob::Kind::Settings) {
        for (const auto& [key, value] : blob::decode_settings(reader.read(entry.data))) settings[key] = value;
        continue;
      }
      nlohmann::json item;
      item["name"] = std::string(entry.name);
      item["kind"] = std::string(blob::kind_name(entry.kind));
      item["location"] = std::string(location_name(entry.location));
      item["stored_size"] = std::uint64_t{entry.data.stored_size} + entry.aux.stored_size;
      item["raw_size"] = std::uint64_t{entry.data.raw_size} + entry.aux.raw_size;
      if (!entry.path.empty()) item["path"] = std::string(entry.path);
      if (entry.flags & blob::kFlagFilesystemCopy) item["filesystem_copy"] = true;
      if ((entry.kind == blob::Kind::Extension || entry.kind == blob::Kind::SharedLibrary) && entry.aux.present()) {
        nlohmann::json needed = nlohmann::json::array();
        std::string list = reader.read(entry.aux);
        for (std::size_t start = 0; start < list.size();) {
          const auto end = list.find('\n', start);
          needed.push_back(list.substr(start, end - start));
          start = end == std::string::npos ? list.size() : end + 1;
        }
        item["needs"] = needed;
      }
      // Absolute file offsets of the stored bytes, for tools and tests that look at the layout.
      const std::uint64_t payload_start = reader.blob_offset() + reader.trailer().payload_offset;
      if (entry.data.present()) item["data_offset"] = payload_start + entry.data.offset;
      if (entry.aux.present()) item["aux_offset"] = payload_start + entry.aux.offset;
      item["data_stored_size"] = entry.data.stored_size;
      item["aux_stored_size"] = entry.aux.stored_size;
      if (entry.kind == blob::Kind::Module) {
        item["package"] = entry.is_package();
        item["stdlib"] = (entry.flags & blob::kFlagStdlib) != 0;
        item["has_source"] = entry.aux.present();
        item["bytecode_size"] = entry.data.raw_size;
        item["source_size"] = entry.aux.raw_size;
      }
      resources.push_back(std::move(item));
    }

    if (json) {
      nlohmann::json doc;
      doc["executable"] = executable.string();
      doc["file_size"] = file.size();
      doc["launcher_size"] = reader.blob_offset();
      doc["format_version"] = reader.trailer().format_version;
      doc["settings"] = settings;
      doc["resources"] = resources;
      out << doc.dump(2) << '\n';
      return;
    }
    out << executable.string() << ": " << resources.size() << " resources, launcher " << reader.blob_offset()
        << " bytes, blob " << reader.trailer().blob_size << " bytes (format " << reader.trailer().format_version
        << ")\n";
    for (const auto& [key, value] : settings.items()) out << "  " << key << " = " << value.get<std::string>() << '\n';
    out << std::left << std::setw(15) << "KIND" << std::setw(12) << "LOCATION" << std::right << std::setw(10)
        << "STORED" << std::setw(10) << "RAW" << "  NAME\n";
    for (const auto& item : resources) {
      out << std::left << std::setw(15) << item["kind"].get<std::string>() << std::setw(12) << location_column(item)
          << std::right << std::setw(10) << item["stored_size"].get<std::uint64_t>() << std::setw(10)
          << item["raw_size"].get<std::uint64_t>() << "  " << item["name"].get<std::string>();
      if (location_column(item) != "memory") out << "  (" << item["path"].get<std::string>() << ")";
      out << '\n';
    }
  } catch (const blob::DamagedError& error) {
    throw UserError(executable.string() + ": embedded resources are damaged: " + error.what());
  }
}

}  // namespace freeze::packager

// The launcher: finds the blob appended to its own file, validates it, starts the embedded
// interpreter with the blob's importer and runs the app's entry point.
#include <Python.h>

#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "format/blob_reader.h"
#include "launcher/command_line.h"
#include "launcher/elf_size.h"
#include "launcher/entry_point.h"
#include "importer/importer_module.h"
#include "importer/importer_state.h"
#include "launcher/interpreter.h"
#include "format/launch_settings.h"
#include "launcher/out_of_memory.h"
#include "launcher/self_image.h"
#include "launcher/virtual_files.h"

namespace {

std::string this_python_version() { return freeze::blob::python_version_of(PY_MAJOR_VERSION, PY_MINOR_VERSION); }

}  // namespace

int main(int argc, char** argv) {
  using namespace freeze;
  const char* program = argc > 0 ? argv[0] : "freeze-launcher";
  // Never destroyed (nor are the context and reader below): the embedded files it maps are read
  // until the process ends, by C code too (launcher/virtual_files.cpp), after main returns.
  static std::optional<launcher::SelfImage>& image = *new std::optional<launcher::SelfImage>();
  try {
    image.emplace(launcher::SelfImage::open(argc > 0 ? argv[0] : ""));
  } catch (const std::exception& error) {
    std::fprintf(stderr, "%s: %s\n", program, error.what());
    return 1;
  }

  const auto bytes = image->bytes();
  if (!blob::BlobReader::has_blob(bytes)) {
    // Nothing appended at all is the bare stub; anything appended past the ELF image without an
    // intact trailer is a damaged (truncated) application.
    const auto elf_size = launcher::elf_file_size(bytes);
    if (elf_size && *elf_size == bytes.size()) {
      std::fprintf(stderr, "%s: no embedded application: this is the freeze launcher stub; `freeze build` makes an executable from it\n",
                   image->path().c_str());
      return 1;
    }
    importer::die_damaged(image->path(), "no resource trailer at the end of the file (truncated?)");
  }

  launcher::report_out_of_memory_as(image->path());
  static importer::ImporterContext& context = *new importer::ImporterContext();
  static std::optional<blob::BlobReader>& reader = *new std::optional<blob::BlobReader>();
  blob::LaunchSettings settings;
  try {
    reader.emplace(blob::BlobReader::open(bytes));
    reader->read_payload_from(image->fd(), image->reopen_path());
    settings = blob::LaunchSettings::from(blob::read_settings(*reader));
  } catch (const blob::DamagedError& error) {
    importer::die_damaged(image->path(), error.what());
  } catch (const std::bad_alloc&) {
    launcher::die_out_of_memory("reading the launch settings");
  }
  // Started under one of [app] commands' names (a symlink or hard link to the executable):
  // that command's entry runs instead of the app's, and its command line is always the
  // command's (ansible-playbook's own "-c local"), never python's: sys.executable, which
  // programs start interpreters with, has the executable's own name.
  bool as_command = false;
  if (argc > 0) {
    const std::string_view invoked(argv[0]);
    as_command = settings.select_command(invoked.substr(invoked.rfind('/') + 1));
  }
  if (settings.python_version != this_python_version()) {
    std::fprintf(stderr, "%s: built for Python %s but this launcher embeds Python %s; rebuild it with a matching freeze\n",
                 image->path().c_str(), settings.python_version.c_str(), this_python_version().c_str());
    return 1;
  }

  context.reader = &*reader;
  context.executable = image->path();
  context.origin_dir = image->directory();
  context.out_of_memory = launcher::die_if_starting_up;
  context.optimize = settings.optimize;
  importer::set_context(&context);  // for names_embedded_script's tree, before the importer starts
  const bool python_command_lines = settings.interpreter && !as_command;
  launcher::Invocation invocation;
  try {
    invocation = launcher::classify_command_line(
        std::vector<std::string>(argv, argv + argc), python_command_lines,
        [](const std::string& path) { return launcher::names_embedded_script(context, path); }, context.executable,
        python_command_lines && launcher::parent_runs_this_executable());
  } catch (const std::bad_alloc&) {
    launcher::die_out_of_memory("reading the command line");
  }
  launcher::start_interpreter(context, settings, invocation.kind, argc - invocation.argv_start, argv + invocation.argv_start);
  // Embedded files readable by path from here on (not during start-up: python's path
  // computation must see only the real file system).
  launcher::enable_virtual_files(context);
  return launcher::run(settings, invocation);
}

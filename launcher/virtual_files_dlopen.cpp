// dlopen() of a virtual file: a library that a package loads by its path (pycryptodome's
// ctypes/cffi loading of Cryptodome/Cipher/_raw_ecb.abi3.so, ctypes.CDLL(os.path.join(here,
// "lib.so"))). The dynamic loader opens files with its own system calls, which see no virtual
// files, so a virtual path is handed to it as the sealed memory file open() gives for it
// (/proc/self/fd/N, spelt as no object was loaded through before: importer::unique_fd_path), kept
// open: dlopen of the same path again hands back the same object.
// Everything else goes to glibc's dlopen unchanged.
//
// A library beside it that it needs (DT_NEEDED found through its run path: "$ORIGIN",
// auditwheel's "$ORIGIN/../../pkg.libs", Qt's plugins needing "$ORIGIN/../../lib") is a virtual
// file too, which the dynamic loader would look for in /proc/self/fd, where $ORIGIN points. Such
// a library is loaded first, from its own memory file, so that the loader finds it already
// loaded by its DT_SONAME (a library without one cannot be matched so: it needs a filesystem
// copy, and freeze check's hint says so).
//
// Why a trampoline in assembly: glibc's dlopen takes its caller's return address to find the
// calling object, whose RUNPATH it searches for a name without a slash and whose namespace it
// loads into. A C function calling on would make the executable that caller; the trampoline
// asks freeze_dlopen_path() for the path and then jumps (no call) to glibc's dlopen, so the
// return address it sees is still the real caller's.
#include <dlfcn.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <string>

#include "format/elf_info.h"
#include "importer/native_loading.h"
#include "launcher/virtual_files_internal.h"

using namespace freeze::launcher::vfs;
namespace importer = freeze::importer;

extern "C" {
// Set by freeze_dlopen_path before the trampoline jumps through it.
__attribute__((visibility("hidden"))) void* (*freeze_real_dlopen)(const char*, int) = nullptr;
}

namespace {

std::mutex& opened_mutex() {
  static std::mutex& mutex = *new std::mutex();
  return mutex;
}

// The memory file path each virtual library was handed to the loader through, never closed:
// node -> /proc/self/fd/N.
std::map<std::uint32_t, std::string>& opened() {
  static auto& paths = *new std::map<std::uint32_t, std::string>();
  return paths;
}

// The memory file path of virtual file `node` (at `path`) for the loader, opening it the first
// time; nullptr if it cannot be opened, or if it was not and `mode` has RTLD_NOLOAD. `fresh`
// says it was opened now. The path stays valid: map nodes never move.
const char* memory_file_path(std::uint32_t node, const char* path, int mode, bool* fresh) {
  const std::lock_guard lock(opened_mutex());
  *fresh = false;
  if (const auto it = opened().find(node); it != opened().end()) return it->second.c_str();
  if ((mode & RTLD_NOLOAD) != 0) return nullptr;  // not loaded through us: not loaded
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);  // ours: the virtual file's memory file
  if (fd < 0) return nullptr;
  *fresh = true;
  return opened().emplace(node, importer::unique_fd_path(fd)).first->second.c_str();
}

// The dynamic facts of the library in memory file `path`, if it is an ELF shared object.
std::optional<freeze::elf::DynamicInfo> dynamic_info_of(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat status {};
  std::optional<freeze::elf::DynamicInfo> info;
  if (::fstat(fd, &status) == 0 && status.st_size > 0) {
    void* bytes = ::mmap(nullptr, static_cast<std::size_t>(status.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (bytes != MAP_FAILED) {
      info = freeze::elf::read_dynamic_info({static_cast<const char*>(bytes), static_cast<std::size_t>(status.st_size)});
      ::munmap(bytes, static_cast<std::size_t>(status.st_size));
    }
  }
  ::close(fd);
  return info;
}

void load_virtual_library(std::uint32_t node, const std::string& path, int mode, int depth);

// Loads the virtual libraries that the library at virtual `path` (its memory file `memory`)
// needs and finds beside it through its run path, before the loader looks for them.
void load_needed_siblings(const std::string& path, const char* memory, int mode, int depth) {
  const auto info = dynamic_info_of(memory);
  if (!info || info->run_path.empty()) return;
  const std::string origin = path.substr(0, path.rfind('/'));
  for (const auto& needed : info->needed) {
    if (needed.find('/') != std::string::npos) continue;
    for (const auto& entry : info->run_path) {
      const std::string directory = freeze::elf::expand_origin(entry, origin);
      if (directory.empty()) continue;
      const std::string candidate = directory + "/" + needed;
      const auto normalised = virtual_candidate(AT_FDCWD, candidate.c_str());
      if (!normalised) continue;
      const std::uint32_t sibling = tree().find(*normalised);
      if (sibling == VirtualTree::kNone || tree().node(sibling).directory || really_exists(*normalised)) continue;
      // Already loaded by its name (through an extension module that needs it too): the loader
      // matches that one.
      if (void* loaded = freeze_real_dlopen(needed.c_str(), RTLD_LAZY | RTLD_NOLOAD)) {
        dlclose(loaded);
      } else {
        load_virtual_library(sibling, *normalised, mode, depth + 1);
      }
      break;  // the loader takes the first directory that has it
    }
  }
}

// Loads virtual library `node` at `path`, its own virtual siblings first, with the binding and
// scope of the library that needs it (RTLD_GLOBAL reaches its dependencies too).
void load_virtual_library(std::uint32_t node, const std::string& path, int mode, int depth) {
  constexpr int kDeepest = 16;  // a chain of libraries needing each other ends
  if (depth > kDeepest) return;
  bool fresh = false;
  const char* memory = memory_file_path(node, path.c_str(), 0, &fresh);
  if (memory == nullptr || !fresh) return;  // loaded (or being loaded) through us before
  load_needed_siblings(path, memory, mode, depth);
  (void)freeze_real_dlopen(memory, mode & (RTLD_LAZY | RTLD_NOW | RTLD_GLOBAL));  // the caller's dlopen reports failures
}

}  // namespace

extern "C" {
// The path to hand glibc's dlopen for `file`: a memory file's for a virtual one, else `file`.
__attribute__((visibility("hidden"))) const char* freeze_dlopen_path(const char* file, int mode) noexcept {
  if (freeze_real_dlopen == nullptr) {
    freeze_real_dlopen = reinterpret_cast<void* (*)(const char*, int)>(dlsym(RTLD_NEXT, "dlopen"));
  }
  if (file == nullptr || strchr(file, '/') == nullptr) return file;  // the loader's own search
  const int saved = errno;
  const char* chosen = without_exceptions(file, [&]() -> const char* {
    const auto candidate = virtual_candidate(AT_FDCWD, file);
    if (!candidate) return file;
    const std::uint32_t node = tree().find(*candidate);
    if (node == VirtualTree::kNone || tree().node(node).directory || really_exists(*candidate)) return file;
    bool fresh = false;
    const char* memory = memory_file_path(node, file, mode, &fresh);
    if (memory == nullptr) return file;
    if (fresh) load_needed_siblings(*candidate, memory, mode, 0);
    return memory;
  });
  errno = saved;
  return chosen;
}
}

// dlopen(file, mode): rdi = file, rsi = mode. At entry rsp is 8 mod 16; two pushes and 8 bytes
// more make it 0 mod 16 for the call, as the ABI wants.
asm(R"(
    .text
    .globl dlopen
    .type dlopen, @function
dlopen:
    .cfi_startproc
    endbr64
    push %rdi
    .cfi_adjust_cfa_offset 8
    push %rsi
    .cfi_adjust_cfa_offset 8
    sub $8, %rsp
    .cfi_adjust_cfa_offset 8
    call freeze_dlopen_path
    add $8, %rsp
    .cfi_adjust_cfa_offset -8
    pop %rsi
    .cfi_adjust_cfa_offset -8
    pop %rdi
    .cfi_adjust_cfa_offset -8
    mov %rax, %rdi
    jmp *freeze_real_dlopen(%rip)
    .cfi_endproc
    .size dlopen, .-dlopen
)");

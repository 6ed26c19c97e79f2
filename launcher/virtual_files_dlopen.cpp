// dlopen() of a virtual file: a library that a package loads by its path (pycryptodome's
// ctypes/cffi loading of Cryptodome/Cipher/_raw_ecb.abi3.so, ctypes.CDLL(os.path.join(here,
// "lib.so"))). The dynamic loader opens files with its own system calls, which see no virtual
// files, so a virtual path is handed to it as the sealed memory file open() gives for it
// (/proc/self/fd/N, spelt as no object was loaded through before: importer::unique_fd_path), kept
// open: dlopen of the same path again hands back the same object.
// Everything else goes to glibc's dlopen unchanged.
//
// Why a trampoline in assembly: glibc's dlopen takes its caller's return address to find the
// calling object, whose RUNPATH it searches for a name without a slash and whose namespace it
// loads into. A C function calling on would make the executable that caller; the trampoline
// asks freeze_dlopen_path() for the path and then jumps (no call) to glibc's dlopen, so the
// return address it sees is still the real caller's.
#include <dlfcn.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <string>

#include "importer/native_loading.h"
#include "launcher/virtual_files_internal.h"

using namespace freeze::launcher::vfs;
namespace importer = freeze::importer;

extern "C" {
// Set by freeze_dlopen_path before the trampoline jumps through it.
__attribute__((visibility("hidden"))) void* (*freeze_real_dlopen)(const char*, int) = nullptr;

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
    static std::mutex& mutex = *new std::mutex();
    static auto& opened = *new std::map<std::uint32_t, std::string>();  // node -> /proc/self/fd/N, never closed
    const std::lock_guard lock(mutex);
    if (const auto it = opened.find(node); it != opened.end()) return it->second.c_str();
    if ((mode & RTLD_NOLOAD) != 0) return file;  // not loaded through us: not loaded
    const int fd = ::open(file, O_RDONLY | O_CLOEXEC);  // ours: the virtual file's memory file
    if (fd < 0) return file;
    return opened.emplace(node, importer::unique_fd_path(fd)).first->second.c_str();
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

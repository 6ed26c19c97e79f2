#define PY_SSIZE_T_CLEAN
#include "launcher/out_of_memory.h"

#include <Python.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <exception>
#include <new>

namespace freeze::launcher {
namespace {

std::string g_executable = "freeze-launcher";
std::atomic<const char*> g_step{nullptr};
std::terminate_handler g_previous_terminate = nullptr;
PyMemAllocatorEx g_raw{};  // CPython's raw allocator, wrapped

void on_terminate() {
  if (const std::exception_ptr escaped = std::current_exception()) {
    try {
      std::rethrow_exception(escaped);
    } catch (const std::bad_alloc&) {
      const char* step = g_step.load();
      die_out_of_memory(step != nullptr ? step : "reading the embedded resources");
    } catch (...) {
    }
  }
  if (g_previous_terminate != nullptr) g_previous_terminate();
  std::abort();
}

// pymalloc falls back to the raw allocator when it cannot get an arena, so every allocation
// failure of CPython's ends here.
void* failed(void* result, std::size_t size) {
  if (result == nullptr && size != 0) {
    if (const char* step = g_step.load()) die_out_of_memory(step);
  }
  return result;
}
void* raw_malloc(void* ctx, std::size_t size) { return failed(g_raw.malloc(ctx, size), size); }
void* raw_calloc(void* ctx, std::size_t count, std::size_t size) {
  return failed(g_raw.calloc(ctx, count, size), count * size);
}
void* raw_realloc(void* ctx, void* memory, std::size_t size) { return failed(g_raw.realloc(ctx, memory, size), size); }
void raw_free(void* ctx, void* memory) { g_raw.free(ctx, memory); }

}  // namespace

void report_out_of_memory_as(const std::string& executable) {
  g_executable = executable;
  g_previous_terminate = std::set_terminate(on_terminate);
}

void set_start_up_step(const char* doing) { g_step.store(doing); }

void watch_interpreter_allocations() {
  PyMem_GetAllocator(PYMEM_DOMAIN_RAW, &g_raw);
  PyMemAllocatorEx watching{g_raw.ctx, raw_malloc, raw_calloc, raw_realloc, raw_free};
  PyMem_SetAllocator(PYMEM_DOMAIN_RAW, &watching);
}

void die_out_of_memory(const char* doing) {
  std::fflush(stdout);
  // No allocation here: there is no memory left.
  std::fprintf(stderr, "%s: out of memory while %s\n", g_executable.c_str(), doing);
  std::fflush(stderr);
  _exit(1);
}

}  // namespace freeze::launcher

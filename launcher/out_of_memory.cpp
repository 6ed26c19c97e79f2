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

// Every domain is watched: pymalloc falls back to the raw allocator when it cannot get an
// arena, but 3.13's mimalloc (the object and mem domains) maps its memory itself.
PyMemAllocatorEx g_wrapped[3]{};  // CPython's allocators of the raw, mem and obj domains

void* failed(void* result, std::size_t size) {
  if (result == nullptr && size != 0) {
    if (const char* step = g_step.load()) die_out_of_memory(step);
  }
  return result;
}
template <int domain>
void* watched_malloc(void* ctx, std::size_t size) {
  return failed(g_wrapped[domain].malloc(ctx, size), size);
}
template <int domain>
void* watched_calloc(void* ctx, std::size_t count, std::size_t size) {
  return failed(g_wrapped[domain].calloc(ctx, count, size), count * size);
}
template <int domain>
void* watched_realloc(void* ctx, void* memory, std::size_t size) {
  return failed(g_wrapped[domain].realloc(ctx, memory, size), size);
}
template <int domain>
void watched_free(void* ctx, void* memory) {
  g_wrapped[domain].free(ctx, memory);
}

template <int domain>
void watch(PyMemAllocatorDomain which) {
  PyMem_GetAllocator(which, &g_wrapped[domain]);
  PyMemAllocatorEx watching{g_wrapped[domain].ctx, watched_malloc<domain>, watched_calloc<domain>,
                            watched_realloc<domain>, watched_free<domain>};
  PyMem_SetAllocator(which, &watching);
}

}  // namespace

void report_out_of_memory_as(const std::string& executable) {
  g_executable = executable;
  g_previous_terminate = std::set_terminate(on_terminate);
}

void set_start_up_step(const char* doing) { g_step.store(doing); }

void watch_interpreter_allocations() {
  watch<0>(PYMEM_DOMAIN_RAW);
  watch<1>(PYMEM_DOMAIN_MEM);
  watch<2>(PYMEM_DOMAIN_OBJ);
}

// Back to CPython's own allocators (the same ones, so what was allocated stays valid): after
// start-up a failure is MemoryError, and every allocation would otherwise pay for the wrapper.
// A domain that someone else hooked meanwhile (tracemalloc started by -X tracemalloc, which
// wraps ours) keeps its hooks, and our wrapper under them, idle from now on.
template <int domain>
void unwatch(PyMemAllocatorDomain which) {
  PyMemAllocatorEx current{};
  PyMem_GetAllocator(which, &current);
  if (current.malloc == watched_malloc<domain>) PyMem_SetAllocator(which, &g_wrapped[domain]);
}

// A sanitizer build keeps the watch on the raw domain, idle (no step is set any more):
// LeakSanitizer's stacks cannot unwind through CPython (built without frame pointers), so the
// wrapper's frame is what tells CPython's malloc'ed memory from freeze's own
// (cmake/sanitizer_defaults.cpp suppresses it by this file's name; a stack of CPython frames
// alone ends at a random caller and is reported). The object and mem domains, which reach
// malloc through the raw one, get CPython's own back: sys._debugmallocstats() and the like
// look for pymalloc there.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kKeepWatchForLeakChecks = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kKeepWatchForLeakChecks = true;
#else
constexpr bool kKeepWatchForLeakChecks = false;
#endif
#else
constexpr bool kKeepWatchForLeakChecks = false;
#endif

void stop_watching_interpreter_allocations() {
  if (!kKeepWatchForLeakChecks) unwatch<0>(PYMEM_DOMAIN_RAW);
  unwatch<1>(PYMEM_DOMAIN_MEM);
  unwatch<2>(PYMEM_DOMAIN_OBJ);
}

void die_if_starting_up() {
  if (const char* step = g_step.load()) die_out_of_memory(step);
}

void die_out_of_memory(const char* doing) {
  std::fflush(stdout);
  // No allocation here: there is no memory left.
  std::fprintf(stderr, "%s: out of memory while %s\n", g_executable.c_str(), doing);
  std::fflush(stderr);
  _exit(1);
}

}  // namespace freeze::launcher

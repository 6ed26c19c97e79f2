// Linked into every executable of a sanitizer build (cmake/Sanitizers.cmake): the runtime
// options the sanitizers read before main(), so that reports are fatal however the program is
// started (tests strip PYTHON* variables, not ASAN_OPTIONS, which still override these).
extern "C" {

// The interceptors look these up by name; keep them visible.
__attribute__((visibility("default"), used)) const char* __asan_default_options() {
  // exitcode 23 (shared by all the sanitizers): distinguishable from a Python exit status.
  // print_suppressions=0: tests compare stderr; a suppressed leak must leave it untouched.
  // handle_segv=0 (and bus, fpe): a crash stays the signal it is, as without the sanitizer (the
  // damage tests assert "never a signal"; `freeze check` reports crashing imports by signal);
  // invalid accesses to heap, stack and globals are still reported before they could crash.
  return "detect_leaks=1:abort_on_error=0:exitcode=23:print_suppressions=0:strict_string_checks=1:"
         "detect_stack_use_after_return=0:check_initialization_order=1:allocator_may_return_null=1:"
         "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:"
         // Tests LD_PRELOAD shims (no memfd_create); the sanitizer runtime need not come first.
         "verify_asan_link_order=0";
}

__attribute__((visibility("default"), used)) const char* __ubsan_default_options() {
  return "print_stacktrace=1:halt_on_error=1:exitcode=23";
}

// CPython does not free everything it allocated when it finalizes (objects kept by static
// types, interned strings, caches). Debian's libpython is built without frame pointers, so
// LeakSanitizer's stacks end at CPython's allocator: allocations made through it are not
// reported. Memory that freeze's own code allocates (operator new, malloc: the reader,
// importer, launcher and packager) is still checked, and valgrind (test_hygiene_memcheck)
// checks the frozen programs independently.
__attribute__((visibility("default"), used)) const char* __lsan_default_suppressions() {
  return "leak:PyObject_Malloc\n"
         "leak:PyObject_Calloc\n"
         "leak:PyObject_Realloc\n"
         "leak:_PyObject_Malloc\n"
         "leak:_PyObject_Calloc\n"
         "leak:_PyObject_Realloc\n"
         "leak:PyMem_Malloc\n"
         "leak:PyMem_Calloc\n"
         "leak:PyMem_Realloc\n"
         "leak:PyMem_RawMalloc\n"
         "leak:PyMem_RawCalloc\n"
         "leak:PyMem_RawRealloc\n"
         "leak:_PyMem_RawMalloc\n"
         "leak:_PyMem_RawCalloc\n"
         "leak:_PyMem_RawRealloc\n"
         "leak:_PyMem_DebugRawAlloc\n"
         // A str longer than the small-object limit: PyObject_Realloc hands it to realloc, and
         // without frame pointers the stack shows only the writer (compiling CPython's own
         // test package, whose bad-syntax modules fail with long messages, leaves one).
         "leak:_PyUnicodeWriter_Finish\n"
         // The launcher's watch on CPython's allocators (launcher/out_of_memory.cpp; on the
         // raw domain for the whole run in a sanitizer build): what goes through it is CPython's.
         "leak:launcher/out_of_memory.cpp\n"
         "leak:watched_malloc\n"
         "leak:watched_calloc\n"
         "leak:watched_realloc\n"
         "leak:list_extend\n"
         "leak:list_pop\n"
         "leak:list_resize\n"
         "leak:PyThread_allocate_lock\n"
         "leak:tracemalloc_\n"
         "leak:_PyTraceMalloc_\n"
         // Libraries loaded from memory files (bundled system libraries such as libcrypto, and
         // CPython's lib-dynload extension modules) are not freeze's code; OpenSSL, for one,
         // keeps its global state until exit.
         "leak:/proc/self/fd/\n"
         "leak:CRYPTO_\n";
}

}  // extern "C"

// Linked into every executable of a sanitizer build (cmake/Sanitizers.cmake): the runtime
// options the sanitizers read before main(), so that reports are fatal however the program is
// started (tests strip PYTHON* variables, not ASAN_OPTIONS, which still override these).
extern "C" {

// The interceptors look these up by name; keep them visible.
__attribute__((visibility("default"), used)) const char* __asan_default_options() {
  // exitcode 23: distinguishable from a Python exit status in test failures.
  return "detect_leaks=1:abort_on_error=0:exitcode=23:strict_string_checks=1:"
         "detect_stack_use_after_return=0:check_initialization_order=1:allocator_may_return_null=1";
}

__attribute__((visibility("default"), used)) const char* __ubsan_default_options() {
  return "print_stacktrace=1:halt_on_error=1:exitcode=24";
}

// CPython keeps some allocations alive until exit by design (interned strings, static types,
// the main interpreter state when the process exits without Py_FinalizeEx). Reports whose
// every frame is CPython's are suppressed; a leak through freeze's own code still fails.
__attribute__((visibility("default"), used)) const char* __lsan_default_suppressions() {
  return "";
}

}  // extern "C"

// Out of memory before Python is up ends the process with one line, "<exe>: out of memory while
// <doing>", and status 1: never an abort (CPython's Py_FatalError when MemoryError does not exist
// yet), an escaped std::bad_alloc (`terminate called ...`) or a claim that the file is damaged.
// Once the interpreter runs, running out of memory is python's MemoryError.
#pragma once

#include <string>

namespace freeze::launcher {

// Names the executable in the message and installs the terminate handler that reports an
// escaped std::bad_alloc as the one line.
void report_out_of_memory_as(const std::string& executable);

// What start-up is doing, for the message ("starting the interpreter"); nullptr once Python
// is up. While it is set, any failed allocation of CPython's ends the process with the line.
void set_start_up_step(const char* doing);

// After Py_PreInitialize (which chooses the allocators): wraps CPython's allocators (every
// domain) so that a failure during start-up is reported at once, before CPython aborts on it;
// once start-up is over, the stop call puts CPython's own back.
void watch_interpreter_allocations();
void stop_watching_interpreter_allocations();

[[noreturn]] void die_out_of_memory(const char* doing);

// die_out_of_memory if start-up is still going on, else nothing (the caller raises MemoryError).
void die_if_starting_up();

}  // namespace freeze::launcher

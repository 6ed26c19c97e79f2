// pythonrun.c's flag that makes Py_RunMain end the process by SIGINT after an uncaught
// KeyboardInterrupt. Up to 3.11 it is a global; from 3.12 a field of the runtime state that only
// CPython's internal headers declare, and those are C (not C++): hence this C file.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "launcher/keyboard_interrupt_flag.h"

#if PY_VERSION_HEX >= 0x030C0000
#define Py_BUILD_CORE 1
#include "internal/pycore_runtime.h"

int freeze_unhandled_keyboard_interrupt(void) { return _PyRuntime.signals.unhandled_keyboard_interrupt; }
void freeze_set_unhandled_keyboard_interrupt(int value) { _PyRuntime.signals.unhandled_keyboard_interrupt = value; }
#else
extern int _Py_UnhandledKeyboardInterrupt;

int freeze_unhandled_keyboard_interrupt(void) { return _Py_UnhandledKeyboardInterrupt; }
void freeze_set_unhandled_keyboard_interrupt(int value) { _Py_UnhandledKeyboardInterrupt = value; }
#endif

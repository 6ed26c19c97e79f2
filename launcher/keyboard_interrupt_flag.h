// The flag behind a frozen program's exit by SIGINT after an uncaught KeyboardInterrupt, read
// and kept across freeze's excepthook (launcher/keyboard_interrupt_flag.c says why it is C).
#pragma once
#ifdef __cplusplus
extern "C" {
#endif
int freeze_unhandled_keyboard_interrupt(void);
void freeze_set_unhandled_keyboard_interrupt(int value);
#ifdef __cplusplus
}
#endif

#pragma once
// Unrecoverable kernel bugs. Bad input is never a panic: it is an Error.

namespace tessera {

// Prints "KERNEL PANIC: <message>", the registers it can read, a frame-pointer
// backtrace of the current thread, the tail of the log ring, and exits with
// exit_status::kSoftware. Safe to call from any guest context, also re-entrantly
// (a panic while panicking exits at once).
[[noreturn]] void panic(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace tessera

#define TESSERA_ASSERT(condition)                                                          \
  do {                                                                                     \
    if (__builtin_expect(!(condition), 0))                                                 \
      ::tessera::panic("assertion failed: %s at %s:%d", #condition, __FILE__, __LINE__);  \
  } while (0)

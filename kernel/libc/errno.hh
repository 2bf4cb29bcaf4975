#pragma once
// errno for loaded code: each guest thread has its own (Thread::errno_value). Before
// the scheduler runs there is no thread, and a single boot-time variable stands in.

namespace tessera::libc {

// What C's `errno` expands to: exported as __errno_location, as glibc names it.
int* errno_location();

// Shorthand for the library itself.
inline void set_errno(int value) { *errno_location() = value; }

}  // namespace tessera::libc

#pragma once
// The formatting half of <stdio.h>, on the kernel's own printf engine (tessera/format.hh):
// integers, characters, strings and pointers; no floating point.
#include <stdarg.h>
#include <stddef.h>

namespace tessera::libc {

int snprintf(char* buffer, size_t capacity, const char* format, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char* buffer, size_t capacity, const char* format, va_list args);

}  // namespace tessera::libc

#pragma once
// printf-style formatting of our own: the kernel has no host libc.
// Supports %d %i %u %x %X %o %c %s %p %% with flags '-' '0' '+' ' ' '#', width and
// precision (also '*'), and length modifiers hh h l ll z t j. %s of nullptr prints "(null)".
// Anything else is printed literally, never read as an argument.
#include <stdarg.h>
#include <stddef.h>

namespace tessera {

// Like vsnprintf: writes at most `capacity` bytes including the NUL (none if capacity
// is 0) and returns the length the whole output would have had.
size_t vformat(char* buffer, size_t capacity, const char* format, va_list args);
size_t format(char* buffer, size_t capacity, const char* format, ...) __attribute__((format(printf, 3, 4)));

// Formats straight to the console, without a log prefix: what applications print.
void print(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace tessera

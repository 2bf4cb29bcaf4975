#include "libc/stdio.hh"

#include <tessera/errno.hh>
#include <tessera/format.hh>
#include "libc/errno.hh"

namespace tessera::libc {

int vsnprintf(char* buffer, size_t capacity, const char* format, va_list args) {
  size_t length = vformat(buffer, capacity, format, args);
  // C returns int: a longer output cannot be reported, so it is an error.
  if (length > static_cast<size_t>(__INT_MAX__)) {
    set_errno(kEOVERFLOW);
    return -1;
  }
  return static_cast<int>(length);
}

int snprintf(char* buffer, size_t capacity, const char* format, ...) {
  va_list args;
  va_start(args, format);
  int length = vsnprintf(buffer, capacity, format, args);
  va_end(args);
  return length;
}

}  // namespace tessera::libc

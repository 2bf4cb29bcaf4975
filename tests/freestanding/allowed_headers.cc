// Guest code may use the compiler's freestanding headers and kernel/include.
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <tessera/platform.hh>
#include <tessera/result.hh>

int freestanding_probe_allowed(int value) { return value + static_cast<int>(sizeof(uint64_t)); }

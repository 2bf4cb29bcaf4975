#pragma once
// The module API's log, console, time, randomness and panic calls (tessera/module_api.h),
// as C++ functions that kernel_exports.cc publishes under their C names.
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

namespace tessera::api {

void log(int level, const char* format, ...) __attribute__((format(printf, 2, 3)));
void vlog(int level, const char* format, va_list args);
void print(const char* text, size_t length);
int printf(const char* format, ...) __attribute__((format(printf, 1, 2)));
[[noreturn]] void panic(const char* format, ...) __attribute__((format(printf, 1, 2)));
const char* errno_name(int code);
uint64_t monotonic_ns();
uint64_t wall_clock_ns();
void random(void* buffer, size_t length);
[[noreturn]] void stack_check_failed();

}  // namespace tessera::api

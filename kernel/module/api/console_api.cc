#include "module/api/console_api.hh"

#include <tessera/errno.hh>
#include <tessera/format.hh>
#include <tessera/panic.hh>
#include <tessera/platform.hh>

#include "log/log.hh"

namespace tessera::api {

void vlog(int level, const char* format, va_list args) {
  // Out-of-range levels are clamped rather than refused: a log call has no way to fail.
  if (level < static_cast<int>(log::Level::kError)) level = static_cast<int>(log::Level::kError);
  if (level > static_cast<int>(log::Level::kTrace)) level = static_cast<int>(log::Level::kTrace);
  log::vwrite(static_cast<log::Level>(level), format, args);
}

void log(int level, const char* format, ...) {
  va_list args;
  va_start(args, format);
  vlog(level, format, args);
  va_end(args);
}

void print(const char* text, size_t length) { platform::console_write(text, length); }

int printf(const char* format, ...) {
  // One console write per call, like a line-buffered stdout; longer output is cut.
  char buffer[1024];
  va_list args;
  va_start(args, format);
  size_t length = vformat(buffer, sizeof buffer, format, args);
  va_end(args);
  if (length >= sizeof buffer) length = sizeof buffer - 1;
  platform::console_write(buffer, length);
  return static_cast<int>(length);
}

void panic(const char* format, ...) {
  char message[256];
  va_list args;
  va_start(args, format);
  vformat(message, sizeof message, format, args);
  va_end(args);
  tessera::panic("%s", message);
}

const char* errno_name(int code) { return tessera::errno_name(code < 0 ? -code : code); }

uint64_t monotonic_ns() { return platform::monotonic_ns(); }
uint64_t wall_clock_ns() { return platform::wall_clock_ns(); }
void random(void* buffer, size_t length) { platform::fill_random(buffer, length); }

void stack_check_failed() { tessera::panic("stack smashing detected in loaded code"); }

}  // namespace tessera::api

#pragma once
// The kernel log: levelled messages with a boot-relative timestamp, kept in a ring
// buffer readable after the fact, and echoed to the console at or above the threshold.
// Console line format: "[    0.001234] message" (warnings and errors add "warning: "
// or "error: " before the message).
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>

namespace tessera::log {

enum class Level : uint8_t { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3, kTrace = 4 };

// Forgets everything logged before and sets the threshold back to kInfo. Called at
// the start of every boot; `origin_ns` is the monotonic time shown as 0.000000.
void reset(uint64_t origin_ns);
// Where debuggers find the log ring (kernel/debug/debugger_interface.hh).
void describe_for_debugger(uint64_t& bytes, uint64_t& start, uint64_t& used, uint64_t& capacity);
void set_console_level(Level level);
Level console_level();
// "error" "warn" "info" "debug" "trace" -> Level; anything else is EINVAL naming the text.
Result<Level> parse_level(ktl::StringView text);
const char* level_name(Level level);

void vwrite(Level level, const char* format, va_list args);
void error(const char* format, ...) __attribute__((format(printf, 1, 2)));
void warn(const char* format, ...) __attribute__((format(printf, 1, 2)));
void info(const char* format, ...) __attribute__((format(printf, 1, 2)));
void debug(const char* format, ...) __attribute__((format(printf, 1, 2)));
void trace(const char* format, ...) __attribute__((format(printf, 1, 2)));

// The ring keeps the newest kRingCapacity bytes of complete lines of every level.
inline constexpr size_t kRingCapacity = 16 * 1024;
// Copies the ring's contents, oldest first, NUL-terminated; returns bytes copied.
// When `capacity` cannot hold it all, copies the newest complete lines that fit.
// Messages longer than 256 bytes are cut and end in "..."; a trailing newline in a
// message is dropped (every entry is exactly one line).
size_t read_ring(char* out, size_t capacity);

}  // namespace tessera::log

// The kernel log. Lines are formatted once, on the caller's stack, then appended to
// the ring (every level) and echoed to the console (at or above the threshold).
// Guest code runs on one CPU and is cooperatively scheduled, and nothing here can
// switch threads, so no lock is needed.
#include "log/log.hh"

#include <tessera/format.hh>
#include <tessera/platform.hh>

namespace tessera::log {
namespace {

// The longest message a line keeps; the rest is cut and marked with "...".
constexpr size_t kMaxMessageLength = 256;
// "[sssss.uuuuuu] " + "warning: " + message + "\n", with room to spare.
constexpr size_t kMaxLineLength = kMaxMessageLength + 48;
static_assert(kMaxLineLength < kRingCapacity, "a line must always fit into the ring");

// The ring holds complete lines only: before a line is appended, whole lines are
// dropped from the oldest end until it fits, so readers never see half a line.
struct Ring {
  char bytes[kRingCapacity];
  size_t start;  // index of the oldest byte
  size_t used;
};

struct State {
  uint64_t origin_ns;
  Level console_level;
};

// Constant-initialised: logging works even before the first reset(). The ring is its own
// all-zero object so it lands in .bss: inside State, the non-zero level would put 16 KiB
// of zeros into the kernel image's .data.
constinit Ring g_ring = {};
constinit State g_state = {0, Level::kInfo};

void drop_oldest_line(Ring& ring) {
  while (ring.used) {
    char c = ring.bytes[ring.start];
    ring.start = (ring.start + 1) % kRingCapacity;
    --ring.used;
    if (c == '\n') return;
  }
}

void ring_append(Ring& ring, const char* line, size_t length) {
  while (kRingCapacity - ring.used < length) drop_oldest_line(ring);
  size_t end = (ring.start + ring.used) % kRingCapacity;
  for (size_t i = 0; i < length; ++i) ring.bytes[(end + i) % kRingCapacity] = line[i];
  ring.used += length;
}

const char* level_tag(Level level) {
  switch (level) {
    case Level::kError: return "error: ";
    case Level::kWarn: return "warning: ";
    default: return "";
  }
}

// Formats the whole line into `line` (kMaxLineLength bytes) and returns its length.
size_t format_line(char* line, Level level, const char* format, va_list args) {
  uint64_t now = platform::monotonic_ns();
  uint64_t since_origin = now > g_state.origin_ns ? now - g_state.origin_ns : 0;
  size_t length = tessera::format(line, kMaxLineLength, "[%5llu.%06llu] %s",
                                  static_cast<unsigned long long>(since_origin / 1'000'000'000),
                                  static_cast<unsigned long long>(since_origin % 1'000'000'000 / 1000),
                                  level_tag(level));

  char* message = line + length;
  size_t message_length = vformat(message, kMaxMessageLength + 1, format, args);
  if (message_length > kMaxMessageLength) {
    message_length = kMaxMessageLength;
    message[message_length - 3] = message[message_length - 2] = message[message_length - 1] = '.';
  }
  // The line ends here, whatever the caller wrote: trailing newlines would make blank lines.
  while (message_length && message[message_length - 1] == '\n') --message_length;
  length += message_length;
  line[length++] = '\n';
  return length;
}

}  // namespace

void reset(uint64_t origin_ns) {
  g_ring.start = 0;
  g_ring.used = 0;
  g_state.origin_ns = origin_ns;
  g_state.console_level = Level::kInfo;
}

void set_console_level(Level level) { g_state.console_level = level; }
Level console_level() { return g_state.console_level; }

Result<Level> parse_level(ktl::StringView text) {
  static constexpr Level kLevels[] = {Level::kError, Level::kWarn, Level::kInfo, Level::kDebug, Level::kTrace};
  for (Level level : kLevels)
    if (text == ktl::StringView(level_name(level))) return level;
  return Error::with_message(kEINVAL, "unknown log level '%.*s' (expected error, warn, info, debug or trace)",
                             static_cast<int>(text.length() > 64 ? 64 : text.length()), text.data());
}

const char* level_name(Level level) {
  switch (level) {
    case Level::kError: return "error";
    case Level::kWarn: return "warn";
    case Level::kInfo: return "info";
    case Level::kDebug: return "debug";
    case Level::kTrace: return "trace";
  }
  return "?";
}

void vwrite(Level level, const char* format, va_list args) {
  char line[kMaxLineLength];
  size_t length = format_line(line, level, format, args);
  ring_append(g_ring, line, length);
  if (static_cast<uint8_t>(level) <= static_cast<uint8_t>(g_state.console_level))
    platform::console_write(line, length);
}

#define TESSERA_DEFINE_LOG_FUNCTION(name, level)  \
  void name(const char* format, ...) {            \
    va_list args;                                 \
    va_start(args, format);                       \
    vwrite(level, format, args);                  \
    va_end(args);                                 \
  }
TESSERA_DEFINE_LOG_FUNCTION(error, Level::kError)
TESSERA_DEFINE_LOG_FUNCTION(warn, Level::kWarn)
TESSERA_DEFINE_LOG_FUNCTION(info, Level::kInfo)
TESSERA_DEFINE_LOG_FUNCTION(debug, Level::kDebug)
TESSERA_DEFINE_LOG_FUNCTION(trace, Level::kTrace)
#undef TESSERA_DEFINE_LOG_FUNCTION

size_t read_ring(char* out, size_t capacity) {
  if (capacity == 0) return 0;
  const Ring& ring = g_ring;
  // When `out` is too small, the newest lines are the useful ones (a panic shows
  // the tail): skip the oldest bytes, then on to the next line start.
  size_t skip = 0;
  if (ring.used > capacity - 1) {
    skip = ring.used - (capacity - 1);
    while (skip < ring.used && ring.bytes[(ring.start + skip - 1) % kRingCapacity] != '\n') ++skip;
  }
  size_t length = ring.used - skip;
  for (size_t i = 0; i < length; ++i) out[i] = ring.bytes[(ring.start + skip + i) % kRingCapacity];
  out[length] = '\0';
  return length;
}

void describe_for_debugger(uint64_t& bytes, uint64_t& start, uint64_t& used, uint64_t& capacity) {
  bytes = reinterpret_cast<uint64_t>(g_ring.bytes);
  start = reinterpret_cast<uint64_t>(&g_ring.start);
  used = reinterpret_cast<uint64_t>(&g_ring.used);
  capacity = kRingCapacity;
}

}  // namespace tessera::log

#pragma once
// Device interrupt lines -> driver handlers. All attached lines share one scheduler
// event registration; handlers run in scheduler context (they must not block). A line
// with a handler is something that can wake a thread, for the scheduler's deadlock rule.
#include <stdint.h>
#include <tessera/result.hh>

namespace tessera {

class DeviceLines {
 public:
  using Handler = void (*)(void* context);
  // Lines the platform's event mask can carry (bits 8..63).
  static constexpr uint32_t kMaxLines = 56;

  // Forgets every handler of the previous boot (the scheduler has forgotten its side).
  static void reset();
  // EINVAL for a line beyond kMaxLines or a null handler; EBUSY when the line has one.
  static Result<void> attach(uint32_t line, Handler handler, void* context);
  // Nothing happens for a line without a handler.
  static void detach(uint32_t line);
};

}  // namespace tessera

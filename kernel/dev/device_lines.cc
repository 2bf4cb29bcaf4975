#include "dev/device_lines.hh"

#include <tessera/platform.hh>

#include "sched/scheduler.hh"

namespace tessera {
namespace {

struct Slot {
  DeviceLines::Handler handler = nullptr;
  void* context = nullptr;
};

struct State {
  Slot slots[DeviceLines::kMaxLines] = {};
  platform::EventMask attached = 0;
};
constinit State g_state;

void dispatch(platform::EventMask events, void*) {
  for (uint32_t line = 0; line < DeviceLines::kMaxLines; ++line) {
    if (!(events & platform::event::device_line(line))) continue;
    // Copied first: a handler may detach its own line.
    Slot slot = g_state.slots[line];
    if (slot.handler) slot.handler(slot.context);
  }
}

void update_registration(platform::EventMask previous) {
  // One registration carries every attached line; replacing it drops the old one.
  Scheduler::set_event_handler(previous, nullptr, nullptr);
  if (g_state.attached) Scheduler::set_event_handler(g_state.attached, dispatch, nullptr);
}

}  // namespace

void DeviceLines::reset() { g_state = State{}; }

Result<void> DeviceLines::attach(uint32_t line, Handler handler, void* context) {
  if (line >= kMaxLines) return Error::with_message(kEINVAL, "device line %u: lines go up to %u", line, kMaxLines - 1);
  if (!handler) return Error::with_message(kEINVAL, "device line %u: no handler given", line);
  Slot& slot = g_state.slots[line];
  if (slot.handler) return Error::with_message(kEBUSY, "device line %u already has a handler", line);
  slot = {handler, context};
  platform::EventMask previous = g_state.attached;
  g_state.attached |= platform::event::device_line(line);
  update_registration(previous);
  return {};
}

void DeviceLines::detach(uint32_t line) {
  if (line >= kMaxLines || !g_state.slots[line].handler) return;
  g_state.slots[line] = {};
  platform::EventMask previous = g_state.attached;
  g_state.attached &= ~platform::event::device_line(line);
  update_registration(previous);
}

}  // namespace tessera

// platform.hh implemented inside a Linux process. Every function runs on a guest stack,
// on the one host thread that runs the guest; see machine_state.hh.
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>

#include <chrono>
#include <cstring>

#include "machine_state.hh"

namespace tessera::platform {
namespace {

using linux_host::running_machine;

uint64_t read_clock(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

// Asio's reactor is only consulted at most this often by non-blocking take_events():
// polling it costs a system call (~1 us here), while the timer deadline alone can be
// checked against the vDSO clock in ~30 ns.
constexpr uint64_t kHostPollIntervalNs = 1'000'000;

uint64_t host_monotonic_ns() { return read_clock(CLOCK_MONOTONIC); }

using Input = linux_host::ReplayLog::Kind;

// The guest's reading of a clock: the host's, recorded, or the recording's on replay.
uint64_t guest_clock(clockid_t clock, Input kind) {
  auto* machine = running_machine();
  auto* log = machine ? machine->replay_log.get() : nullptr;
  uint64_t value = log && log->replaying() ? 0 : read_clock(clock);
  if (log) log->pass(kind, &value, sizeof value);
  return value;
}

void note_expired_deadline(linux_host::HostedMachine::Impl& machine) {
  if (machine.armed_deadline != kNoDeadline && host_monotonic_ns() >= machine.armed_deadline) {
    machine.pending |= event::kTimer;
    machine.armed_deadline = kNoDeadline;
    machine.timer.cancel();
  }
}

}  // namespace

void console_write(const char* bytes, size_t length) {
  auto* machine = running_machine();
  if (!machine) return;
  if (machine->config.console_capture) machine->config.console_capture->append(bytes, length);
  if (!machine->config.echo_console) return;
  // The guest logger is line-based: complete lines go out at once, the rest waits.
  std::string& line = machine->console_line;
  for (size_t i = 0; i < length; ++i) {
    if (bytes[i] == '\n') {
      machine->guest_logger->info(line);
      line.clear();
    } else {
      line.push_back(bytes[i]);
    }
  }
}

uint64_t monotonic_ns() { return guest_clock(CLOCK_MONOTONIC, Input::kMonotonic); }
uint64_t wall_clock_ns() { return guest_clock(CLOCK_REALTIME, Input::kWallClock); }

void timer_arm(uint64_t deadline_ns) {
  auto& machine = *running_machine();
  machine.armed_deadline = deadline_ns;
  machine.timer.cancel();
  // On replay the timer's firings come from the recording, with every other event.
  if (deadline_ns == kNoDeadline || (machine.replay_log && machine.replay_log->replaying())) return;
  auto now = host_monotonic_ns();
  auto delay = std::chrono::nanoseconds(deadline_ns > now ? deadline_ns - now : 0);
  machine.timer.expires_after(delay);
  machine.timer.async_wait([&machine, deadline_ns](const boost::system::error_code& error) {
    if (!error && machine.armed_deadline == deadline_ns) note_expired_deadline(machine);
  });
}

EventMask take_events(bool block) {
  auto& machine = *running_machine();
  auto* log = machine.replay_log.get();
  if (log && log->replaying()) {
    EventMask recorded = 0;
    log->pass(Input::kEvents, &recorded, sizeof recorded);
    return recorded;
  }
  note_expired_deadline(machine);
  auto now = host_monotonic_ns();
  if (block || now - machine.last_poll_ns >= kHostPollIntervalNs) {
    machine.last_poll_ns = now;
    if (machine.io.stopped()) machine.io.restart();
    machine.io.poll();
  }
  // The signal set always has a wait outstanding, so run_one() returns only after a
  // handler ran: a timer (steady_timer fires at or after its deadline) or a signal.
  while (block && machine.pending == 0) {
    if (machine.io.stopped()) machine.io.restart();
    machine.io.run_one();
    note_expired_deadline(machine);
  }
  EventMask events = std::exchange(machine.pending, EventMask{0});
  if (log) log->pass(Input::kEvents, &events, sizeof events);
  return events;
}

Result<void> protect(void* start, size_t length, Protection protection) {
  auto& machine = *running_machine();
  auto begin = reinterpret_cast<uintptr_t>(start);
  auto arena = reinterpret_cast<uintptr_t>(machine.arena);
  if (begin % kPageSize || length % kPageSize || length == 0)
    return Error::with_message(kEINVAL, "protect: range %p+%zu is not whole pages", start, length);
  if (begin < arena || begin - arena > machine.arena_size || length > machine.arena_size - (begin - arena))
    return Error::with_message(kEINVAL, "protect: range %p+%zu is not guest RAM", start, length);
  if (has(protection, Protection::kWrite) && has(protection, Protection::kExecute))
    return Error::with_message(kEINVAL, "protect: write+execute refused (W^X) at %p", start);
  int prot = (has(protection, Protection::kRead) ? PROT_READ : 0) |
             (has(protection, Protection::kWrite) ? PROT_WRITE : 0) |
             (has(protection, Protection::kExecute) ? PROT_EXEC : 0);
  if (mprotect(start, length, prot) != 0)
    return Error::with_message(kEINVAL, "protect: mprotect(%p, %zu) failed: %s", start, length, std::strerror(errno));
  return {};
}

void switch_thread_pointer(uintptr_t outgoing_tp, uintptr_t incoming_tp) {
  running_machine()->tls_window.switch_to(outgoing_tp, incoming_tp);
}

void fill_random(void* buffer, size_t length) {
  auto* machine = running_machine();
  auto* log = machine ? machine->replay_log.get() : nullptr;
  auto* bytes = static_cast<unsigned char*>(buffer);
  size_t left = log && log->replaying() ? 0 : length;
  while (left > 0) {
    ssize_t got = getrandom(bytes + (length - left), left, 0);
    if (got <= 0) continue;  // EINTR; getrandom cannot otherwise fail for these sizes
    left -= size_t(got);
  }
  if (log) log->pass(Input::kRandom, buffer, length);
}

[[noreturn]] void exit(int status) {
  auto& machine = *running_machine();
  machine.exit_status = status & 0xff;
  arch::Context abandoned;  // the guest never resumes
  arch::switch_context(abandoned, machine.host_context, machine.host_stack_bottom, machine.host_stack_size);
  __builtin_unreachable();
}

}  // namespace tessera::platform

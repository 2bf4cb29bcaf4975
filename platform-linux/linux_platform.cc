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

void note_expired_deadline(linux_host::HostedMachine::Impl& machine) {
  if (machine.armed_deadline != kNoDeadline && monotonic_ns() >= machine.armed_deadline) {
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

uint64_t monotonic_ns() { return read_clock(CLOCK_MONOTONIC); }
uint64_t wall_clock_ns() { return read_clock(CLOCK_REALTIME); }

void timer_arm(uint64_t deadline_ns) {
  auto& machine = *running_machine();
  machine.armed_deadline = deadline_ns;
  machine.timer.cancel();
  if (deadline_ns == kNoDeadline) return;
  auto now = monotonic_ns();
  auto delay = std::chrono::nanoseconds(deadline_ns > now ? deadline_ns - now : 0);
  machine.timer.expires_after(delay);
  machine.timer.async_wait([&machine, deadline_ns](const boost::system::error_code& error) {
    if (!error && machine.armed_deadline == deadline_ns) note_expired_deadline(machine);
  });
}

EventMask take_events(bool block) {
  auto& machine = *running_machine();
  note_expired_deadline(machine);
  auto now = monotonic_ns();
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
  return std::exchange(machine.pending, EventMask{0});
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
  auto* bytes = static_cast<unsigned char*>(buffer);
  while (length > 0) {
    ssize_t got = getrandom(bytes, length, 0);
    if (got <= 0) continue;  // EINTR; getrandom cannot otherwise fail for these sizes
    bytes += got;
    length -= size_t(got);
  }
}

[[noreturn]] void exit(int status) {
  auto& machine = *running_machine();
  machine.exit_status = status & 0xff;
  arch::Context abandoned;  // the guest never resumes
  arch::switch_context(abandoned, machine.host_context, machine.host_stack_bottom, machine.host_stack_size);
  __builtin_unreachable();
}

}  // namespace tessera::platform

#include "fs/vfs/poller.hh"

#include <tessera/ktl/utility.hh>
#include <tessera/platform.hh>
#include <tessera/vfs.hh>

#include "fs/vfs/vfs.hh"
#include "sched/wait_queue.hh"

namespace tessera {
namespace {

struct State {
  WaitQueue readiness;
};
constinit State g_state;

int scan(Vfs& vfs, ktl::Span<PollEntry> entries) {
  int ready = 0;
  for (PollEntry& entry : entries) {
    entry.revents = 0;
    if (entry.fd < 0) continue;
    // POLLERR and POLLHUP are reported whether asked for or not.
    int wanted = entry.events | vfs::poll_event::kError | vfs::poll_event::kHangUp;
    auto result = vfs.poll_ready(entry.fd, entry.events);
    entry.revents = short(result.is_ok() ? result.value() & wanted : vfs::poll_event::kInvalid);
    if (entry.revents) ++ready;
  }
  return ready;
}

}  // namespace

void Poller::reset() {
  g_state.~State();
  new (&g_state) State();
}

Result<int> Poller::poll(Vfs& vfs, ktl::Span<PollEntry> entries, int timeout_ms) {
  uint64_t deadline = platform::kNoDeadline;
  if (timeout_ms >= 0) deadline = platform::monotonic_ns() + uint64_t(timeout_ms) * 1000000;
  for (;;) {
    int ready = scan(vfs, entries);
    if (ready || timeout_ms == 0) return ready;
    if (deadline != platform::kNoDeadline && platform::monotonic_ns() >= deadline) return 0;
    if (g_state.readiness.wait_until(deadline, "poll").is_error()) return scan(vfs, entries);
  }
}

void Poller::notify() {
  if (!g_state.readiness.empty()) g_state.readiness.wake_all();
}

}  // namespace tessera

#pragma once
// poll() over the descriptor table: files are always ready, streams answer through
// Stream::poll. A thread with nothing ready waits on one kernel wait queue that
// notify() wakes (a network stack calls it whenever a socket's readiness may have
// changed), then looks again. One CPU, cooperative: nothing can change between the last
// look and the wait, so no wake-up is lost.
#include <stddef.h>
#include <stdint.h>
#include <tessera/ktl/span.hh>
#include <tessera/result.hh>

namespace tessera {

class Vfs;

// struct pollfd's layout.
struct PollEntry {
  int fd;
  short events;
  short revents;
};

class Poller {
 public:
  // Forgets waiters of the previous boot.
  static void reset();
  // How many entries have revents set; timeout in ms (negative: forever, 0: no wait).
  // A descriptor that is not open gets POLLNVAL; negative fds are ignored, as POSIX says.
  static Result<int> poll(Vfs& vfs, ktl::Span<PollEntry> entries, int timeout_ms);
  // Wakes every thread in poll(); cheap when none waits; callable from handlers.
  static void notify();
};

}  // namespace tessera

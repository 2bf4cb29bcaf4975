#pragma once
// Threads waiting for something. The building block of mutexes, condition variables and join.
#include <stddef.h>
#include <stdint.h>
#include <tessera/ktl/intrusive_list.hh>
#include <tessera/platform.hh>
#include <tessera/result.hh>
#include "sched/thread.hh"

namespace tessera {

class WaitQueue {
 public:
  constexpr WaitQueue() = default;
  WaitQueue(const WaitQueue&) = delete;
  WaitQueue& operator=(const WaitQueue&) = delete;

  // Blocks the current thread until woken. `reason` shows in diagnostics.
  void wait(const char* reason = "wait queue");
  // ETIMEDOUT when `deadline_ns` (monotonic) passes first.
  Result<void> wait_until(uint64_t deadline_ns, const char* reason = "wait queue");
  // Wakes the longest waiter; false when none was waiting.
  bool wake_one();
  size_t wake_all();
  bool empty() const { return waiters_.empty(); }

 private:
  friend class Mutex;
  // Makes the longest waiter runnable and returns it (nullptr when none waits).
  Thread* wake_first();
  ktl::IntrusiveList<Thread, &Thread::queue_node_> waiters_;
};

}  // namespace tessera

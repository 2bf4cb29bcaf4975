#include "sched/wait_queue.hh"

#include <tessera/panic.hh>
#include "sched/scheduler.hh"

namespace tessera {
namespace {

Thread& current_for(const char* reason) {
  Thread* self = Thread::current();
  if (!self) panic("waiting on %s before the scheduler started", reason);
  return *self;
}

}  // namespace

void WaitQueue::wait(const char* reason) {
  waiters_.push_back(current_for(reason));
  Scheduler::block_current(reason, platform::kNoDeadline);
}

Result<void> WaitQueue::wait_until(uint64_t deadline_ns, const char* reason) {
  waiters_.push_back(current_for(reason));
  // On timeout the scheduler has already taken us off waiters_.
  if (!Scheduler::block_current(reason, deadline_ns))
    return Error::with_message(kETIMEDOUT, "timed out waiting on %s", reason);
  return {};
}

Thread* WaitQueue::wake_first() {
  Thread* thread = waiters_.pop_front();
  if (thread) Scheduler::make_runnable(*thread);
  return thread;
}

bool WaitQueue::wake_one() { return wake_first() != nullptr; }

size_t WaitQueue::wake_all() {
  size_t woken = 0;
  while (wake_first()) ++woken;
  return woken;
}

}  // namespace tessera

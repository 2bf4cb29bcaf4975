#include "sched/timer.hh"

#include "sched/scheduler.hh"

namespace tessera {

void Timer::arm(uint64_t deadline_ns, Callback callback, void* context) {
  cancel();
  deadline_ns_ = deadline_ns;
  callback_ = callback;
  context_ = context;
  Scheduler::insert_timer(*this);
}

bool Timer::cancel() {
  if (!node_.is_linked()) return false;
  ktl::IntrusiveList<Timer, &Timer::node_>::remove(*this);
  return true;
}

}  // namespace tessera

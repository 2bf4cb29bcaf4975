#include "sched/mutex.hh"

#include <tessera/panic.hh>

namespace tessera {
namespace {

Thread& current_for(const Mutex& mutex, const char* operation) {
  Thread* self = Thread::current();
  if (!self) panic("mutex %p: %s before the scheduler started", static_cast<const void*>(&mutex), operation);
  return *self;
}

}  // namespace

// The analysis cannot see that owner_ is the lock itself, so the primitives opt out.
void Mutex::lock() TS_NO_THREAD_SAFETY_ANALYSIS {
  Thread& self = current_for(*this, "lock");
  if (owner_ == &self) panic("mutex %p: recursive lock by thread '%s'", static_cast<void*>(this), self.name());
  if (!owner_) {
    owner_ = &self;
    return;
  }
  // unlock() hands the mutex straight to the longest waiter, so waking means owning:
  // a thread that unlocks and locks again at once cannot overtake those already waiting.
  waiters_.wait("mutex");
  if (owner_ != &self) panic("mutex %p: thread '%s' woke without ownership", static_cast<void*>(this), self.name());
}

bool Mutex::try_lock() TS_NO_THREAD_SAFETY_ANALYSIS {
  Thread& self = current_for(*this, "try_lock");
  if (owner_) return false;
  owner_ = &self;
  return true;
}

void Mutex::unlock() TS_NO_THREAD_SAFETY_ANALYSIS {
  Thread& self = current_for(*this, "unlock");
  if (owner_ != &self)
    panic("mutex %p: unlocked by thread '%s' but held by %s", static_cast<void*>(this), self.name(),
          owner_ ? owner_->name() : "nobody");
  owner_ = waiters_.wake_first();
}

bool Mutex::is_held_by_current() const { return owner_ && owner_ == Thread::current(); }

// One guest CPU and cooperative switching: nothing runs between the unlock and joining
// waiters_, so a notify cannot slip in between and be lost.
void ConditionVariable::wait(Mutex& mutex) {
  mutex.unlock();
  waiters_.wait("condition variable");
  mutex.lock();
}

Result<void> ConditionVariable::wait_until(Mutex& mutex, uint64_t deadline_ns) {
  mutex.unlock();
  auto waited = waiters_.wait_until(deadline_ns, "condition variable");
  mutex.lock();
  return waited;
}

void ConditionVariable::notify_one() { waiters_.wake_one(); }

void ConditionVariable::notify_all() { waiters_.wake_all(); }

}  // namespace tessera

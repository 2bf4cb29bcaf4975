#pragma once
// A sleeping mutex and a condition variable. Not recursive: locking a mutex the
// caller already holds, or unlocking one it does not, panics.
#include <stdint.h>
#include <tessera/thread_annotations.hh>
#include "sched/wait_queue.hh"

namespace tessera {

class TS_CAPABILITY("mutex") Mutex {
 public:
  constexpr Mutex() = default;
  void lock() TS_ACQUIRE();
  bool try_lock() TS_TRY_ACQUIRE(true);
  void unlock() TS_RELEASE();
  bool is_held_by_current() const;

 private:
  Thread* owner_ = nullptr;
  WaitQueue waiters_;
};

class TS_SCOPED_CAPABILITY MutexLocker {
 public:
  explicit MutexLocker(Mutex& mutex) TS_ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
  ~MutexLocker() TS_RELEASE() { mutex_.unlock(); }
  MutexLocker(const MutexLocker&) = delete;
  MutexLocker& operator=(const MutexLocker&) = delete;

 private:
  Mutex& mutex_;
};

class ConditionVariable {
 public:
  constexpr ConditionVariable() = default;
  // Atomically releases `mutex` and waits; holds it again on return.
  void wait(Mutex& mutex) TS_REQUIRES(mutex);
  // ETIMEDOUT when the monotonic `deadline_ns` passes first; the mutex is held either way.
  Result<void> wait_until(Mutex& mutex, uint64_t deadline_ns) TS_REQUIRES(mutex);
  void notify_one();
  void notify_all();

 private:
  WaitQueue waiters_;
};

}  // namespace tessera

#include "module/api/thread_api.hh"

#include <tessera/errno.hh>
#include <tessera/module_api.h>
#include <tessera/panic.hh>

#include "mm/heap.hh"
#include "module/api/api_error.hh"
#include "sched/mutex.hh"
#include "sched/scheduler.hh"
#include "sched/thread.hh"

// The opaque C handle types are defined here, and only here, as the kernel objects.
struct tessera_mutex {
  tessera::Mutex mutex;
};
struct tessera_cond {
  tessera::ConditionVariable condition;
};

namespace tessera::api {
namespace {

Thread* as_thread(tessera_thread* handle) { return reinterpret_cast<Thread*>(handle); }

// Loaded code passing a null handle is a bug in it, but it must not corrupt the kernel.
template <typename T> T* checked(T* handle, const char* call) {
  if (!handle) tessera::panic("%s: null handle from loaded code", call);
  return handle;
}

}  // namespace

int thread_create(tessera_thread** out, const char* name, void (*entry)(void*), void* argument) {
  if (!out || !entry) return -kEFAULT;
  auto result = Thread::try_create(name ? name : "module", entry, argument);
  if (result.is_error()) return negative_errno(result.error());
  *out = reinterpret_cast<tessera_thread*>(result.value());
  return 0;
}

int thread_join(tessera_thread* thread) {
  if (!thread) return -kEFAULT;
  auto result = as_thread(thread)->join();
  return result.is_ok() ? 0 : negative_errno(result.error());
}

void thread_yield() { Scheduler::yield(); }
void thread_sleep_ns(uint64_t duration_ns) { Scheduler::sleep_for(duration_ns); }

uint64_t thread_id() {
  Thread* thread = Thread::current();
  return thread ? thread->id() : 0;
}

int mutex_create(tessera_mutex** out) {
  if (!out) return -kEFAULT;
  auto result = try_make<tessera_mutex>();
  if (result.is_error()) return negative_errno(result.error());
  *out = result.value();
  return 0;
}

void mutex_destroy(tessera_mutex* mutex) {
  if (!mutex) return;
  if (mutex->mutex.is_held_by_current()) tessera::panic("tessera_mutex_destroy: mutex is still held");
  destroy(mutex);
}

// The thread-safety analysis cannot follow a lock taken in one C call and released in
// another; the C API is checked at run time by the Mutex itself instead.
void mutex_lock(tessera_mutex* mutex) TS_NO_THREAD_SAFETY_ANALYSIS {
  checked(mutex, "tessera_mutex_lock")->mutex.lock();
}
int mutex_trylock(tessera_mutex* mutex) TS_NO_THREAD_SAFETY_ANALYSIS {
  return checked(mutex, "tessera_mutex_trylock")->mutex.try_lock() ? 1 : 0;
}
void mutex_unlock(tessera_mutex* mutex) TS_NO_THREAD_SAFETY_ANALYSIS {
  checked(mutex, "tessera_mutex_unlock")->mutex.unlock();
}

int cond_create(tessera_cond** out) {
  if (!out) return -kEFAULT;
  auto result = try_make<tessera_cond>();
  if (result.is_error()) return negative_errno(result.error());
  *out = result.value();
  return 0;
}

void cond_destroy(tessera_cond* cond) {
  if (cond) destroy(cond);
}

void cond_wait(tessera_cond* cond, tessera_mutex* mutex) TS_NO_THREAD_SAFETY_ANALYSIS {
  checked(cond, "tessera_cond_wait")->condition.wait(checked(mutex, "tessera_cond_wait")->mutex);
}

int cond_timedwait(tessera_cond* cond, tessera_mutex* mutex, uint64_t deadline_ns) TS_NO_THREAD_SAFETY_ANALYSIS {
  auto result = checked(cond, "tessera_cond_timedwait")
                    ->condition.wait_until(checked(mutex, "tessera_cond_timedwait")->mutex, deadline_ns);
  return result.is_ok() ? 0 : -result.error().code();
}

void cond_signal(tessera_cond* cond) { checked(cond, "tessera_cond_signal")->condition.notify_one(); }
void cond_broadcast(tessera_cond* cond) { checked(cond, "tessera_cond_broadcast")->condition.notify_all(); }

}  // namespace tessera::api

// lwIP's operating-system layer (NO_SYS=0) over Tessera threads, mutexes and condition
// variables, with time from the kernel's monotonic clock.
//
// The kernel is cooperative on one CPU: a thread runs until it blocks or yields, and
// device-line handlers run in scheduler context, i.e. only while every thread is at such
// a point. That buys three things here:
//  - sys_arch_protect is free: no other thread or handler can run inside a protected
//    region, because lwIP never blocks inside one.
//  - Checking a mailbox and waiting on its condition variable cannot lose a wakeup, and a
//    post never finds the mailbox half-updated, so trypost (called by drivers' receive
//    paths, possibly from a device-line handler) needs no lock and never blocks.
//  - The mutexes that remain are real: the tcpip core lock is held across calls that
//    block (a socket call waiting for the tcpip thread releases it explicitly).
#include "port/libc/stdlib.h"

#include "lwip/opt.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"

#include <tessera/module_api.h>

#include "arch/sys_arch.h"

struct tessera_lwip_sem {
  tessera_mutex* mutex;
  tessera_cond* cond;
  uint32_t count;
};

struct tessera_lwip_mbox {
  tessera_mutex* mutex;
  tessera_cond* not_empty;
  tessera_cond* not_full;
  void** slots;
  uint32_t capacity;
  uint32_t head;  // next to fetch
  uint32_t used;
};

namespace {

constexpr uint64_t kNsPerMs = 1000000;

uint64_t deadline_after(u32_t timeout_ms) { return tessera_monotonic_ns() + uint64_t(timeout_ms) * kNsPerMs; }

// Milliseconds waited, at least 1 when anything was waited: lwIP's timeouts use the
// value to account time, and 0 would read as "did not wait".
u32_t waited_ms(uint64_t start_ns) {
  uint64_t ms = (tessera_monotonic_ns() - start_ns) / kNsPerMs;
  return ms >= SYS_ARCH_TIMEOUT ? SYS_ARCH_TIMEOUT - 1 : u32_t(ms);
}

// Waits on `cond` until `ready()` or the timeout (0: forever). False on timeout.
template <typename Ready>
bool wait_until(tessera_cond* cond, tessera_mutex* mutex, u32_t timeout_ms, Ready ready) {
  if (timeout_ms == 0) {
    while (!ready()) tessera_cond_wait(cond, mutex);
    return true;
  }
  uint64_t deadline = deadline_after(timeout_ms);
  while (!ready()) {
    if (tessera_cond_timedwait(cond, mutex, deadline) != 0 && !ready()) return false;
  }
  return true;
}

// Who holds lwIP's core lock (lock_tcpip_core), for LWIP_ASSERT_CORE_LOCKED: lwIP's
// own checks then catch a glue function that touches the core without the lock.
uint64_t g_core_owner = 0;

}  // namespace

extern "C" {

void sys_init(void) {}

u32_t sys_now(void) { return u32_t(tessera_monotonic_ns() / kNsPerMs); }

sys_prot_t sys_arch_protect(void) { return 0; }
void sys_arch_unprotect(sys_prot_t) {}

// ---- Semaphores ----

err_t sys_sem_new(sys_sem_t* sem, u8_t count) {
  auto* s = static_cast<tessera_lwip_sem*>(calloc(1, sizeof(tessera_lwip_sem)));
  if (!s) return ERR_MEM;
  if (tessera_mutex_create(&s->mutex) != 0) {
    free(s);
    return ERR_MEM;
  }
  if (tessera_cond_create(&s->cond) != 0) {
    tessera_mutex_destroy(s->mutex);
    free(s);
    return ERR_MEM;
  }
  s->count = count;
  sem->sem = s;
  SYS_STATS_INC_USED(sem);
  return ERR_OK;
}

void sys_sem_free(sys_sem_t* sem) {
  tessera_lwip_sem* s = sem->sem;
  if (!s) return;
  tessera_cond_destroy(s->cond);
  tessera_mutex_destroy(s->mutex);
  free(s);
  sem->sem = nullptr;
  SYS_STATS_DEC(sem.used);
}

void sys_sem_signal(sys_sem_t* sem) {
  tessera_lwip_sem* s = sem->sem;
  ++s->count;
  tessera_cond_signal(s->cond);
}

u32_t sys_arch_sem_wait(sys_sem_t* sem, u32_t timeout_ms) {
  tessera_lwip_sem* s = sem->sem;
  uint64_t start = tessera_monotonic_ns();
  tessera_mutex_lock(s->mutex);
  bool got = wait_until(s->cond, s->mutex, timeout_ms, [s] { return s->count > 0; });
  if (got) --s->count;
  tessera_mutex_unlock(s->mutex);
  return got ? waited_ms(start) : SYS_ARCH_TIMEOUT;
}

// ---- Mutexes ----

err_t sys_mutex_new(sys_mutex_t* mutex) {
  if (tessera_mutex_create(&mutex->mutex) != 0) return ERR_MEM;
  SYS_STATS_INC_USED(mutex);
  return ERR_OK;
}

void sys_mutex_free(sys_mutex_t* mutex) {
  if (!mutex->mutex) return;
  tessera_mutex_destroy(mutex->mutex);
  mutex->mutex = nullptr;
  SYS_STATS_DEC(mutex.used);
}

void sys_mutex_lock(sys_mutex_t* mutex) {
  tessera_mutex_lock(mutex->mutex);
  if (mutex == &lock_tcpip_core) g_core_owner = tessera_thread_id();
}

void sys_mutex_unlock(sys_mutex_t* mutex) {
  if (mutex == &lock_tcpip_core) g_core_owner = 0;
  tessera_mutex_unlock(mutex->mutex);
}

void tessera_lwip_assert_core_locked(void) {
  // lwip_init runs before tcpip_init creates the lock, single-threaded.
  if (!sys_mutex_valid(&lock_tcpip_core)) return;
  if (g_core_owner != tessera_thread_id()) {
    tessera_panic("net-lwip: lwIP core used without the core lock (thread %llu, holder %llu)",
                  (unsigned long long)tessera_thread_id(), (unsigned long long)g_core_owner);
  }
}

// ---- Mailboxes ----

err_t sys_mbox_new(sys_mbox_t* mbox, int size) {
  if (size <= 0) size = 32;  // lwIP passes 0 for "your default"
  auto* m = static_cast<tessera_lwip_mbox*>(calloc(1, sizeof(tessera_lwip_mbox)));
  if (!m) return ERR_MEM;
  m->slots = static_cast<void**>(calloc(size_t(size), sizeof(void*)));
  m->capacity = uint32_t(size);
  if (!m->slots || tessera_mutex_create(&m->mutex) != 0) {
    free(m->slots);
    free(m);
    return ERR_MEM;
  }
  if (tessera_cond_create(&m->not_empty) != 0 || tessera_cond_create(&m->not_full) != 0) {
    if (m->not_empty) tessera_cond_destroy(m->not_empty);
    tessera_mutex_destroy(m->mutex);
    free(m->slots);
    free(m);
    return ERR_MEM;
  }
  mbox->mbox = m;
  SYS_STATS_INC_USED(mbox);
  return ERR_OK;
}

void sys_mbox_free(sys_mbox_t* mbox) {
  tessera_lwip_mbox* m = mbox->mbox;
  if (!m) return;
  tessera_cond_destroy(m->not_full);
  tessera_cond_destroy(m->not_empty);
  tessera_mutex_destroy(m->mutex);
  free(m->slots);
  free(m);
  mbox->mbox = nullptr;
  SYS_STATS_DEC(mbox.used);
}

namespace {

void push(tessera_lwip_mbox* m, void* message) {
  m->slots[(m->head + m->used) % m->capacity] = message;
  ++m->used;
  tessera_cond_signal(m->not_empty);
}

void* pop(tessera_lwip_mbox* m) {
  void* message = m->slots[m->head];
  m->head = (m->head + 1) % m->capacity;
  --m->used;
  tessera_cond_signal(m->not_full);
  return message;
}

}  // namespace

err_t sys_mbox_trypost(sys_mbox_t* mbox, void* message) {
  tessera_lwip_mbox* m = mbox->mbox;
  if (m->used == m->capacity) {
    SYS_STATS_INC(mbox.err);
    return ERR_MEM;
  }
  push(m, message);
  return ERR_OK;
}

err_t sys_mbox_trypost_fromisr(sys_mbox_t* mbox, void* message) { return sys_mbox_trypost(mbox, message); }

void sys_mbox_post(sys_mbox_t* mbox, void* message) {
  tessera_lwip_mbox* m = mbox->mbox;
  tessera_mutex_lock(m->mutex);
  wait_until(m->not_full, m->mutex, 0, [m] { return m->used < m->capacity; });
  push(m, message);
  tessera_mutex_unlock(m->mutex);
}

u32_t sys_arch_mbox_fetch(sys_mbox_t* mbox, void** message, u32_t timeout_ms) {
  tessera_lwip_mbox* m = mbox->mbox;
  uint64_t start = tessera_monotonic_ns();
  tessera_mutex_lock(m->mutex);
  bool got = wait_until(m->not_empty, m->mutex, timeout_ms, [m] { return m->used > 0; });
  void* value = got ? pop(m) : nullptr;
  tessera_mutex_unlock(m->mutex);
  if (message) *message = value;
  return got ? waited_ms(start) : SYS_ARCH_TIMEOUT;
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t* mbox, void** message) {
  tessera_lwip_mbox* m = mbox->mbox;
  if (m->used == 0) return SYS_MBOX_EMPTY;
  void* value = pop(m);
  if (message) *message = value;
  return 0;
}

// ---- Threads ----

sys_thread_t sys_thread_new(const char* name, lwip_thread_fn function, void* argument, int, int) {
  tessera_thread* thread = nullptr;
  if (int error = tessera_thread_create(&thread, name, function, argument)) {
    tessera_panic("net-lwip: cannot start thread %s: %s", name, tessera_errno_name(error));
  }
  return thread;
}

// ---- Platform ----

uint32_t tessera_lwip_random(void) {
  uint32_t value;
  tessera_random(&value, sizeof value);
  return value;
}

void tessera_lwip_diag(const char* format, ...) {
  va_list args;
  va_start(args, format);
  tessera_vlog(TESSERA_LOG_DEBUG, format, args);
  va_end(args);
}

}  // extern "C"

#pragma once
// The module API's threads, mutexes and condition variables (tessera/module_api.h). The
// C handles are the kernel objects themselves behind opaque struct names: a
// tessera_thread* is a Thread*, a tessera_mutex* a heap-allocated Mutex, a tessera_cond*
// a ConditionVariable.
#include <stdint.h>

struct tessera_thread;
struct tessera_mutex;
struct tessera_cond;

namespace tessera::api {

int thread_create(tessera_thread** out, const char* name, void (*entry)(void*), void* argument);
int thread_join(tessera_thread* thread);
void thread_yield();
void thread_sleep_ns(uint64_t duration_ns);
uint64_t thread_id();

int mutex_create(tessera_mutex** out);
void mutex_destroy(tessera_mutex* mutex);
void mutex_lock(tessera_mutex* mutex);
int mutex_trylock(tessera_mutex* mutex);
void mutex_unlock(tessera_mutex* mutex);

int cond_create(tessera_cond** out);
void cond_destroy(tessera_cond* cond);
void cond_wait(tessera_cond* cond, tessera_mutex* mutex);
int cond_timedwait(tessera_cond* cond, tessera_mutex* mutex, uint64_t deadline_ns);
void cond_signal(tessera_cond* cond);
void cond_broadcast(tessera_cond* cond);

}  // namespace tessera::api

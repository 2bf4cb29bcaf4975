// fuzz/net_rx compiles lwIP and net-lwip's glue into the fuzzer as host code, so that
// ASan and the fuzzer's coverage see them. A module reaches the kernel through the C names
// of its export table, which the hosted kernel does not define as symbols (they would
// replace glibc's); these definitions route the names the stack uses to the same table
// entries the module loader would bind them to. (memcpy, malloc and the rest of the C
// subset are glibc's here, which ASan checks.)
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define TESSERA_MODULE_API_NO_LIBC
#include <tessera/module_api.h>

#include "module/export_table.hh"

namespace {

template <typename Function> Function* kernel(const char* name) {
  const tessera::KernelExport* row = tessera::find_kernel_export(name);
  if (!row) {
    fprintf(stderr, "net_rx: the kernel exports no %s\n", name);
    abort();
  }
  return reinterpret_cast<Function*>(const_cast<void*>(row->address));
}

}  // namespace

#define KERNEL(name) static auto* const function = kernel<decltype(::name)>(#name)

extern "C" {

int tessera_cond_create(tessera_cond** out) { KERNEL(tessera_cond_create); return function(out); }
void tessera_cond_destroy(tessera_cond* cond) { KERNEL(tessera_cond_destroy); function(cond); }
void tessera_cond_signal(tessera_cond* cond) { KERNEL(tessera_cond_signal); function(cond); }
void tessera_cond_broadcast(tessera_cond* cond) { KERNEL(tessera_cond_broadcast); function(cond); }
void tessera_cond_wait(tessera_cond* cond, tessera_mutex* mutex) { KERNEL(tessera_cond_wait); function(cond, mutex); }
int tessera_cond_timedwait(tessera_cond* cond, tessera_mutex* mutex, uint64_t deadline_ns) {
  KERNEL(tessera_cond_timedwait);
  return function(cond, mutex, deadline_ns);
}
int tessera_mutex_create(tessera_mutex** out) { KERNEL(tessera_mutex_create); return function(out); }
void tessera_mutex_destroy(tessera_mutex* mutex) { KERNEL(tessera_mutex_destroy); function(mutex); }
void tessera_mutex_lock(tessera_mutex* mutex) { KERNEL(tessera_mutex_lock); function(mutex); }
void tessera_mutex_unlock(tessera_mutex* mutex) { KERNEL(tessera_mutex_unlock); function(mutex); }
int tessera_thread_create(tessera_thread** out, const char* name, void (*entry)(void*), void* argument) {
  KERNEL(tessera_thread_create);
  return function(out, name, entry, argument);
}
uint64_t tessera_thread_id(void) { KERNEL(tessera_thread_id); return function(); }
uint64_t tessera_monotonic_ns(void) { KERNEL(tessera_monotonic_ns); return function(); }
void tessera_random(void* buffer, size_t length) { KERNEL(tessera_random); function(buffer, length); }
const char* tessera_errno_name(int code) { KERNEL(tessera_errno_name); return function(code); }
void tessera_vlog(int level, const char* format, va_list args) { KERNEL(tessera_vlog); function(level, format, args); }
void tessera_log(int level, const char* format, ...) {
  va_list args;
  va_start(args, format);
  tessera_vlog(level, format, args);
  va_end(args);
}
void tessera_panic(const char* format, ...) {
  char message[512];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof message, format, args);
  va_end(args);
  fprintf(stderr, "net_rx: panic: %s\n", message);
  abort();  // a finding: the fuzzer keeps the input
}
int tessera_netdev_count(void) { KERNEL(tessera_netdev_count); return function(); }
tessera_netdev* tessera_netdev_at(int index) { KERNEL(tessera_netdev_at); return function(index); }
int tessera_netdev_query(tessera_netdev* device, char name[16], struct tessera_netdev_info* info, int* link_up) {
  KERNEL(tessera_netdev_query);
  return function(device, name, info, link_up);
}
int tessera_netdev_attach(tessera_netdev* device, void (*receive)(void*, const void*, size_t), void* consumer) {
  KERNEL(tessera_netdev_attach);
  return function(device, receive, consumer);
}
int tessera_netdev_transmit(tessera_netdev* device, const void* frame, size_t length) {
  KERNEL(tessera_netdev_transmit);
  return function(device, frame, length);
}
void tessera_socket_notify(void) { KERNEL(tessera_socket_notify); function(); }
int tessera_socket_provider_register(const struct tessera_socket_ops* ops) {
  KERNEL(tessera_socket_provider_register);
  return function(ops);
}

}  // extern "C"

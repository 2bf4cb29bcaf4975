#include "libc/errno.hh"

#include "sched/thread.hh"

namespace tessera::libc {
namespace {
// errno before the scheduler adopts the boot thread. Loaded code runs on threads, so
// only early kernel code can ever see this one.
constinit int g_boot_errno = 0;
}  // namespace

int* errno_location() {
  if (Thread* thread = Thread::current()) return &thread->errno_value();
  return &g_boot_errno;
}

}  // namespace tessera::libc

// What a guest context switch costs in hosted mode, measured inside a booted hosted
// kernel: two guest threads yielding to each other (the full scheduler path, including
// the copy of the TLS window), the bare arch::switch_context underneath it, the TLS
// window copy alone, and the arch_prctl(ARCH_SET_FS) system call that moving %fs per
// switch would cost instead of the window copy. Every figure is per switch.
#include <asm/prctl.h>
#include <benchmark/benchmark.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <tessera/platform.hh>

#include "arch/x86_64/context.hh"
#include "guest_runner.hh"
#include "hosted_machine.hh"
#include "sched/scheduler.hh"
#include "sched/thread.hh"
#include "tls_window.hh"

namespace {

using tessera::Scheduler;
using tessera::Thread;
using tessera::linux_host::HostedMachine;
using tessera::linux_host::MachineConfig;
using tessera::linux_host::TlsWindow;

using tessera::bench::run_in_guest;

void report_window(benchmark::State& state) {
  state.counters["tls_window_bytes"] = double(TlsWindow::for_current_thread().size());
}

void BM_GuestContextSwitch(benchmark::State& state) {
  run_in_guest(state, [](benchmark::State& s) {
    static bool stop;
    stop = false;
    auto partner = Thread::try_create("partner", [](void*) {
      while (!stop) Scheduler::yield();
    }, nullptr);
    if (partner.is_error()) {
      s.SkipWithError(partner.error().message());
      return;
    }
    // One yield is a round trip, main -> partner -> main: two switches.
    while (s.KeepRunningBatch(2)) Scheduler::yield();
    stop = true;
    (void)partner.value()->join();
  });
  report_window(state);
  state.SetLabel("Scheduler::yield between two guest threads, per switch");
}
BENCHMARK(BM_GuestContextSwitch)->MinTime(0.2);

struct RawPair {
  tessera::arch::Context main;
  tessera::arch::Context partner;
  const void* main_bottom;
  size_t main_size;
};

void BM_Guest_RawArchSwitch(benchmark::State& state) {
  run_in_guest(state, [](benchmark::State& s) {
    constexpr size_t kStackSize = 64 * 1024;
    static RawPair pair;
    void* stack = std::aligned_alloc(4096, kStackSize);
    tessera::StackBounds bounds = Thread::current()->stack();
    pair.main_bottom = reinterpret_cast<const void*>(bounds.low);
    pair.main_size = bounds.high - bounds.low;
    tessera::arch::prepare_context(pair.partner, stack, kStackSize, [](void*) {
      for (;;) tessera::arch::switch_context(pair.partner, pair.main, pair.main_bottom, pair.main_size);
    }, nullptr);
    while (s.KeepRunningBatch(2)) tessera::arch::switch_context(pair.main, pair.partner, stack, kStackSize);
    std::free(stack);  // the partner is parked inside switch_context; it is simply dropped
  });
  state.SetLabel("arch::switch_context alone: no scheduler, no TLS window, per switch");
}
BENCHMARK(BM_Guest_RawArchSwitch)->MinTime(0.2);

void BM_Guest_TlsWindowSwitch(benchmark::State& state) {
  run_in_guest(state, [](benchmark::State& s) {
    auto other = Thread::try_create("other", [](void*) {}, nullptr);
    if (other.is_error()) {
      s.SkipWithError(other.error().message());
      return;
    }
    uintptr_t mine = Thread::current()->thread_pointer();
    uintptr_t theirs = other.value()->thread_pointer();
    while (s.KeepRunningBatch(2)) {
      tessera::platform::switch_thread_pointer(mine, theirs);
      tessera::platform::switch_thread_pointer(theirs, mine);
    }
    (void)other.value()->join();
  });
  report_window(state);
  state.SetLabel("platform::switch_thread_pointer alone (save + load of the window)");
}
BENCHMARK(BM_Guest_TlsWindowSwitch)->MinTime(0.2);

void BM_Host_ArchPrctlSetFs(benchmark::State& state) {
  unsigned long fs = 0;
  syscall(SYS_arch_prctl, ARCH_GET_FS, &fs);
  for (auto _ : state) {
    // The same value back: what one thread-pointer move per switch would add.
    syscall(SYS_arch_prctl, ARCH_SET_FS, fs);
  }
  state.SetLabel("syscall(arch_prctl, ARCH_SET_FS), what the TLS window avoids");
}
BENCHMARK(BM_Host_ArchPrctlSetFs)->MinTime(0.2);

}  // namespace

BENCHMARK_MAIN();

// What a call across the platform boundary costs a guest in hosted mode, measured from
// inside a booted hosted kernel (the benchmark loop runs as the guest's application).
// Because guest and host share %fs (see docs/architecture.md), a platform call is a
// plain function call; the arch_prctl figure shows what switching %fs would add.
#include <asm/prctl.h>
#include <benchmark/benchmark.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <string>

#include <tessera/platform.hh>

#include "guest_runner.hh"
#include "hosted_machine.hh"

namespace {

using tessera::linux_host::HostedMachine;
using tessera::linux_host::MachineConfig;

using tessera::bench::run_in_guest;

void BM_Guest_PlatformMonotonicNs(benchmark::State& state) {
  run_in_guest(state, [](benchmark::State& s) {
    for (auto _ : s) benchmark::DoNotOptimize(tessera::platform::monotonic_ns());
  });
}
BENCHMARK(BM_Guest_PlatformMonotonicNs)->MinTime(0.2);

void BM_Host_ClockGettime(benchmark::State& state) {
  for (auto _ : state) {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    benchmark::DoNotOptimize(ts);
  }
}
BENCHMARK(BM_Host_ClockGettime)->MinTime(0.2);

void BM_Guest_PlatformTakeEventsNonBlocking(benchmark::State& state) {
  run_in_guest(state, [](benchmark::State& s) {
    for (auto _ : s) benchmark::DoNotOptimize(tessera::platform::take_events(false));
  });
}
BENCHMARK(BM_Guest_PlatformTakeEventsNonBlocking)->MinTime(0.2);

void BM_Host_ArchPrctlSetFsRoundTrip(benchmark::State& state) {
  unsigned long fs = 0;
  syscall(SYS_arch_prctl, ARCH_GET_FS, &fs);
  for (auto _ : state) {
    // Setting FS to its own value: the cost one switch of the thread pointer would add.
    syscall(SYS_arch_prctl, ARCH_SET_FS, fs);
  }
}
BENCHMARK(BM_Host_ArchPrctlSetFsRoundTrip)->MinTime(0.2);

}  // namespace

BENCHMARK_MAIN();

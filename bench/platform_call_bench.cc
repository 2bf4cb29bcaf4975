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

#include "hosted_machine.hh"

namespace {

using tessera::linux_host::HostedMachine;
using tessera::linux_host::MachineConfig;

// Runs `body(state)` as the guest application of a fresh hosted kernel.
template <typename Body> void run_in_guest(benchmark::State& state, Body body) {
  struct Context {
    benchmark::State* state;
    Body* body;
  } context{&state, &body};
  MachineConfig config;
  config.memory_bytes = 16 << 20;
  config.command_line = "loglevel=error";
  config.echo_console = false;
  config.host_app = [](void* raw) {
    auto* c = static_cast<Context*>(raw);
    (*c->body)(*c->state);
    return 0;
  };
  config.host_app_context = &context;
  std::string error;
  auto machine = HostedMachine::create(config, error);
  if (!machine || machine->run() != 0) state.SkipWithError("hosted boot failed");
}

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

// Hosted boot-to-shutdown in this process, side by side with what it replaces for a
// quick experiment: starting a process (fork+exec of /bin/true).
#include <benchmark/benchmark.h>
#include <spawn.h>
#include <sys/wait.h>

#include <string>

#include "hosted_machine.hh"

extern char** environ;

namespace {

using tessera::linux_host::HostedMachine;
using tessera::linux_host::MachineConfig;

void BM_HostedBootToShutdown(benchmark::State& state) {
  MachineConfig config;
  config.memory_bytes = 16 << 20;
  config.command_line = "loglevel=error app=exit";
  config.echo_console = false;
  for (auto _ : state) {
    std::string error;
    auto machine = HostedMachine::create(config, error);
    if (!machine || machine->run() != 0) state.SkipWithError("boot failed");
  }
  state.SetLabel("create + boot + app=exit + shutdown, 16 MiB guest");
}
BENCHMARK(BM_HostedBootToShutdown)->Unit(benchmark::kMicrosecond)->MinTime(0.5);

void BM_ForkExecTrue(benchmark::State& state) {
  char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
  for (auto _ : state) {
    pid_t child;
    if (posix_spawn(&child, "/bin/true", nullptr, nullptr, argv, environ) != 0) {
      state.SkipWithError("posix_spawn failed");
      break;
    }
    int status;
    waitpid(child, &status, 0);
  }
  state.SetLabel("posix_spawn(/bin/true) + waitpid");
}
BENCHMARK(BM_ForkExecTrue)->Unit(benchmark::kMicrosecond)->MinTime(0.5);

}  // namespace

BENCHMARK_MAIN();

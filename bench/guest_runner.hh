#pragma once
// Runs a benchmark body as the application of a freshly booted hosted kernel, so what
// it measures runs in guest context (guest stacks, guest TLS, the kernel's scheduler).
#include <benchmark/benchmark.h>

#include <cstddef>
#include <string>

#include "hosted_machine.hh"

namespace tessera::bench {

template <typename Body> void run_in_guest(benchmark::State& state, Body body, size_t memory_bytes = 16 << 20) {
  struct Context {
    benchmark::State* state;
    Body* body;
  } context{&state, &body};
  linux_host::MachineConfig config;
  config.memory_bytes = memory_bytes;
  config.command_line = "loglevel=error";
  config.echo_console = false;
  config.host_app = [](void* raw) {
    auto* c = static_cast<Context*>(raw);
    (*c->body)(*c->state);
    return 0;
  };
  config.host_app_context = &context;
  std::string error;
  auto machine = linux_host::HostedMachine::create(config, error);
  if (!machine || machine->run() != 0) state.SkipWithError(("hosted boot failed: " + error).c_str());
}

}  // namespace tessera::bench

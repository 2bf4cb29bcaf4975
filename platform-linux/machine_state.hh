#pragma once
// The state of the running hosted machine, shared by hosted_machine.cc (setup, run,
// teardown) and linux_platform.cc (the platform.hh functions the guest calls).
#include "replay_log.hh"
#include "fault_signals.hh"
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <tessera/boot_info.hh>
#include <tessera/platform.hh>

#include "arch/x86_64/context.hh"
#include "host_network.hh"
#include "hosted_machine.hh"
#include "tls_window.hh"

namespace spdlog { class logger; }

namespace tessera::linux_host {

struct HostedMachine::Impl {
  MachineConfig config;

  // Guest RAM and the boot stack (with a PROT_NONE guard page below it).
  void* arena = nullptr;
  size_t arena_size = 0;
  void* boot_stack_mapping = nullptr;
  size_t boot_stack_mapping_size = 0;
  void* image = nullptr;  // read-only mapping of the boot image file
  size_t image_size = 0;

  BootInfo boot_info;
  TlsWindow tls_window;
  std::vector<unsigned char> host_tls;  // the host's own window contents while the guest runs

  arch::Context host_context;
  arch::Context guest_context;
  const void* host_stack_bottom = nullptr;
  size_t host_stack_size = 0;

  boost::asio::io_context io;
  boost::asio::steady_timer timer{io};
  boost::asio::signal_set signals{io};
  uint64_t armed_deadline = platform::kNoDeadline;
  platform::EventMask pending = 0;
  uint64_t last_poll_ns = 0;

  std::unique_ptr<HostNetwork> network;  // null without --net

  std::shared_ptr<spdlog::logger> guest_logger;
  std::string console_line;  // bytes of an unfinished console line
  FaultSignals fault_signals;  // guest faults become the kernel's crash report
  std::unique_ptr<ReplayLog> replay_log;  // --record or --replay; null otherwise

  int exit_status = 0;
  bool ran = false;
};

// The machine whose guest is running now; null between runs.
HostedMachine::Impl* running_machine();
void set_running_machine(HostedMachine::Impl* machine);

// Sends what is left of an unfinished console line.
void flush_console(HostedMachine::Impl& machine);

}  // namespace tessera::linux_host

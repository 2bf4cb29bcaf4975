#pragma once
// One hosted kernel run inside this Linux process: guest RAM is an mmap'd arena,
// kernel_main runs on a guest boot stack reached by an ordinary context switch, and
// platform::exit() switches back here. Machines can be run one after another in the
// same process (benchmarks and fuzzers rely on it); only one runs at a time.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tessera/network_option.hh"

namespace tessera::linux_host {

struct MachineConfig {
  static constexpr size_t kDefaultMemory = 64 * 1024 * 1024;

  size_t memory_bytes = kDefaultMemory;
  std::string command_line;  // kernel options, then "--" and application arguments
  std::string image_path;    // the ROFS boot image, mapped read-only; empty: none
  bool echo_console = true;  // guest console to stdout (through the "guest" logger)
  std::string* console_capture = nullptr;  // also append console bytes here, when set
  // An application compiled into this executable; see BootInfo::host_app.
  int (*host_app)(void* context) = nullptr;
  void* host_app_context = nullptr;
  // Guest network ports (tessera run --net), devices 0, 1, ... with device lines 0, 1, ...
  std::vector<cli::NetworkOption> networks;
  // tessera run --record FILE / --replay FILE (replay_log.hh); at most one.
  std::string record_path;
  std::string replay_path;
};

class HostedMachine {
 public:
  // Errors (memory cannot be reserved, another machine is running) are reported as
  // a message and std::nullopt-like null; the process is never left half set up.
  static std::unique_ptr<HostedMachine> create(const MachineConfig& config, std::string& error);
  ~HostedMachine();
  HostedMachine(const HostedMachine&) = delete;
  HostedMachine& operator=(const HostedMachine&) = delete;

  // Boots the kernel and returns the guest's exit status. Runs once per machine.
  int run();

  struct Impl;

 private:
  explicit HostedMachine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::linux_host

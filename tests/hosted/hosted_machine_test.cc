// Boots whole hosted kernels inside this process: repeated boots must leave nothing
// behind (benchmarks and fuzzers boot thousands), and host state must survive them.
#include <dirent.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "mm/address_sanitizer.hh"
#include "hosted_machine.hh"

namespace {

using tessera::linux_host::HostedMachine;
using tessera::linux_host::MachineConfig;

int run_machine(MachineConfig config, std::string* console = nullptr) {
  config.echo_console = false;
  config.console_capture = console;
  std::string error;
  auto machine = HostedMachine::create(config, error);
  EXPECT_NE(machine, nullptr) << error;
  return machine ? machine->run() : -1;
}

size_t count_entries(const char* directory) {
  size_t n = 0;
  if (DIR* dir = opendir(directory)) {
    while (readdir(dir)) ++n;
    closedir(dir);
  }
  return n;
}

size_t count_lines(const char* path) {
  std::ifstream file(path);
  std::string line;
  size_t n = 0;
  while (std::getline(file, line)) ++n;
  return n;
}

size_t resident_kib() {
  std::ifstream file("/proc/self/status");
  std::string key;
  while (file >> key) {
    if (key == "VmRSS:") {
      size_t kib;
      file >> kib;
      return kib;
    }
    file.ignore(4096, '\n');
  }
  return 0;
}

thread_local int host_thread_local = 1234;

TEST(HostedMachine, RunsTheDemoAndReportsItsStatus) {
  std::string console;
  EXPECT_EQ(run_machine({.command_line = "app=exit -- 7"}, &console), 7);
  EXPECT_NE(console.find("exit: exiting with status 7"), std::string::npos) << console;
}

TEST(HostedMachine, BootsManyTimesInOneProcessWithoutLeaking) {
  MachineConfig config{.memory_bytes = 16 << 20, .command_line = "demo.threads=8 demo.rounds=2"};
  // Warm up once so lazily created host state (loggers, Asio services) exists.
  ASSERT_EQ(run_machine(config), 0);
  size_t fds = count_entries("/proc/self/fd");
  size_t mappings = count_lines("/proc/self/maps");
  size_t rss = resident_kib();
  for (int i = 0; i < 40; ++i) ASSERT_EQ(run_machine(config), 0) << "boot " << i;
  EXPECT_EQ(count_entries("/proc/self/fd"), fds);
  EXPECT_EQ(count_lines("/proc/self/maps"), mappings);
  // Guest RAM is unmapped after each run; allow slack for allocator noise only. Under ASan
  // two bounded things fill in as boots land at different addresses: the shadow of guest
  // RAM the kernel heap poisons (1/8 of each arena) and the kernel heap's allocation
  // history table (kernel/mm/address_sanitizer.cc, 9 MiB). A leaked arena is 16 MiB a boot.
  size_t slack_kib = tessera::asan::kEnabled ? 16 * 1024 : 2048;
  EXPECT_LT(resident_kib(), rss + slack_kib) << "RSS grew from " << rss << " KiB";
}

TEST(HostedMachine, HostThreadLocalsSurviveGuestRuns) {
  host_thread_local = 98765;
  ASSERT_EQ(run_machine({.command_line = ""}), 0);
  EXPECT_EQ(host_thread_local, 98765);
}

int host_app(void* context) {
  *static_cast<int*>(context) += 1;
  return 5;
}

TEST(HostedMachine, RunsAnApplicationCompiledIntoTheHost) {
  int calls = 0;
  MachineConfig config{.host_app = host_app, .host_app_context = &calls};
  EXPECT_EQ(run_machine(config), 5);
  EXPECT_EQ(calls, 1);
}

TEST(HostedMachine, RefusesTooLittleMemoryCleanly) {
  std::string console;
  EXPECT_EQ(run_machine({.memory_bytes = 64 * 1024}, &console), 71);
  EXPECT_NE(console.find("not enough memory"), std::string::npos) << console;
}

}  // namespace

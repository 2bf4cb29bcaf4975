#include "hosted_machine.hh"

#include <pthread.h>
#include <sanitizer/asan_interface.h>
#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <boost/asio/post.hpp>
#include <functional>
#include <cstring>

#include "machine_state.hh"
#include <tessera/exit_status.hh>

namespace tessera::linux_host {
namespace {

constexpr size_t kPage = platform::kPageSize;
// kernel_main and everything it calls before it starts threads run here.
constexpr size_t kBootStackSize = 256 * 1024;

HostedMachine::Impl* g_running = nullptr;

std::shared_ptr<spdlog::logger> guest_logger() {
  // One per process, reused by every machine: spdlog's registry is process-global.
  if (auto existing = spdlog::get("guest")) return existing;
  auto sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("guest", sink);
  logger->set_pattern("%v");
  logger->flush_on(spdlog::level::info);
  spdlog::register_logger(logger);
  return logger;
}

void current_thread_stack(const void*& bottom, size_t& size) {
  pthread_attr_t attributes;
  void* address = nullptr;
  size_t length = 0;
  if (pthread_getattr_np(pthread_self(), &attributes) == 0) {
    pthread_attr_getstack(&attributes, &address, &length);
    pthread_attr_destroy(&attributes);
  }
  bottom = address;
  size = length;
}

// Maps the image file read-only and privately: the guest reads it in place (zero copy),
// and nothing it does can change the file.
// Recorded and replayed runs map guest memory, the boot stack and the image at fixed
// addresses, so that addresses the guest prints (a module's load address) replay too.
constexpr uintptr_t kReplayArena = 0x5e0000000000, kReplayBootStack = 0x5f0000000000, kReplayImage = 0x5f8000000000;

int fixed_if(const HostedMachine::Impl& impl) { return impl.replay_log ? MAP_FIXED_NOREPLACE : 0; }
void* hint(const HostedMachine::Impl& impl, uintptr_t address) {
  return impl.replay_log ? reinterpret_cast<void*>(address) : nullptr;
}

bool map_image(HostedMachine::Impl& impl, const std::string& path, std::string& error) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot open boot image '" + path + "': " + std::strerror(errno);
    return false;
  }
  struct stat info;
  bool ok = fstat(fd, &info) == 0;
  if (ok && !S_ISREG(info.st_mode)) {
    error = "boot image '" + path + "' is not a regular file";
    ok = false;
  } else if (ok && info.st_size == 0) {
    error = "boot image '" + path + "' is empty";
    ok = false;
  } else if (ok) {
    void* mapping = mmap(hint(impl, kReplayImage), size_t(info.st_size), PROT_READ, MAP_PRIVATE | fixed_if(impl), fd, 0);
    if (mapping == MAP_FAILED) {
      error = "cannot map boot image '" + path + "': " + std::strerror(errno);
      ok = false;
    } else {
      impl.image = mapping;
      impl.image_size = size_t(info.st_size);
    }
  } else {
    error = "cannot read boot image '" + path + "': " + std::strerror(errno);
  }
  close(fd);
  return ok;
}

void guest_entry(void* argument) {
  auto& machine = *static_cast<HostedMachine::Impl*>(argument);
  kernel_main(machine.boot_info);
}

}  // namespace

HostedMachine::Impl* running_machine() { return g_running; }
void set_running_machine(HostedMachine::Impl* machine) { g_running = machine; }

void flush_console(HostedMachine::Impl& machine) {
  if (!machine.console_line.empty()) {
    machine.guest_logger->info(machine.console_line);
    machine.console_line.clear();
  }
  machine.guest_logger->flush();
}

namespace {

// What a replay must share with its recording: this very binary (FNV-1a of its bytes),
// the boot image's bytes, the kernel command line and the network ports.
uint64_t fnv1a_of_file(const std::string& path) {
  uint64_t hash = 0xcbf29ce484222325ull;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buffer[1 << 16];
  for (ssize_t got; (got = read(fd, buffer, sizeof buffer)) > 0;)
    for (ssize_t i = 0; i < got; ++i) hash = (hash ^ uint8_t(buffer[i])) * 0x100000001b3ull;
  close(fd);
  return hash;
}

std::string run_identity(const MachineConfig& config) {
  char text[64];
  std::string identity = "binary ";
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(fnv1a_of_file("/proc/self/exe")));
  identity += text;
  std::snprintf(text, sizeof text, " image %016llx",
                static_cast<unsigned long long>(config.image_path.empty() ? 0 : fnv1a_of_file(config.image_path)));
  identity += text;
  identity += " memory " + std::to_string(config.memory_bytes) + " ports " + std::to_string(config.networks.size());
  identity += " command line '" + config.command_line + "'";
  return identity;
}

}  // namespace

std::unique_ptr<HostedMachine> HostedMachine::create(const MachineConfig& config, std::string& error) {
  if (g_running) {
    error = "another hosted machine is running in this process";
    return nullptr;
  }
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  if (!config.record_path.empty() || !config.replay_path.empty()) {
    if (!config.record_path.empty() && !config.replay_path.empty()) {
      error = "--record and --replay exclude each other";
      return nullptr;
    }
    std::string identity = run_identity(config);
    impl->replay_log = config.replay_path.empty() ? ReplayLog::record(config.record_path, identity, error)
                                                  : ReplayLog::replay(config.replay_path, identity, error);
    if (!impl->replay_log) return nullptr;
  }
  // On replay no frame goes out or comes in for real: the network is the recording.
  bool replaying = impl->replay_log && impl->replay_log->replaying();
  if (!config.networks.empty() && !replaying) {
    // Frames arrive on the network's poll thread; the guest learns of them through its
    // Asio loop, so every input still reaches it through take_events().
    Impl* machine = impl.get();
    auto raise_line = [machine](unsigned line) {
      boost::asio::post(machine->io, [machine, line] {
        machine->network->line_taken(line);
        machine->pending |= platform::event::device_line(line);
      });
    };
    impl->network = HostNetwork::create(config.networks, raise_line, error);
    if (!impl->network) return nullptr;
  }
  impl->arena_size = (config.memory_bytes + kPage - 1) & ~(kPage - 1);
  if (impl->arena_size == 0) {
    error = "guest memory size is zero";
    return nullptr;
  }
  // MAP_NORESERVE: guest RAM costs host memory only where the guest touches it.
  impl->arena = mmap(hint(*impl, kReplayArena), impl->arena_size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | fixed_if(*impl), -1, 0);
  if (impl->arena == MAP_FAILED) {
    impl->arena = nullptr;
    error = "cannot reserve " + std::to_string(impl->arena_size) + " bytes of guest memory: " + std::strerror(errno);
    return nullptr;
  }
  impl->boot_stack_mapping_size = kBootStackSize + kPage;
  impl->boot_stack_mapping = mmap(hint(*impl, kReplayBootStack), impl->boot_stack_mapping_size, PROT_READ | PROT_WRITE,
                                  MAP_PRIVATE | MAP_ANONYMOUS | fixed_if(*impl), -1, 0);
  if (impl->boot_stack_mapping == MAP_FAILED) {
    impl->boot_stack_mapping = nullptr;
    munmap(impl->arena, impl->arena_size);
    error = std::string("cannot map the guest boot stack: ") + std::strerror(errno);
    return nullptr;
  }
  mprotect(impl->boot_stack_mapping, kPage, PROT_NONE);  // guard page
  if (!config.image_path.empty() && !map_image(*impl, config.image_path, error)) {
    munmap(impl->boot_stack_mapping, impl->boot_stack_mapping_size);
    munmap(impl->arena, impl->arena_size);
    return nullptr;
  }
  impl->tls_window = TlsWindow::for_current_thread();
  impl->guest_logger = guest_logger();
  return std::unique_ptr<HostedMachine>(new HostedMachine(std::move(impl)));
}

HostedMachine::HostedMachine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HostedMachine::~HostedMachine() {
  if (impl_->image) munmap(impl_->image, impl_->image_size);
  if (impl_->boot_stack_mapping) munmap(impl_->boot_stack_mapping, impl_->boot_stack_mapping_size);
  // The kernel heap poisons guest RAM for ASan (kernel/mm/address_sanitizer.hh); ASan
  // keeps shadow across munmap, so whatever the host maps here next would look poisoned.
  if (impl_->arena) ASAN_UNPOISON_MEMORY_REGION(impl_->arena, impl_->arena_size);
  if (impl_->arena) munmap(impl_->arena, impl_->arena_size);
}

int HostedMachine::run() {
  Impl& m = *impl_;
  if (m.ran) return exit_status::kOsError;
  m.ran = true;

  BootInfo& boot = m.boot_info;
  boot = BootInfo{};
  boot.platform_name = "linux";
  boot.memory[0] = {reinterpret_cast<uintptr_t>(m.arena), m.arena_size};
  boot.memory_region_count = 1;
  boot.command_line = m.config.command_line.c_str();
  boot.boot_image = {reinterpret_cast<uintptr_t>(m.image), m.image_size};
  boot.tls = m.tls_window.tls_template();
  boot.boot_stack_bottom = reinterpret_cast<uintptr_t>(m.boot_stack_mapping) + kPage;
  boot.boot_stack_size = kBootStackSize;
  boot.host_app = m.config.host_app;
  boot.host_app_context = m.config.host_app_context;

  // Ctrl-C and SIGTERM become the guest's shutdown request instead of killing us.
  m.signals.add(SIGINT);
  m.signals.add(SIGTERM);
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&m, &on_signal](const boost::system::error_code& error, int) {
        if (error) return;
        m.pending |= platform::event::kShutdownRequest;
        m.signals.async_wait(on_signal);
      };
  m.signals.async_wait(on_signal);

  m.host_tls.resize(m.tls_window.size());
  m.tls_window.save(m.host_tls.data());
  current_thread_stack(m.host_stack_bottom, m.host_stack_size);
  arch::prepare_context(m.guest_context, reinterpret_cast<void*>(boot.boot_stack_bottom), kBootStackSize,
                        guest_entry, &m);

  if (m.network) m.network->start();
  set_running_machine(&m);
  m.fault_signals.install();
  arch::switch_context(m.host_context, m.guest_context, reinterpret_cast<void*>(boot.boot_stack_bottom),
                       kBootStackSize);
  // Back from platform::exit().
  m.fault_signals.remove();
  set_running_machine(nullptr);
  m.tls_window.restore(m.host_tls.data());
  flush_console(m);
  if (m.network) m.network->stop();

  boost::system::error_code ignored;
  m.timer.cancel();
  m.signals.cancel(ignored);
  m.signals.clear(ignored);
  m.io.restart();
  m.io.poll();  // let cancelled handlers finish so nothing refers to this run
  return m.exit_status;
}

}  // namespace tessera::linux_host

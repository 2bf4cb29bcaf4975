#include "tessera/qemu_runner.hh"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <tessera/exit_status.hh>

namespace tessera::cli {
namespace {

constexpr size_t kMiB = 1024 * 1024;

volatile std::sig_atomic_t g_stop_signal = 0;
void on_stop_signal(int signal) { g_stop_signal = signal; }

std::string shell_quote(const std::string& word) {
  if (!word.empty() && word.find_first_of(" \t\n'\"\\$`*?[]{}()<>|&;!#~") == std::string::npos) return word;
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

void write_all(int fd, const char* bytes, size_t length) {
  for (size_t written = 0; written < length;) {
    ssize_t n = write(fd, bytes + written, length - written);
    if (n < 0 && errno != EINTR) return;
    if (n > 0) written += size_t(n);
  }
}

// Copies what is readable from `fd` through `sink`; false at end of file.
template <typename Sink>
bool pump(int fd, Sink&& sink) {
  char buffer[4096];
  ssize_t got = read(fd, buffer, sizeof buffer);
  if (got < 0) return errno == EINTR || errno == EAGAIN;
  if (got == 0) return false;
  sink(buffer, size_t(got));
  return true;
}



// A line "qemu-system-x86_64: ..." that is not a warning.
bool qemu_reported_error(const std::string& errors, const std::string& qemu) {
  std::string prefix = std::filesystem::path(qemu).filename().string() + ": ";
  size_t at = 0;
  while (at < errors.size()) {
    size_t end = errors.find('\n', at);
    if (end == std::string::npos) end = errors.size();
    std::string line = errors.substr(at, end - at);
    if (line.rfind(prefix, 0) == 0 && line.compare(prefix.size(), 8, "warning:") != 0) return true;
    at = end + 1;
  }
  return false;
}

}  // namespace

void ExitTrailerFilter::feed(const char* bytes, size_t length) {
  std::string data = held_ + std::string(bytes, length);
  held_.clear();
  size_t from = 0;  // everything before `from` has been passed on
  for (;;) {
    size_t start = data.find(kStart, from);
    if (start == std::string::npos) break;
    size_t end = data.find(kEnd, start + kStart.size());
    if (end == std::string::npos) {
      if (data.size() - start > kMaxTrailer) break;  // not a trailer after all
      output_(data.data() + from, start - from);
      held_ = data.substr(start);
      return;
    }
    std::string number = data.substr(start + kStart.size(), end - start - kStart.size());
    bool valid = !number.empty() && number.size() <= 3 && number.find_first_not_of("0123456789") == std::string::npos &&
                 std::stoi(number) <= 255;
    if (valid) {
      output_(data.data() + from, start - from);
      status_ = std::stoi(number);
      from = end + kEnd.size();
    } else {
      output_(data.data() + from, end + kEnd.size() - from);  // a lookalike: pass it on
      from = end + kEnd.size();
    }
  }
  // Hold back what may be the beginning of a trailer split across reads.
  size_t rest = data.size() - from;
  size_t keep = 0;
  for (size_t k = std::min(rest, kStart.size() - 1); k > 0 && keep == 0; --k)
    if (data.compare(data.size() - k, k, kStart, 0, k) == 0) keep = k;
  output_(data.data() + from, rest - keep);
  held_ = data.substr(data.size() - keep);
}

void ExitTrailerFilter::finish() {
  output_(held_.data(), held_.size());
  held_.clear();
}

size_t qemu_memory_bytes(const QemuConfig& config) {
  // 1 MiB of firmware and start_info below the kernel, the kernel image (under 1 MiB with
  // its boot stack), page tables (8 bytes per 4 KiB page), the boot image, and slack
  // for QEMU's own reservations, rounded up to MiB.
  size_t bytes = config.memory_bytes + config.memory_bytes / 512 + config.image_bytes + 4 * kMiB;
  return (bytes + kMiB - 1) / kMiB * kMiB;
}

namespace {

// QEMU splits option values at commas; a doubled comma is a literal one.
std::string option_value(const std::string& value) {
  std::string escaped;
  for (char c : value) escaped += c == ',' ? std::string(",,") : std::string(1, c);
  return escaped;
}

std::string network_mac(size_t index) {
  char mac[18];
  std::snprintf(mac, sizeof mac, "52:54:00:12:34:%02x", unsigned(0x56 + index));
  return mac;
}

std::vector<std::string> network_arguments(const QemuConfig& config) {
  std::vector<std::string> arguments;
  for (size_t i = 0; i < config.networks.size(); ++i) {
    const NetworkOption& network = config.networks[i];
    std::string id = "net" + std::to_string(i);
    std::string netdev;
    if (network.backend == NetworkOption::Backend::kTap) {
      // script=no: QEMU must not run /etc/qemu-ifup; the TAP device is the user's, set up
      // beforehand (tessera never configures host interfaces).
      netdev = "tap,id=" + id + ",ifname=" + option_value(network.tap_name) + ",script=no,downscript=no";
    } else {
      netdev = "user,id=" + id;
      for (const PortForward& forward : network.forwards)
        netdev += ",hostfwd=" + option_value(forward.protocol) + ":" + option_value(forward.host_address) + ":" +
                  std::to_string(forward.host_port) + "-" + option_value(forward.guest_address) + ":" +
                  std::to_string(forward.guest_port);
    }
    // The MAC is explicit so it does not depend on how many NICs QEMU made before this
    // one: 52:54:00:12:34:56 is the first, as on the hosted platform.
    std::string device = config.machine == "microvm" ? "virtio-net-device" : "virtio-net-pci";
    device += ",netdev=" + id + ",mac=" + network_mac(i);
    // Modern virtio only (1.x, device id 0x1041): one code path in the driver, memory
    // BARs with the vendor capabilities, no I/O port BAR. romfile= skips the iPXE option
    // ROM that SeaBIOS would otherwise load and run at every boot.
    if (config.machine != "microvm") device += ",disable-legacy=on,disable-modern=off,romfile=";
    arguments.insert(arguments.end(), {"-netdev", netdev, "-device", device});
  }
  // virtio-mmio transports are legacy (version 1) by default in QEMU; the driver speaks
  // virtio 1.x (version 2) only.
  if (config.machine == "microvm" && !config.networks.empty())
    arguments.insert(arguments.end(), {"-global", "virtio-mmio.force-legacy=false"});
  return arguments;
}

}  // namespace

std::vector<std::string> qemu_command(const QemuConfig& config) {
  std::vector<std::string> command{config.qemu};
  // microvm has no PCI and the guest reads no ACPI: QEMU describes its virtio-mmio
  // windows on the kernel command line ("virtio_mmio.device=512@0xfeb00e00:12", appended
  // after our words) only with auto-kernel-cmdline on and ACPI off (with ACPI on they
  // are in the DSDT instead). platform-vm takes those words off again before the
  // kernel, which parses its command line strictly, sees it (platform-vm/vm_devices.cc).
  // Without networks there is nothing to declare and the machine stays as it was.
  if (config.machine == "microvm")
    command.insert(command.end(),
                   {"-M", config.networks.empty() ? "microvm,auto-kernel-cmdline=off" : "microvm,auto-kernel-cmdline=on,acpi=off"});
  else
    command.insert(command.end(), {"-M", config.machine});
  // SeaBIOS (q35's firmware) would write its banner to the same serial port the guest's
  // console uses; port 0 turns its serial console off so the console is the kernel's alone.
  if (config.machine == "q35") command.insert(command.end(), {"-fw_cfg", "name=etc/sercon-port,string=0"});
  // KVM when asked (the same kernel runs unchanged), TCG otherwise. Not chosen from the
  // mere presence of /dev/kvm: on these CI machines it exists, yet a nested guest hangs.
  if (config.use_kvm) command.insert(command.end(), {"-accel", "kvm", "-cpu", "host"});
  else command.insert(command.end(), {"-accel", "tcg"});
  command.insert(command.end(), {"-m", std::to_string(qemu_memory_bytes(config) / kMiB) + "M"});
  command.insert(command.end(), {"-kernel", config.kernel_path});
  if (!config.image_path.empty()) command.insert(command.end(), {"-initrd", config.image_path});
  // The platform reads its own words first (platform-vm/vm_start.cc) and hands the
  // kernel exactly --memory bytes of RAM, as the hosted platform does.
  std::string append = "platform.ram=" + std::to_string(config.memory_bytes);
  if (config.verbose) append += " platform.verbose=1";
  if (!config.command_line.empty()) append += " " + config.command_line;
  command.insert(command.end(), {"-append", append});
  command.insert(command.end(), {"-nodefaults", "-no-reboot", "-nographic", "-serial", "stdio", "-monitor", "none",
                                 "-display", "none", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"});
  auto networks = network_arguments(config);
  command.insert(command.end(), networks.begin(), networks.end());
  if (config.gdb_port) command.insert(command.end(), {"-gdb", "tcp:127.0.0.1:" + std::to_string(config.gdb_port), "-S"});
  return command;
}

std::optional<int> guest_status_from_qemu(int qemu_status) {
  if (qemu_status % 2 == 0) return std::nullopt;
  return (qemu_status - 1) / 2;
}

std::string default_vm_kernel_path() {
  std::error_code error;
  auto executable = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return "tessera-vm.elf";
  return (executable.parent_path() / "tessera-vm.elf").string();
}

int run_qemu(const QemuConfig& config) {
  auto host_log = spdlog::get("tessera");
  auto command = qemu_command(config);
  if (config.verbose) {
    std::string shown;
    for (const auto& word : command) shown += (shown.empty() ? "" : " ") + shell_quote(word);
    host_log->info("{}", shown);
  }
  if (!std::filesystem::exists(config.kernel_path)) {
    host_log->error("the VM kernel {} does not exist (build the tessera_vm_kernel target)", config.kernel_path);
    return exit_status::kOsError;
  }

  int in_pipe[2], out_pipe[2], err_pipe[2], exec_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0 ||
      pipe2(exec_pipe, O_CLOEXEC) != 0) {
    host_log->error("cannot create pipes for QEMU: {}", std::strerror(errno));
    return exit_status::kOsError;
  }
  std::vector<char*> argv;
  for (auto& word : command) argv.push_back(word.data());
  argv.push_back(nullptr);

  pid_t parent = getpid();
  pid_t child = fork();
  if (child < 0) {
    host_log->error("cannot start QEMU: fork: {}", std::strerror(errno));
    return exit_status::kOsError;
  }
  if (child == 0) {
    // stdin is our pipe, not the terminal: QEMU must not put a terminal into raw mode
    // (the guest's "\n" would then not return the carriage), and the serial input is
    // how we ask the guest to shut down.
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    // Our own process group: Ctrl-C reaches tessera, which stops QEMU deliberately.
    setpgid(0, 0);
    // And if tessera dies without doing so (SIGKILL, a crash), QEMU goes too.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    execvp(argv[0], argv.data());
    int error = errno;
    (void)!write(exec_pipe[1], &error, sizeof error);
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  close(exec_pipe[1]);
  int exec_error = 0;
  if (read(exec_pipe[0], &exec_error, sizeof exec_error) == sizeof exec_error) {
    close(exec_pipe[0]);
    close(in_pipe[1]);
    close(out_pipe[0]);
    close(err_pipe[0]);
    waitpid(child, nullptr, 0);
    if (exec_error == ENOENT)
      host_log->error("{} not found: install QEMU (Debian/Ubuntu: apt-get install qemu-system-x86)", config.qemu);
    else
      host_log->error("cannot run {}: {}", config.qemu, std::strerror(exec_error));
    return exit_status::kOsError;
  }
  close(exec_pipe[0]);

  struct sigaction action {}, old_int {}, old_term {}, ignore {}, old_pipe {};
  action.sa_handler = on_stop_signal;  // no SA_RESTART: poll() returns EINTR
  sigemptyset(&action.sa_mask);
  g_stop_signal = 0;
  sigaction(SIGINT, &action, &old_int);
  sigaction(SIGTERM, &action, &old_term);
  ignore.sa_handler = SIG_IGN;  // QEMU may be gone when we write the shutdown byte
  sigaction(SIGPIPE, &ignore, &old_pipe);

  // The first Ctrl-C (or SIGTERM) asks the guest to shut down; a second one, or a guest
  // that has not exited kShutdownGraceMs later, stops QEMU.
  constexpr int kShutdownGraceMs = 10000;
  std::string qemu_errors;
  // QEMU's stderr passes through line by line, less the warning that our own
  // -fw_cfg etc/sercon-port (the name SeaBIOS reads) always causes.
  size_t forwarded = 0;
  auto forward_stderr_lines = [&](bool at_end) {
    for (;;) {
      size_t newline = qemu_errors.find('\n', forwarded);
      if (newline == std::string::npos && !at_end) return;
      size_t end = newline == std::string::npos ? qemu_errors.size() : newline + 1;
      if (end == forwarded) return;
      std::string_view line(qemu_errors.data() + forwarded, end - forwarded);
      if (line.find("etc/sercon-port") == std::string_view::npos) write_all(2, line.data(), line.size());
      forwarded = end;
    }
  };
  ExitTrailerFilter console([](const char* bytes, size_t length) { write_all(1, bytes, length); });
  bool out_open = true, err_open = true, requested = false, killed = false;
  int signals_seen = 0;
  auto request_time = std::chrono::steady_clock::now();
  while (out_open || err_open) {
    if (g_stop_signal) {
      g_stop_signal = 0;
      ++signals_seen;
      if (!requested) {
        requested = true;
        request_time = std::chrono::steady_clock::now();
        const char kShutdownByte = 0x03;
        (void)!write(in_pipe[1], &kShutdownByte, 1);
      }
    }
    if (requested && !killed &&
        (signals_seen > 1 || std::chrono::steady_clock::now() - request_time > std::chrono::milliseconds(kShutdownGraceMs))) {
      killed = true;
      kill(child, SIGTERM);  // QEMU terminates cleanly on SIGTERM
    }
    pollfd fds[2] = {{out_open ? out_pipe[0] : -1, POLLIN, 0}, {err_open ? err_pipe[0] : -1, POLLIN, 0}};
    if (poll(fds, 2, requested ? 100 : -1) < 0) continue;  // EINTR: a signal; handled at the top
    if (out_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
      out_open = pump(out_pipe[0], [&](const char* bytes, size_t length) { console.feed(bytes, length); });
    if (err_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
      err_open = pump(err_pipe[0], [&](const char* bytes, size_t length) {
        qemu_errors.append(bytes, length);
        forward_stderr_lines(false);
      });
  }
  forward_stderr_lines(true);
  console.finish();
  close(in_pipe[1]);
  close(out_pipe[0]);
  close(err_pipe[0]);
  int wait_status = 0;
  while (waitpid(child, &wait_status, 0) < 0 && errno == EINTR) {
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  sigaction(SIGPIPE, &old_pipe, nullptr);

  if (killed) return exit_status::kInterrupted;
  if (console.status()) return *console.status();
  if (WIFSIGNALED(wait_status)) {
    host_log->error("QEMU was killed by signal {}", strsignal(WTERMSIG(wait_status)));
    return exit_status::kOsError;
  }
  int qemu_status = WEXITSTATUS(wait_status);
  // QEMU's own failures (bad option, cannot load the kernel) exit with 1, which is also
  // what a guest exit(0) looks like; QEMU names itself on stderr when it fails.
  if (qemu_status == 1 && qemu_reported_error(qemu_errors, config.qemu)) {
    host_log->error("QEMU failed (see above)");
    return exit_status::kOsError;
  }
  auto status = guest_status_from_qemu(qemu_status);
  if (!status) {
    host_log->error("QEMU exited with status {} without the guest reporting one through isa-debug-exit",
                    qemu_status);
    return exit_status::kOsError;
  }
  return *status;
}

}  // namespace tessera::cli

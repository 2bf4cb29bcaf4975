// The hosted network backends alone, without a network stack: hand-made frames through
// the ports, libslirp's DHCP server and port forwards, TAP in a network namespace, and a
// hosted machine that sees its ports as devices whose lines fire.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "host_network.hh"
#include "hosted_machine.hh"
#include "sched/scheduler.hh"
#include "tessera/network_option.hh"
#include "test_frames.hh"

extern char** environ;

namespace {

using namespace std::chrono_literals;
using namespace tessera::test_frames;
using tessera::cli::NetworkOption;
using tessera::linux_host::HostNetwork;

constexpr Mac kQemuMac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

std::vector<NetworkOption> options(std::initializer_list<std::string> specs) {
  std::vector<NetworkOption> parsed;
  for (const auto& spec : specs) {
    auto option = tessera::cli::parse_network_option(spec);
    EXPECT_TRUE(option) << option.error();
    if (option) parsed.push_back(*option);
  }
  return parsed;
}

uint16_t free_tcp_port() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{.sin_family = AF_INET, .sin_port = 0, .sin_addr = {htonl(INADDR_LOOPBACK)}};
  bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(s, reinterpret_cast<sockaddr*>(&address), &length);
  close(s);
  return ntohs(address.sin_port);
}

// A HostNetwork whose line events are recorded: the test plays the guest's driver.
class Ports {
 public:
  explicit Ports(std::vector<NetworkOption> specs) {
    network_ = HostNetwork::create(
        specs,
        [this](unsigned line) {
          std::lock_guard lock(mutex_);
          lines_.push_back(line);
          network_->line_taken(line);
          changed_.notify_all();
        },
        error_);
    if (network_) network_->start();
  }
  HostNetwork* operator->() { return network_.get(); }
  explicit operator bool() const { return network_ != nullptr; }
  const std::string& error() const { return error_; }
  size_t line_events(unsigned line) {
    std::lock_guard lock(mutex_);
    return size_t(std::count(lines_.begin(), lines_.end(), line));
  }

  // Hands every frame port 0 receives to `on_frame` until it returns true or time runs out.
  bool pump(const std::function<bool(const Frame&)>& on_frame, std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    Frame frame(2048);
    for (;;) {
      size_t seen = lines_seen();
      for (long n; (n = network_->port(0).receive(frame.data(), frame.size())) != 0;) {
        if (n < 0) continue;
        if (on_frame(Frame(frame.begin(), frame.begin() + n))) return true;
      }
      std::unique_lock lock(mutex_);
      if (!changed_.wait_until(lock, deadline, [&] { return lines_.size() != seen; })) return false;
    }
  }

 private:
  size_t lines_seen() {
    std::lock_guard lock(mutex_);
    return lines_.size();
  }
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<unsigned> lines_;
  std::string error_;
  std::unique_ptr<HostNetwork> network_;
};

TEST(SlirpPort, AnswersDhcpDiscoverWithAnOffer) {
  Ports ports(options({"user"}));
  ASSERT_TRUE(ports) << ports.error();
  auto& port = ports->port(0);
  ASSERT_EQ(Mac({port.mac()[0], port.mac()[1], port.mac()[2], port.mac()[3], port.mac()[4], port.mac()[5]}), kQemuMac);
  EXPECT_EQ(port.mtu(), 1500);
  Frame discover = dhcp_discover(kQemuMac, 0x7e55e7a);
  ASSERT_EQ(port.send(discover.data(), discover.size()), 0);
  DhcpReply offer;
  EXPECT_TRUE(ports.pump([&](const Frame& f) { return (offer = parse_dhcp_reply(f)).valid; }))
      << "no DHCP reply from libslirp";
  EXPECT_EQ(offer.message_type, 2) << "not a DHCPOFFER";
  EXPECT_EQ(offer.xid, 0x7e55e7au);
  EXPECT_EQ(offer.your_address, ip("10.0.2.15"));
  EXPECT_GE(ports.line_events(0), 1u);
}

TEST(SlirpPort, ForwardedHostConnectionReachesTheGuestAsASyn) {
  uint16_t host_port = free_tcp_port();
  Ports ports(options({"user,hostfwd=tcp:127.0.0.1:" + std::to_string(host_port) + "-:80"}));
  ASSERT_TRUE(ports) << ports.error();
  int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{.sin_family = AF_INET, .sin_port = htons(host_port), .sin_addr = {htonl(INADDR_LOOPBACK)}};
  ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address), 0) << strerror(errno);
  bool arp_answered = false;
  // libslirp asks who 10.0.2.15 is before it can send the SYN there.
  EXPECT_TRUE(ports.pump([&](const Frame& f) {
    if (auto request = parse_arp_request(f); request.valid && request.target_ip == ip("10.0.2.15")) {
      Frame reply = arp_reply(request, kQemuMac);
      EXPECT_EQ(ports->port(0).send(reply.data(), reply.size()), 0);
      arp_answered = true;
      return false;
    }
    return is_tcp_syn_to(f, ip("10.0.2.15"), 80);
  })) << "no SYN for guest port 80";
  EXPECT_TRUE(arp_answered);
  close(client);
}

// libslirp listens with a backlog of 1; the port raises it so that bursts of clients
// are not left retrying SYNs. With no poll thread nothing accepts, so every connection
// that completes at once is one the listen queue holds.
TEST(SlirpPort, ForwardAcceptsABurstOfClients) {
  uint16_t host_port = free_tcp_port();
  std::string error;
  auto network = HostNetwork::create(options({"user,hostfwd=tcp:127.0.0.1:" + std::to_string(host_port) + "-:80"}),
                                     [](unsigned) {}, error);
  ASSERT_NE(network, nullptr) << error;
  constexpr int kClients = 16;
  std::vector<pollfd> clients;
  sockaddr_in address{.sin_family = AF_INET, .sin_port = htons(host_port), .sin_addr = {htonl(INADDR_LOOPBACK)}};
  for (int i = 0; i < kClients; ++i) {
    int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address);
    clients.push_back({client, POLLOUT, 0});
  }
  auto deadline = std::chrono::steady_clock::now() + 300ms;
  int connected = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    poll(clients.data(), clients.size(), 50);
    connected = 0;
    for (auto& client : clients) connected += (client.revents & POLLOUT) != 0;
    if (connected == kClients) break;
  }
  EXPECT_EQ(connected, kClients) << "the forward's listen queue holds fewer than " << kClients << " connections";
  for (auto& client : clients) close(client.fd);
}

TEST(SlirpPort, RefusesAForwardFromAPortInUse) {
  int holder = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{.sin_family = AF_INET, .sin_port = 0, .sin_addr = {htonl(INADDR_LOOPBACK)}};
  ASSERT_EQ(bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(holder, 1), 0);
  socklen_t length = sizeof address;
  getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length);
  std::string port = std::to_string(ntohs(address.sin_port));
  Ports ports(options({"user,hostfwd=tcp:127.0.0.1:" + port + "-:80"}));
  EXPECT_FALSE(ports);
  EXPECT_EQ(ports.error(), "--net user,hostfwd=tcp:127.0.0.1:" + port + "-:80: cannot forward host tcp 127.0.0.1:" +
                               port + " to guest 10.0.2.15:80: host port " + port + " is already in use");
  close(holder);
}

TEST(SlirpPort, RefusesAForwardFromAnAddressNotOfThisHost) {
  Ports ports(options({"user,hostfwd=tcp:192.0.2.1:8080-:80"}));
  EXPECT_FALSE(ports);
  EXPECT_NE(ports.error().find("192.0.2.1 is not an address of this host"), std::string::npos) << ports.error();
}

TEST(SlirpPort, RefusesOversizedFrames) {
  Ports ports(options({"user"}));
  ASSERT_TRUE(ports) << ports.error();
  Frame jumbo(1515);
  EXPECT_EQ(ports->port(0).send(jumbo.data(), jumbo.size()), EMSGSIZE);
}

// --- The ports as devices of a booted hosted machine -----------------------------------

size_t count_entries(const char* directory) {
  size_t n = 0;
  if (DIR* dir = opendir(directory)) {
    while (readdir(dir)) ++n;
    closedir(dir);
  }
  return n;
}

struct GuestRun {
  size_t ports = 1;
  std::string failure;  // empty: every check inside the guest passed
  bool line_fired = false;
  DhcpReply offer;
};

void on_line(tessera::platform::EventMask, void* context) { static_cast<GuestRun*>(context)->line_fired = true; }

// Runs inside the guest: the platform calls a network driver makes.
int dhcp_app(void* context) {
  namespace platform = tessera::platform;
  auto& run = *static_cast<GuestRun*>(context);
  platform::Device device;
  if (!platform::device_at(0, &device) || device.kind != platform::DeviceKind::kHostNetwork || device.base != 0 ||
      device.line != 0) {
    run.failure = "device 0 is not host network port 0 on line 0";
    return 1;
  }
  if (!platform::device_at(run.ports - 1, &device) || device.base != run.ports - 1 ||
      platform::device_at(run.ports, &device)) {
    run.failure = "not one device per --net";
    return 1;
  }
  auto info = platform::host_network_info(0);
  if (info.is_error() || info.value().mtu != 1500 || std::memcmp(info.value().mac, kQemuMac.data(), 6) != 0) {
    run.failure = "host_network_info(0) is not QEMU's MAC with MTU 1500";
    return 1;
  }
  tessera::Scheduler::set_event_handler(platform::event::device_line(0), on_line, &run);
  Frame discover = dhcp_discover(kQemuMac, 42);
  if (platform::host_network_send(0, discover.data(), discover.size()).is_error()) {
    run.failure = "host_network_send failed";
    return 1;
  }
  Frame frame(2048);
  for (int waited = 0; waited < 5000 && !run.offer.valid; ++waited) {
    tessera::Scheduler::sleep_for(1'000'000);
    for (;;) {
      auto got = platform::host_network_receive(0, frame.data(), frame.size());
      if (got.is_error() || got.value() == 0) break;
      run.offer = parse_dhcp_reply(Frame(frame.begin(), frame.begin() + long(got.value())));
      if (run.offer.valid) break;
    }
  }
  tessera::Scheduler::set_event_handler(platform::event::device_line(0), nullptr, nullptr);
  if (!platform::host_network_info(unsigned(run.ports)).is_error()) run.failure = "a port past the last exists";
  return run.offer.valid ? 0 : 2;
}

int boot(GuestRun& run, std::vector<NetworkOption> networks, std::string* error = nullptr) {
  tessera::linux_host::MachineConfig config{.memory_bytes = 16 << 20, .echo_console = false,
                                             .host_app = dhcp_app, .host_app_context = &run};
  config.networks = std::move(networks);
  std::string message;
  auto machine = tessera::linux_host::HostedMachine::create(config, message);
  if (error) *error = message;
  if (!machine) return -1;
  return machine->run();
}

TEST(HostedNetwork, GuestSeesThePortAndItsLineFires) {
  GuestRun run;
  EXPECT_EQ(boot(run, options({"user"})), 0) << run.failure;
  EXPECT_EQ(run.failure, "");
  EXPECT_TRUE(run.offer.valid);
  EXPECT_EQ(run.offer.your_address, ip("10.0.2.15"));
  EXPECT_TRUE(run.line_fired) << "the offer arrived without a device-line event";
}

TEST(HostedNetwork, ForwardInUseFailsTheMachineCleanly) {
  uint16_t port = free_tcp_port();
  int holder = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = {htonl(INADDR_LOOPBACK)}};
  ASSERT_EQ(bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(holder, 1), 0);
  GuestRun run;
  std::string error;
  EXPECT_EQ(boot(run, options({"user,hostfwd=tcp::" + std::to_string(port) + "-:80"}), &error), -1);
  EXPECT_NE(error.find("host port " + std::to_string(port) + " is already in use"), std::string::npos) << error;
  close(holder);
}

TEST(HostedNetwork, RepeatedBootsLeaveNoThreadsOrDescriptors) {
  GuestRun warm_up;
  ASSERT_EQ(boot(warm_up, options({"user"})), 0) << warm_up.failure;
  size_t fds = count_entries("/proc/self/fd");
  size_t threads = count_entries("/proc/self/task");
  for (int i = 0; i < 20; ++i) {
    GuestRun run{.ports = 2};
    ASSERT_EQ(boot(run, options({"user,hostfwd=tcp::" + std::to_string(free_tcp_port()) + "-:80", "user"})), 0)
        << "boot " << i << ": " << run.failure;
  }
  EXPECT_EQ(count_entries("/proc/self/fd"), fds);
  EXPECT_EQ(count_entries("/proc/self/task"), threads);
}

// --- TAP, in a network namespace of its own -------------------------------------------

// Why the TAP test cannot run here, or empty.
std::string tap_unavailable() {
  if (geteuid() != 0) return "needs root (creates a network namespace and a TAP interface)";
  struct stat info;
  if (stat("/dev/net/tun", &info) != 0) return "/dev/net/tun is missing";
  return "";
}

int run_command(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); }

// In the child, inside a fresh network namespace: the host pings the guest through the
// TAP interface; the test answers ARP and ICMP as the guest's stack would. Returns the
// failure, or "" when the ping succeeded.
std::string ping_through_tap() {
  if (unshare(CLONE_NEWNET) != 0) return std::string("unshare(CLONE_NEWNET): ") + strerror(errno);
  std::string name = "tsr" + std::to_string(getpid());
  Ports ports(options({"tap,ifname=" + name}));
  if (!ports) return "TAP port: " + ports.error();
  if (run_command("ip link set lo up && ip addr add 10.0.3.1/24 dev " + name + " && ip link set " + name + " up"))
    return "cannot configure " + name + " with ip";
  Mac mac;
  std::memcpy(mac.data(), ports->port(0).mac(), 6);
  if ((mac[0] & 0x03) != 0x02) return "guest MAC is not locally administered unicast";
  pid_t ping = 0;
  const char* argv[] = {"ping", "-c", "1", "-W", "5", "10.0.3.15", nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  if (posix_spawnp(&ping, "ping", &actions, nullptr, const_cast<char**>(argv), environ) != 0)
    return "cannot start ping (iputils-ping)";
  bool saw_arp = false, saw_echo = false;
  int status = -1;
  ports.pump([&](const Frame& f) {
    if (auto request = parse_arp_request(f); request.valid && request.target_ip == ip("10.0.3.15")) {
      saw_arp = true;
      Frame reply = arp_reply(request, mac);
      ports->port(0).send(reply.data(), reply.size());
    } else if (is_echo_request_to(f, ip("10.0.3.15"))) {
      saw_echo = true;
      Frame reply = echo_reply(f);
      ports->port(0).send(reply.data(), reply.size());
    }
    return saw_echo;
  }, 8s);
  waitpid(ping, &status, 0);
  if (!saw_arp) return "no ARP request for 10.0.3.15 reached the guest side";
  if (!saw_echo) return "no ICMP echo request reached the guest side";
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "ping got no reply through the TAP interface";
  return "";
}

TEST(TapPort, HostPingReachesTheGuestSideInANamespace) {
  if (auto reason = tap_unavailable(); !reason.empty()) GTEST_SKIP() << reason;
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipe_fds[0]);
    std::string failure = ping_through_tap();
    (void)!write(pipe_fds[1], failure.data(), failure.size());
    _exit(failure.empty() ? 0 : 1);
  }
  close(pipe_fds[1]);
  std::string failure;
  char buffer[256];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) > 0;) failure.append(buffer, size_t(n));
  close(pipe_fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << failure;
  EXPECT_EQ(failure, "");
}

TEST(TapPort, RefusesWithoutPrivilegeNamingTheCause) {
  if (geteuid() != 0) {
    Ports ports(options({"tap,ifname=tsr" + std::to_string(getpid())}));
    ASSERT_FALSE(ports);
    EXPECT_NE(ports.error().find("need root or CAP_NET_ADMIN"), std::string::npos) << ports.error();
    return;
  }
  // As root: drop CAP_NET_ADMIN in a child and check the message there.
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (setresuid(65534, 65534, 65534) != 0) _exit(2);
    Ports ports(options({"tap,ifname=tsr" + std::to_string(getpid())}));
    _exit(!ports && ports.error().find("TAP interfaces need root or CAP_NET_ADMIN") != std::string::npos ? 0 : 1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

}  // namespace

// Frames per second through the hosted `--net user` port (libslirp), without a network
// stack: the benchmark plays the guest's driver with hand-made UDP frames. Both ways
// cross the poll thread (libslirp runs only there) and one of the port's frame queues. The reference is the same datagrams over a plain
// loopback UDP socket pair.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>

#include "host_network.hh"
#include "hosted/test_frames.hh"

namespace {

using namespace tessera::test_frames;
using tessera::cli::NetworkOption;
using tessera::cli::PortForward;
using tessera::linux_host::HostNetwork;

constexpr Mac kGuestMac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
constexpr Mac kSlirpMac = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};  // libslirp's own MAC (any works)
constexpr size_t kPayload = 64;
constexpr int kBatch = 32;

int udp_socket(uint16_t& port) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_in address{.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = {htonl(INADDR_LOOPBACK)}};
  bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(s, reinterpret_cast<sockaddr*>(&address), &length);
  port = ntohs(address.sin_port);
  int size = 4 << 20;
  setsockopt(s, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  return s;
}

std::unique_ptr<HostNetwork> open_user(std::vector<PortForward> forwards) {
  NetworkOption option;
  option.spec = "user";
  option.forwards = std::move(forwards);
  std::string error;
  // The benchmark polls the queue instead of waiting for line events.
  return HostNetwork::create({option}, [](unsigned) {}, error);
}

// Guest frames to the host's address 10.0.2.2 arrive on a host UDP socket, kBatch at a time.
void BM_SlirpGuestToHostUdp(benchmark::State& state) {
  uint16_t port = 0;
  int host = udp_socket(port);
  auto network = open_user({});
  network->start();
  Frame frame = udp_frame(kSlirpMac, kGuestMac, ip("10.0.2.15"), ip("10.0.2.2"), 40000, port, kPayload);
  auto& guest_port = network->port(0);
  char buffer[2048];
  int64_t received = 0;
  for (auto _ : state) {
    for (int i = 0; i < kBatch;)
      if (guest_port.send(frame.data(), frame.size()) == 0) ++i;
    for (int got = 0; got < kBatch;) {
      pollfd readable{host, POLLIN, 0};
      if (poll(&readable, 1, 1000) != 1) {
        state.SkipWithError("datagrams lost between guest and host");
        break;
      }
      while (got < kBatch && recv(host, buffer, sizeof buffer, 0) > 0) ++got;
    }
    received += kBatch;
  }
  state.SetItemsProcessed(received);
  network.reset();
  close(host);
}
BENCHMARK(BM_SlirpGuestToHostUdp)->MinTime(0.5)->UseRealTime();

// Host datagrams to a forwarded UDP port arrive as frames for the guest, kBatch at a time.
void BM_SlirpHostToGuestUdp(benchmark::State& state) {
  uint16_t forwarded = 0;
  int probe = udp_socket(forwarded);
  close(probe);  // a free port number for the forward
  auto network = open_user({PortForward{.protocol = "udp", .host_port = forwarded, .guest_port = 7}});
  if (!network) {
    state.SkipWithError("cannot open the slirp port");
    return;
  }
  network->start();
  auto& guest_port = network->port(0);
  uint16_t client_port = 0;
  int client = udp_socket(client_port);
  sockaddr_in to{.sin_family = AF_INET, .sin_port = htons(forwarded), .sin_addr = {htonl(INADDR_LOOPBACK)}};
  char payload[kPayload] = {};
  Frame buffer(2048);
  int64_t received = 0;
  bool failed = false;
  // Teach libslirp the guest's MAC first, as the guest's ARP reply would.
  auto wait_frames = [&](int wanted) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    int got = 0;
    while (got < wanted) {
      long n = guest_port.receive(buffer.data(), buffer.size());
      if (n > 0) {
        Frame f(buffer.begin(), buffer.begin() + n);
        if (auto request = parse_arp_request(f); request.valid) {
          Frame reply = arp_reply(request, kGuestMac);
          guest_port.send(reply.data(), reply.size());
        } else if (is_udp_to(f, ip("10.0.2.15"), 7)) {
          ++got;
        }
        network->line_taken(0);
      } else if (std::chrono::steady_clock::now() > deadline) {
        return false;
      }
    }
    return true;
  };
  sendto(client, payload, sizeof payload, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  if (!wait_frames(1)) {
    state.SkipWithError("no frame for the guest");
    failed = true;
  }
  for (auto _ : state) {
    if (failed) break;
    for (int i = 0; i < kBatch; ++i) sendto(client, payload, sizeof payload, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    if (!wait_frames(kBatch)) {
      state.SkipWithError("frames lost between host and guest");
      failed = true;
      break;
    }
    received += kBatch;
  }
  state.SetItemsProcessed(received);
  network.reset();
  close(client);
}
BENCHMARK(BM_SlirpHostToGuestUdp)->MinTime(0.5)->UseRealTime();

// The reference: the same datagrams, kBatch at a time, over loopback UDP.
void BM_HostLoopbackUdp(benchmark::State& state) {
  uint16_t server_port = 0, client_port = 0;
  int server = udp_socket(server_port), client = udp_socket(client_port);
  sockaddr_in to{.sin_family = AF_INET, .sin_port = htons(server_port), .sin_addr = {htonl(INADDR_LOOPBACK)}};
  char payload[kPayload] = {}, buffer[2048];
  int64_t received = 0;
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) sendto(client, payload, sizeof payload, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    for (int got = 0; got < kBatch;)
      if (recv(server, buffer, sizeof buffer, 0) > 0) ++got;
    received += kBatch;
  }
  state.SetItemsProcessed(received);
  close(server);
  close(client);
}
BENCHMARK(BM_HostLoopbackUdp)->MinTime(0.5)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();

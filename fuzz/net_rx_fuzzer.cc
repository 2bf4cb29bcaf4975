// Raw Ethernet frames into the network receive path: a fake network device registered
// with the kernel hands each frame to tessera_netdev_receive, net-lwip's receive callback
// copies it into a pbuf for lwIP's tcpip thread, and lwIP delivers what survives to a
// listening TCP socket (port 80) and a bound UDP socket (port 7777), which the fuzzer
// drains through the kernel's socket calls (accepting, reading, answering, closing).
// lwIP and the glue are compiled in (net_rx_kernel.cc says how they reach the kernel).
//
// Input: frames, each as a 2-byte big-endian length and that many bytes (the last one
// may be cut short). The device is 02:00:00:00:00:01 with 10.0.0.1/24, as eth0 in
// tests/net-stack, whose captured exchanges are the seeds (fuzz/corpus/net_rx/).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/lsan_interface.h>
#include <sys/socket.h>

#define TESSERA_MODULE_API_NO_LIBC
#include <tessera/module_api.h>

#include "fake_platform/fake_platform.hh"
#include "log/log.hh"
#include "module/api/device_api.hh"
#include "module/api/socket_api.hh"
#include "module/api/thread_api.hh"
#include "module/module_loader.hh"
#include "net/socket_provider.hh"

extern "C" int net_lwip_init(void);

namespace {

const uint8_t kMac[6] = {0x02, 0, 0, 0, 0, 0x01};
constexpr size_t kMaxFrame = 1514;
constexpr size_t kMaxFramesPerInput = 64;

int transmit(void*, const void*, size_t) { return 0; }  // the wire swallows our answers

struct World {
  tessera_netdev* device = nullptr;
  int tcp = -1, udp = -1;
  int probe = -1;  // a loopback UDP client for the liveness check
  uint64_t inputs = 0;
};

World* boot() {
  static tessera::fake::Ram ram(128u << 20);
  // The kernel's heap lives in this mapping and holds pointers to what the stack
  // allocated with malloc (socket handles in the descriptor table): a root for LSan.
  __lsan_register_root_region(reinterpret_cast<void*>(ram.region().start), ram.region().size);
  tessera::reset_modules();
  tessera::fake::boot_core(ram);
  tessera::log::set_console_level(tessera::log::Level::kError);
  auto* world = new World;
  static const tessera_netdev_ops ops = {"fuzz-nic", transmit};
  tessera_netdev_info info{};
  memcpy(info.mac, kMac, 6);
  info.mtu = 1500;
  if (tessera::api::netdev_register(&ops, nullptr, &info, &world->device) != 0 || net_lwip_init() != 0) abort();
  const tessera_socket_ops* stack = tessera::SocketProvider::peek();
  in_addr address{}, netmask{};
  inet_pton(AF_INET, "10.0.0.1", &address);
  inet_pton(AF_INET, "255.255.255.0", &netmask);
  if (!stack || stack->configure(world->device, address.s_addr, netmask.s_addr, 0) != 0) abort();

  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(80);
  world->tcp = tessera::api::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (tessera::api::bind(world->tcp, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      tessera::api::listen(world->tcp, 32) != 0)
    abort();
  local.sin_port = htons(7777);
  world->udp = tessera::api::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (tessera::api::bind(world->udp, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) abort();
  world->probe = tessera::api::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  return world;
}

// Every so often the stack must still deliver a datagram over loopback: an input that
// wedges the tcpip thread (or leaks the queue full) is a finding, not a faster fuzzer.
void check_alive(World& world) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(7777);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  static const char kProbe[] = "net_rx liveness probe";
  if (tessera::api::sendto(world.probe, kProbe, sizeof kProbe, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) {
    fprintf(stderr, "net_rx: the stack refused a loopback datagram\n");
    abort();
  }
  char buffer[2048];
  for (int attempt = 0; attempt < 100; ++attempt) {
    tessera::api::thread_sleep_ns(1'000'000);
    for (;;) {
      ssize_t got = tessera::api::recvfrom(world.udp, buffer, sizeof buffer, 0, nullptr, nullptr);
      if (got < 0) break;
      if (size_t(got) == sizeof kProbe && memcmp(buffer, kProbe, sizeof kProbe) == 0) return;
    }
  }
  fprintf(stderr, "net_rx: a loopback datagram did not arrive within 100 ms: the stack is wedged\n");
  abort();
}

void drain(World& world) {
  char buffer[2048];
  for (int i = 0; i < 16; ++i) {
    int connection = tessera::api::accept4(world.tcp, nullptr, nullptr, SOCK_NONBLOCK);
    if (connection < 0) break;
    ssize_t got = tessera::api::recv(connection, buffer, sizeof buffer, 0);
    if (got > 0) tessera::api::send(connection, buffer, size_t(got), MSG_DONTWAIT);
    tessera::api::close(connection);
  }
  for (int i = 0; i < 16; ++i) {
    sockaddr_in from{};
    socklen_t length = sizeof from;
    ssize_t got = tessera::api::recvfrom(world.udp, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from),
                                         &length);
    if (got < 0) break;
    tessera::api::sendto(world.udp, buffer, size_t(got), 0, reinterpret_cast<sockaddr*>(&from), length);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = boot();
  size_t frames = 0;
  while (size >= 2 && frames < kMaxFramesPerInput) {
    size_t length = size_t(data[0]) << 8 | data[1];
    data += 2;
    size -= 2;
    if (length > size) length = size;
    if (length > kMaxFrame) length = kMaxFrame;
    tessera::api::netdev_receive(world->device, data, length);
    data += length;
    size -= length;
    ++frames;
    if (frames % 16 == 0) tessera::api::thread_sleep_ns(1'000'000);  // let the tcpip thread keep up
  }
  // The tcpip thread handles the frames (and lwIP's timers, as fake time moves on).
  tessera::api::thread_sleep_ns(1'000'000);
  drain(*world);
  tessera::api::thread_sleep_ns(1'000'000);
  if (++world->inputs % 256 == 0) check_alive(*world);
  return 0;
}

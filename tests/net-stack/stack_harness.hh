#pragma once
// An in-process kernel with the real net-lwip module (and net-dhcp when a test loads it):
// the fake platform's kernel core (time moves only when every thread waits, so lwIP's
// timers run instantly and tests are exact), fake network devices registered through
// the kernel's device API, and the kernel's POSIX socket calls. Each test boots afresh.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "host_sockets.hh"

#include <tessera/module_api.h>

#include "fake_platform/fake_platform.hh"

namespace tessera::netstack {

using Bytes = std::vector<uint8_t>;

// A network device whose frames the test sees: every frame the stack sends is kept in
// `sent`, handed to `on_transmit` when set, and delivered to `peer` when cross-connected.
class FakeNic {
 public:
  FakeNic(const uint8_t mac[6], uint16_t mtu = 1500);
  tessera_netdev* device() const { return device_; }
  const uint8_t* mac() const { return mac_; }
  // Delivers a frame as the wire would (the kernel's receive path).
  void receive(const Bytes& frame);
  void connect(FakeNic* peer) { peer_ = peer; }

  std::vector<Bytes> sent;
  std::vector<Bytes> received;  // every frame delivered to this device
  std::function<void(const Bytes&)> on_transmit;
  bool keep_sent = true, keep_received = true;

 private:
  static int transmit(void* driver, const void* frame, size_t length);
  uint8_t mac_[6];
  tessera_netdev* device_ = nullptr;
  FakeNic* peer_ = nullptr;
};

class StackHarness {
 public:
  StackHarness();
  ~StackHarness();
  // Loads modules/NAME.so from the build (and runs its init). Empty string on success,
  // else the loader's error message.
  std::string load(const char* name);
  // The provider's configure and log_statistics, as the kernel's bring-up calls them.
  int configure(FakeNic& nic, const char* address, const char* netmask, const char* gateway);
  std::string statistics();
  // A counter from the statistics lines: value("ip", "chksum") for "net-lwip: ip ... (chksum 3, ...".
  static long value(const std::string& statistics, const std::string& layer, const std::string& counter);

  // Runs entry on a guest thread; join() waits for all of them, join(thread) for one.
  tessera_thread* spawn(std::function<void()> entry);
  void join();
  void join(tessera_thread* thread);
  static void sleep_ms(uint64_t ms);

 private:
  fake::Ram ram_{256u << 20};
  std::vector<std::unique_ptr<std::vector<uint64_t>>> files_;
  std::vector<std::unique_ptr<std::function<void()>>> entries_;
  std::vector<tessera_thread*> threads_;
};

// ---- Frames for the peer side ------------------------------------------------------------

uint32_t ip(const char* dotted);  // network byte order
uint16_t internet_checksum(const uint8_t* data, size_t length, uint32_t initial = 0);
// An Ethernet + IPv4 + TCP frame with correct checksums.
Bytes tcp_frame(const uint8_t source_mac[6], const uint8_t destination_mac[6], uint32_t source, uint32_t destination,
                uint16_t source_port, uint16_t destination_port, uint32_t sequence, uint32_t ack, uint8_t flags,
                const Bytes& payload = {});
// An Ethernet + IPv4 + UDP frame with correct checksums.
Bytes udp_frame(const uint8_t source_mac[6], const uint8_t destination_mac[6], uint32_t source, uint32_t destination,
                uint16_t source_port, uint16_t destination_port, const Bytes& payload);
constexpr size_t kEthernetHeader = 14, kIpHeader = 20;

// With TESSERA_NET_CAPTURE=DIR in the environment, writes the frames `nic` received as
// fuzz/net_rx seeds: DIR/PREFIX-N, each a run of frames as 2-byte big-endian length and
// bytes (the fuzzer's input format).
void write_seeds(const FakeNic& nic, const std::string& prefix);

}  // namespace tessera::netstack

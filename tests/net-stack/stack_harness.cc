#include "stack_harness.hh"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <regex>

#include "fs/vfs/vfs.hh"
#include "module/api/device_api.hh"
#include "module/api/socket_api.hh"
#include "module/api/thread_api.hh"
#include "module/module_loader.hh"
#include "net/socket_provider.hh"

namespace tessera::netstack {
FakeNic::FakeNic(const uint8_t mac[6], uint16_t mtu) {
  std::memcpy(mac_, mac, 6);
  static const tessera_netdev_ops ops = {"fake-nic", transmit};
  tessera_netdev_info info{};
  std::memcpy(info.mac, mac, 6);
  info.mtu = mtu;
  if (api::netdev_register(&ops, this, &info, &device_) != 0) device_ = nullptr;
}

void FakeNic::receive(const Bytes& frame) {
  if (keep_received) received.push_back(frame);
  api::netdev_receive(device_, frame.data(), frame.size());
}

int FakeNic::transmit(void* driver, const void* frame, size_t length) {
  auto* nic = static_cast<FakeNic*>(driver);
  Bytes bytes(static_cast<const uint8_t*>(frame), static_cast<const uint8_t*>(frame) + length);
  if (nic->keep_sent) nic->sent.push_back(bytes);
  if (nic->on_transmit) nic->on_transmit(bytes);
  if (nic->peer_) nic->peer_->receive(bytes);
  return 0;
}

StackHarness::StackHarness() {
  reset_modules();
  fake::boot_core(ram_);
  kernel_vfs().reset();
}

StackHarness::~StackHarness() {
  // The stack's threads never end (lwIP's tcpip thread does not return): this boot is
  // abandoned with its heap, as the next test boots a new kernel.
  reset_modules();
  kernel_vfs().reset();
}

std::string StackHarness::load(const char* name) {
  std::string path = std::string(TESSERA_MODULE_DIR) + "/" + name + ".so";
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read " + path;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto file = std::make_unique<std::vector<uint64_t>>(data.size() / 8 + 1);
  std::memcpy(file->data(), data.data(), data.size());
  auto loaded = load_from_bytes({reinterpret_cast<const uint8_t*>(file->data()), data.size()},
                                (std::string(name) + ".so").c_str(), LoadOptions{});
  files_.push_back(std::move(file));
  if (loaded.is_error()) return loaded.error().message();
  return "";
}

int StackHarness::configure(FakeNic& nic, const char* address, const char* netmask, const char* gateway) {
  const tessera_socket_ops* ops = SocketProvider::peek();
  if (!ops) return -ENETDOWN;
  return ops->configure(nic.device(), ip(address), ip(netmask), gateway ? ip(gateway) : 0);
}

std::string StackHarness::statistics() {
  fake::clear_console();
  if (const tessera_socket_ops* ops = SocketProvider::peek()) ops->log_statistics();
  return fake::console_output();
}

long StackHarness::value(const std::string& statistics, const std::string& layer, const std::string& counter) {
  std::smatch line;
  std::regex line_pattern("net-lwip: " + layer + " [^\n]*");
  if (!std::regex_search(statistics, line, line_pattern)) return -1;
  std::string text = line.str();
  std::smatch number;
  std::regex counter_pattern("[ (]" + counter + " ([0-9]+)");
  if (!std::regex_search(text, number, counter_pattern)) return -1;
  return std::stol(number[1].str());
}

tessera_thread* StackHarness::spawn(std::function<void()> entry) {
  entries_.push_back(std::make_unique<std::function<void()>>(std::move(entry)));
  tessera_thread* thread = nullptr;
  api::thread_create(
      &thread, "test", [](void* argument) { (*static_cast<std::function<void()>*>(argument))(); },
      entries_.back().get());
  threads_.push_back(thread);
  return thread;
}

void StackHarness::join() {
  for (tessera_thread* thread : threads_) api::thread_join(thread);
  threads_.clear();
}

void StackHarness::join(tessera_thread* thread) {
  for (auto it = threads_.begin(); it != threads_.end(); ++it) {
    if (*it == thread) {
      threads_.erase(it);
      api::thread_join(thread);
      return;
    }
  }
}

void StackHarness::sleep_ms(uint64_t ms) { api::thread_sleep_ns(ms * 1'000'000); }

// ---- Frames ----

uint32_t ip(const char* dotted) {
  in_addr address{};
  inet_pton(AF_INET, dotted, &address);
  return address.s_addr;
}

uint16_t internet_checksum(const uint8_t* data, size_t length, uint32_t sum) {
  for (size_t i = 0; i + 1 < length; i += 2) sum += uint32_t(data[i]) << 8 | data[i + 1];
  if (length & 1) sum += uint32_t(data[length - 1]) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(~sum);
}

void write_seeds(const FakeNic& nic, const std::string& prefix) {
  const char* directory = std::getenv("TESSERA_NET_CAPTURE");
  if (!directory) return;
  constexpr size_t kFramesPerSeed = 12, kMaxSeeds = 24;
  for (size_t seed = 0; seed < kMaxSeeds && seed * kFramesPerSeed < nic.received.size(); ++seed) {
    std::ofstream out(std::string(directory) + "/" + prefix + "-" + std::to_string(seed), std::ios::binary);
    for (size_t i = seed * kFramesPerSeed; i < nic.received.size() && i < (seed + 1) * kFramesPerSeed; ++i) {
      const Bytes& frame = nic.received[i];
      char length[2] = {char(frame.size() >> 8), char(frame.size() & 0xff)};
      out.write(length, 2);
      out.write(reinterpret_cast<const char*>(frame.data()), std::streamsize(frame.size()));
    }
  }
}

namespace {

void put16(uint8_t* at, uint16_t value) {
  at[0] = uint8_t(value >> 8);
  at[1] = uint8_t(value);
}

Bytes ip_frame(const uint8_t source_mac[6], const uint8_t destination_mac[6], uint32_t source, uint32_t destination,
               uint8_t protocol, const Bytes& transport) {
  Bytes frame(kEthernetHeader + kIpHeader + transport.size());
  std::memcpy(frame.data(), destination_mac, 6);
  std::memcpy(frame.data() + 6, source_mac, 6);
  put16(frame.data() + 12, 0x0800);
  uint8_t* ip_header = frame.data() + kEthernetHeader;
  ip_header[0] = 0x45;
  put16(ip_header + 2, uint16_t(kIpHeader + transport.size()));
  put16(ip_header + 4, 1);
  ip_header[8] = 64;
  ip_header[9] = protocol;
  std::memcpy(ip_header + 12, &source, 4);
  std::memcpy(ip_header + 16, &destination, 4);
  put16(ip_header + 10, internet_checksum(ip_header, kIpHeader));
  std::memcpy(ip_header + kIpHeader, transport.data(), transport.size());
  // The transport checksum over the pseudo-header.
  uint8_t* segment = ip_header + kIpHeader;
  size_t checksum_offset = protocol == 6 ? 16 : 6;
  uint32_t pseudo = 0;
  const auto* s = reinterpret_cast<const uint8_t*>(&source);
  const auto* d = reinterpret_cast<const uint8_t*>(&destination);
  pseudo += uint32_t(s[0]) << 8 | s[1];
  pseudo += uint32_t(s[2]) << 8 | s[3];
  pseudo += uint32_t(d[0]) << 8 | d[1];
  pseudo += uint32_t(d[2]) << 8 | d[3];
  pseudo += protocol;
  pseudo += uint32_t(transport.size());
  uint16_t checksum = internet_checksum(segment, transport.size(), pseudo);
  if (protocol == 17 && checksum == 0) checksum = 0xffff;
  put16(segment + checksum_offset, checksum);
  return frame;
}

}  // namespace

Bytes tcp_frame(const uint8_t source_mac[6], const uint8_t destination_mac[6], uint32_t source, uint32_t destination,
                uint16_t source_port, uint16_t destination_port, uint32_t sequence, uint32_t ack, uint8_t flags,
                const Bytes& payload) {
  Bytes segment(20 + payload.size());
  put16(segment.data(), source_port);
  put16(segment.data() + 2, destination_port);
  for (int i = 0; i < 4; ++i) segment[4 + i] = uint8_t(sequence >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) segment[8 + i] = uint8_t(ack >> (24 - 8 * i));
  segment[12] = 5 << 4;
  segment[13] = flags;
  put16(segment.data() + 14, 8192);
  if (!payload.empty()) std::memcpy(segment.data() + 20, payload.data(), payload.size());  // memcpy from null is undefined
  return ip_frame(source_mac, destination_mac, source, destination, 6, segment);
}

Bytes udp_frame(const uint8_t source_mac[6], const uint8_t destination_mac[6], uint32_t source, uint32_t destination,
                uint16_t source_port, uint16_t destination_port, const Bytes& payload) {
  Bytes datagram(8 + payload.size());
  put16(datagram.data(), source_port);
  put16(datagram.data() + 2, destination_port);
  put16(datagram.data() + 4, uint16_t(datagram.size()));
  if (!payload.empty()) std::memcpy(datagram.data() + 8, payload.data(), payload.size());  // memcpy from null is undefined
  return ip_frame(source_mac, destination_mac, source, destination, 17, datagram);
}

}  // namespace tessera::netstack

#pragma once
// Hand-made Ethernet frames for the network backend tests: enough IPv4, UDP, DHCP, ARP
// and ICMP to talk to libslirp and to a host's ping without a network stack.
#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

namespace tessera::test_frames {

using Frame = std::vector<uint8_t>;
using Mac = std::array<uint8_t, 6>;

constexpr uint16_t kIpv4 = 0x0800, kArp = 0x0806;
constexpr size_t kEthernet = 14, kIpHeader = 20;

inline uint16_t get16(const Frame& f, size_t at) { return uint16_t(f[at] << 8 | f[at + 1]); }
inline uint32_t get32(const Frame& f, size_t at) { return uint32_t(get16(f, at)) << 16 | get16(f, at + 2); }
inline void put16(Frame& f, size_t at, uint16_t v) { f[at] = uint8_t(v >> 8), f[at + 1] = uint8_t(v); }
inline void put32(Frame& f, size_t at, uint32_t v) { put16(f, at, uint16_t(v >> 16)), put16(f, at + 2, uint16_t(v)); }
inline uint32_t ip(const char* text) {
  in_addr a{};
  inet_pton(AF_INET, text, &a);
  return ntohl(a.s_addr);
}

inline uint16_t checksum(const uint8_t* bytes, size_t length) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < length; i += 2) sum += uint32_t(bytes[i] << 8 | bytes[i + 1]);
  if (length & 1) sum += uint32_t(bytes[length - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(~sum);
}

inline uint16_t ether_type(const Frame& f) { return f.size() >= kEthernet ? get16(f, 12) : 0; }
inline Mac source_mac(const Frame& f) {
  Mac m;
  std::memcpy(m.data(), &f[6], 6);
  return m;
}

inline Frame ethernet(const Mac& to, const Mac& from, uint16_t type, size_t payload) {
  Frame f(kEthernet + payload);
  std::memcpy(&f[0], to.data(), 6);
  std::memcpy(&f[6], from.data(), 6);
  put16(f, 12, type);
  return f;
}

// An IPv4 header at kEthernet; the caller fills the payload after it.
inline void ipv4_header(Frame& f, uint8_t protocol, uint32_t from, uint32_t to) {
  size_t total = f.size() - kEthernet;
  uint8_t* h = &f[kEthernet];
  h[0] = 0x45;
  put16(f, kEthernet + 2, uint16_t(total));
  h[8] = 64;
  h[9] = protocol;
  put32(f, kEthernet + 12, from);
  put32(f, kEthernet + 16, to);
  put16(f, kEthernet + 10, checksum(h, kIpHeader));
}

inline uint8_t ip_protocol(const Frame& f) { return f.size() >= kEthernet + kIpHeader ? f[kEthernet + 9] : 0; }
inline uint32_t ip_destination(const Frame& f) { return get32(f, kEthernet + 16); }
inline size_t l4(const Frame& f) { return kEthernet + size_t(f[kEthernet] & 0x0f) * 4; }

// DHCP: BOOTP with a full 312-byte options area, as RFC 2131 clients send (libslirp
// ignores shorter requests).
constexpr size_t kBootp = 236 + 312;
constexpr uint32_t kDhcpMagic = 0x63825363;

inline Frame dhcp_discover(const Mac& mac, uint32_t xid) {
  Frame f = ethernet({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, mac, kIpv4, kIpHeader + 8 + kBootp);
  size_t udp = kEthernet + kIpHeader, bootp = udp + 8;
  put16(f, udp, 68);
  put16(f, udp + 2, 67);
  put16(f, udp + 4, uint16_t(8 + kBootp));
  f[bootp] = 1;       // BOOTREQUEST
  f[bootp + 1] = 1;   // Ethernet
  f[bootp + 2] = 6;
  put32(f, bootp + 4, xid);
  put16(f, bootp + 10, 0x8000);  // broadcast the reply: no address yet
  std::memcpy(&f[bootp + 28], mac.data(), 6);
  put32(f, bootp + 236, kDhcpMagic);
  size_t option = bootp + 240;
  f[option] = 53, f[option + 1] = 1, f[option + 2] = 1;  // DHCPDISCOVER
  f[option + 3] = 255;
  ipv4_header(f, 17, 0, 0xffffffff);
  return f;
}

struct DhcpReply {
  bool valid = false;
  uint8_t message_type = 0;  // 2: OFFER
  uint32_t xid = 0, your_address = 0;
};

inline DhcpReply parse_dhcp_reply(const Frame& f) {
  DhcpReply reply;
  if (ether_type(f) != kIpv4 || ip_protocol(f) != 17) return reply;
  size_t udp = l4(f), bootp = udp + 8;
  if (f.size() < bootp + 240 || get16(f, udp) != 67 || get16(f, udp + 2) != 68) return reply;
  if (f[bootp] != 2 || get32(f, bootp + 236) != kDhcpMagic) return reply;
  reply.xid = get32(f, bootp + 4);
  reply.your_address = get32(f, bootp + 16);
  for (size_t at = bootp + 240; at + 1 < f.size() && f[at] != 255;) {
    if (f[at] == 0) {
      ++at;
      continue;
    }
    if (f[at] == 53 && at + 2 < f.size()) reply.message_type = f[at + 2];
    at += 2 + f[at + 1];
  }
  reply.valid = true;
  return reply;
}

struct ArpRequest {
  bool valid = false;
  Mac sender_mac{};
  uint32_t sender_ip = 0, target_ip = 0;
};

inline ArpRequest parse_arp_request(const Frame& f) {
  ArpRequest request;
  if (ether_type(f) != kArp || f.size() < kEthernet + 28 || get16(f, kEthernet + 6) != 1) return request;
  std::memcpy(request.sender_mac.data(), &f[kEthernet + 8], 6);
  request.sender_ip = get32(f, kEthernet + 14);
  request.target_ip = get32(f, kEthernet + 24);
  request.valid = true;
  return request;
}

inline Frame arp_reply(const ArpRequest& request, const Mac& mac) {
  Frame f = ethernet(request.sender_mac, mac, kArp, 28);
  size_t a = kEthernet;
  put16(f, a, 1);
  put16(f, a + 2, kIpv4);
  f[a + 4] = 6, f[a + 5] = 4;
  put16(f, a + 6, 2);  // reply
  std::memcpy(&f[a + 8], mac.data(), 6);
  put32(f, a + 14, request.target_ip);
  std::memcpy(&f[a + 18], request.sender_mac.data(), 6);
  put32(f, a + 24, request.sender_ip);
  return f;
}

// A UDP datagram of `payload` zero bytes (UDP checksum 0: none, as IPv4 allows).
inline Frame udp_frame(const Mac& to, const Mac& from, uint32_t source, uint32_t destination, uint16_t source_port,
                       uint16_t destination_port, size_t payload) {
  Frame f = ethernet(to, from, kIpv4, kIpHeader + 8 + payload);
  size_t udp = kEthernet + kIpHeader;
  put16(f, udp, source_port);
  put16(f, udp + 2, destination_port);
  put16(f, udp + 4, uint16_t(8 + payload));
  ipv4_header(f, 17, source, destination);
  return f;
}

inline bool is_udp_to(const Frame& f, uint32_t address, uint16_t port) {
  return ether_type(f) == kIpv4 && ip_protocol(f) == 17 && ip_destination(f) == address && f.size() >= l4(f) + 8 &&
         get16(f, l4(f) + 2) == port;
}

inline bool is_tcp_syn_to(const Frame& f, uint32_t address, uint16_t port) {
  if (ether_type(f) != kIpv4 || ip_protocol(f) != 6 || ip_destination(f) != address) return false;
  size_t tcp = l4(f);
  return f.size() >= tcp + 20 && get16(f, tcp + 2) == port && (f[tcp + 13] & 0x12) == 0x02;
}

inline bool is_echo_request_to(const Frame& f, uint32_t address) {
  return ether_type(f) == kIpv4 && ip_protocol(f) == 1 && ip_destination(f) == address && f.size() > l4(f) &&
         f[l4(f)] == 8;
}

// The echo reply to an echo request: addresses swapped, type 0, checksums recomputed.
inline Frame echo_reply(const Frame& request) {
  Frame f = request;
  std::memcpy(&f[0], &request[6], 6);
  std::memcpy(&f[6], &request[0], 6);
  uint32_t from = get32(request, kEthernet + 12), to = ip_destination(request);
  f.resize(kEthernet + get16(request, kEthernet + 2));
  put16(f, kEthernet + 10, 0);
  ipv4_header(f, 1, to, from);
  size_t icmp = l4(f);
  f[icmp] = 0;
  put16(f, icmp + 2, 0);
  put16(f, icmp + 2, checksum(&f[icmp], f.size() - icmp));
  return f;
}

}  // namespace tessera::test_frames

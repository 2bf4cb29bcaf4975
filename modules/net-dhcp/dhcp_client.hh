#pragma once
// A DHCP client for one network device (RFC 2131 section 4.4): obtains a lease
// (DISCOVER, OFFER, REQUEST, ACK/NAK with retransmission and backoff) and keeps it
// (RENEWING at T1 by unicast, REBINDING at T2 by broadcast, starting over when it
// expires or the server says NAK). Only the kernel's socket API: no stack code here.
#include <stdint.h>

#include <tessera/module_api.h>

#include "dhcp_message.hh"

namespace tessera::dhcp {

struct Lease {
  uint32_t address = 0, netmask = 0, router = 0, server = 0;  // network byte order
  uint32_t lease_seconds = 0, renew_seconds = 0, rebind_seconds = 0;
  uint64_t obtained_ns = 0;  // monotonic time of the ACK
};

class Client {
 public:
  // A UDP socket on port 68 of `device`, allowed to broadcast. 0 or a negative errno.
  int open(tessera_netdev* device);
  void close();
  const char* name() const { return name_; }

  // DISCOVER until an offer is acknowledged, or until `deadline_ns` (monotonic; 0: no
  // deadline). 0 with the lease in lease(), or -ETIMEDOUT; logs why it failed.
  int acquire(uint64_t deadline_ns);
  // Configures the device with the lease through the stack and logs the lease.
  int apply(const char* verb);
  // Keeps the lease for ever: renews at T1, rebinds at T2, starts over on expiry or NAK.
  [[noreturn]] void maintain();

  const Lease& lease() const { return lease_; }

 private:
  enum class Outcome { kReply, kTimedOut, kError };
  // Sends `request` to `destination` and waits for a reply of this transaction until
  // `deadline_ns`, retransmitting with exponential backoff (2 s doubling up to 64 s,
  // +-1 s random), never retransmitting closer than `min_retry_ns` to the deadline.
  Outcome exchange(const Request& request, uint32_t destination, uint64_t deadline_ns, Reply& reply);
  bool send(const Request& request, uint32_t destination);
  // Waits for one reply to `xid` until `until_ns`.
  Outcome receive(uint32_t xid, uint64_t until_ns, Reply& reply);
  Request base_request(MessageType type);
  void take(const Reply& ack, uint64_t now_ns);
  void drop_address(const char* why);
  uint16_t seconds_since_start() const;

  tessera_netdev* device_ = nullptr;
  char name_[16] = {};
  uint8_t mac_[6] = {};
  int fd_ = -1;
  uint32_t xid_ = 0;
  uint64_t started_ns_ = 0;
  Lease lease_;
  uint8_t buffer_[kMessageCapacity] = {};
};

}  // namespace tessera::dhcp

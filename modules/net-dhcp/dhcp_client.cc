#include "dhcp_client.hh"

#include <tessera/errno.hh>

namespace tessera::dhcp {
namespace {

// Linux's value; socket_api.h does not list it (only the DHCP client needs it).
#ifndef SO_BINDTODEVICE
#define SO_BINDTODEVICE 25
#endif

constexpr uint64_t kSecond = 1000000000ull;
constexpr uint64_t kFirstRetry = 2 * kSecond;
constexpr uint64_t kMaxRetry = 64 * kSecond;
// RENEWING and REBINDING retry at half the time left, but not more often than this
// (RFC 2131 section 4.4.5).
constexpr uint64_t kMinRenewRetry = 60 * kSecond;
constexpr uint32_t kInfinite = 0xffffffffu;

uint64_t now() { return tessera_monotonic_ns(); }

uint32_t random32() {
  uint32_t value;
  tessera_random(&value, sizeof value);
  return value;
}

// The classful mask, for a server that sends none.
uint32_t default_netmask(uint32_t address) {
  uint8_t first = uint8_t(ntohl(address) >> 24);
  uint32_t mask = first < 128 ? 0xff000000u : first < 192 ? 0xffff0000u : 0xffffff00u;
  return htonl(mask);
}

int prefix_length(uint32_t netmask) {
  int bits = 0;
  for (uint32_t mask = netmask; mask; mask &= mask - 1) ++bits;
  return bits;
}

struct Text {
  char text[INET_ADDRSTRLEN];
  explicit Text(uint32_t address) {
    if (!inet_ntop(AF_INET, &address, text, sizeof text)) __builtin_strcpy(text, "?");
  }
};

}  // namespace

int Client::open(tessera_netdev* device) {
  device_ = device;
  struct tessera_netdev_info info;
  if (int error = tessera_netdev_query(device, name_, &info, nullptr)) return error;
  __builtin_memcpy(mac_, info.mac, 6);
  fd_ = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
  if (fd_ < 0) return -errno;
  int on = 1;
  struct sockaddr_in local = {};
  local.sin_family = AF_INET;
  local.sin_port = htons(kClientPort);
  local.sin_addr.s_addr = INADDR_ANY;
  const char* step = nullptr;
  if (setsockopt(fd_, SOL_SOCKET, SO_BROADCAST, &on, sizeof on) != 0) step = "SO_BROADCAST";
  else if (setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0) step = "SO_REUSEADDR";
  else if (setsockopt(fd_, SOL_SOCKET, SO_BINDTODEVICE, name_, socklen_t(__builtin_strlen(name_) + 1)) != 0)
    step = "SO_BINDTODEVICE";
  else if (bind(fd_, reinterpret_cast<struct sockaddr*>(&local), sizeof local) != 0) step = "bind to port 68";
  if (step) {
    int error = errno;
    tessera_log(TESSERA_LOG_ERROR, "net-dhcp: %s: cannot set up the DHCP socket (%s): %s", name_, step,
                tessera_errno_name(error));
    close();
    return -error;
  }
  return 0;
}

void Client::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

uint16_t Client::seconds_since_start() const {
  uint64_t seconds = (now() - started_ns_) / kSecond;
  return seconds > 0xffff ? 0xffff : uint16_t(seconds);
}

Request Client::base_request(MessageType type) {
  Request request;
  request.type = type;
  request.xid = xid_;
  __builtin_memcpy(request.mac, mac_, 6);
  request.seconds = seconds_since_start();
  return request;
}

bool Client::send(const Request& request, uint32_t destination) {
  size_t length = build_message(request, buffer_);
  struct sockaddr_in to = {};
  to.sin_family = AF_INET;
  to.sin_port = htons(kServerPort);
  to.sin_addr.s_addr = destination;
  if (sendto(fd_, buffer_, length, 0, reinterpret_cast<struct sockaddr*>(&to), sizeof to) < 0) {
    tessera_log(TESSERA_LOG_WARN, "net-dhcp: %s: sending to %s failed: %s", name_, Text(destination).text,
                tessera_errno_name(errno));
    return false;
  }
  return true;
}

Client::Outcome Client::receive(uint32_t xid, uint64_t until_ns, Reply& reply) {
  for (;;) {
    uint64_t current = now();
    if (current >= until_ns) return Outcome::kTimedOut;
    uint64_t wait_ms = (until_ns - current + 999999) / 1000000;
    struct pollfd entry = {fd_, POLLIN, 0};
    int ready = poll(&entry, 1, wait_ms > 0x7fffffff ? 0x7fffffff : int(wait_ms));
    if (ready < 0) {
      tessera_log(TESSERA_LOG_ERROR, "net-dhcp: %s: poll failed: %s", name_, tessera_errno_name(errno));
      return Outcome::kError;
    }
    if (ready == 0) continue;
    int64_t length = recvfrom(fd_, buffer_, sizeof buffer_, MSG_DONTWAIT, nullptr, nullptr);
    if (length < 0) {
      if (errno == kEAGAIN) continue;
      tessera_log(TESSERA_LOG_ERROR, "net-dhcp: %s: receive failed: %s", name_, tessera_errno_name(errno));
      return Outcome::kError;
    }
    ParseResult parsed = parse_reply(buffer_, size_t(length), xid, mac_, reply);
    if (parsed == ParseResult::kOk) return Outcome::kReply;
    if (parsed != ParseResult::kOtherClient) {
      tessera_log(TESSERA_LOG_DEBUG, "net-dhcp: %s: ignoring a %lld-byte reply: %s", name_, (long long)length,
                  describe(parsed));
    }
  }
}

Client::Outcome Client::exchange(const Request& request, uint32_t destination, uint64_t deadline_ns, Reply& reply) {
  uint64_t retry = kFirstRetry;
  for (;;) {
    Request fresh = request;
    fresh.seconds = seconds_since_start();
    send(fresh, destination);  // a failed send is retried like a lost one
    // +-1 s, so that clients booted together do not retransmit together.
    int64_t jitter = int64_t(random32() % (2 * kSecond)) - int64_t(kSecond);
    uint64_t until = now() + uint64_t(int64_t(retry) + jitter);
    if (deadline_ns && until > deadline_ns) until = deadline_ns;
    for (;;) {
      Outcome outcome = receive(request.xid, until, reply);
      if (outcome != Outcome::kReply) {
        if (outcome == Outcome::kError) return outcome;
        break;
      }
      // While selecting, the ACK or NAK must come from the server we chose.
      if (request.server_id && reply.server_id && reply.server_id != request.server_id) continue;
      return Outcome::kReply;
    }
    if (deadline_ns && now() >= deadline_ns) return Outcome::kTimedOut;
    retry = retry * 2 > kMaxRetry ? kMaxRetry : retry * 2;
  }
}

int Client::acquire(uint64_t deadline_ns) {
  started_ns_ = now();
  int offers = 0, naks = 0;
  uint32_t last_nak_server = 0;
  for (;;) {
    xid_ = random32();
    Reply offer;
    Outcome outcome = exchange(base_request(MessageType::kDiscover), INADDR_BROADCAST, deadline_ns, offer);
    if (outcome == Outcome::kReply && offer.type != MessageType::kOffer) continue;  // a stray ACK/NAK
    if (outcome != Outcome::kReply) {
      if (offers == 0) {
        tessera_log(TESSERA_LOG_ERROR,
                    "net-dhcp: %s: no DHCP offer within %llu s: is a DHCP server on this network? "
                    "(or configure a static address: net.ip=ADDRESS/PREFIX,gw=GATEWAY)",
                    name_, (unsigned long long)((now() - started_ns_) / kSecond));
      } else if (naks > 0) {
        tessera_log(TESSERA_LOG_ERROR, "net-dhcp: %s: %d offer(s) but the server %s refused every request (NAK)",
                    name_, offers, Text(last_nak_server).text);
      } else {
        tessera_log(TESSERA_LOG_ERROR, "net-dhcp: %s: %d offer(s) but no acknowledgement before the timeout", name_,
                    offers);
      }
      return outcome == Outcome::kError ? -kEIO : -kETIMEDOUT;
    }
    ++offers;
    if (offer.your_address == 0 || offer.server_id == 0) {
      tessera_log(TESSERA_LOG_WARN, "net-dhcp: %s: ignoring an offer without an address or server identifier",
                  name_);
      continue;
    }
    Request request = base_request(MessageType::kRequest);
    request.requested_address = offer.your_address;
    request.server_id = offer.server_id;
    // The REQUEST is retransmitted for a while, then we start over (RFC 2131 4.4.1).
    uint64_t request_deadline = now() + 3 * kFirstRetry + kFirstRetry * 4;
    if (deadline_ns && request_deadline > deadline_ns) request_deadline = deadline_ns;
    Reply answer;
    outcome = exchange(request, INADDR_BROADCAST, request_deadline, answer);
    if (outcome == Outcome::kError) return -kEIO;
    if (outcome == Outcome::kTimedOut) continue;
    if (answer.type == MessageType::kNak) {
      ++naks;
      last_nak_server = offer.server_id;
      tessera_log(TESSERA_LOG_WARN, "net-dhcp: %s: server %s refused %s (NAK); starting over", name_,
                  Text(offer.server_id).text, Text(offer.your_address).text);
      continue;
    }
    if (answer.type != MessageType::kAck || answer.your_address == 0) continue;
    if (!answer.server_id) answer.server_id = offer.server_id;
    take(answer, now());
    return 0;
  }
}

void Client::take(const Reply& ack, uint64_t now_ns) {
  lease_.address = ack.your_address;
  lease_.netmask = ack.netmask ? ack.netmask : default_netmask(ack.your_address);
  lease_.router = ack.router;
  lease_.server = ack.server_id;
  lease_.lease_seconds = ack.lease_seconds ? ack.lease_seconds : kInfinite;
  bool infinite = lease_.lease_seconds == kInfinite;
  // RFC 2131 4.4.5: T1 = 0.5 and T2 = 0.875 of the lease unless the server says.
  lease_.renew_seconds = ack.renew_seconds ? ack.renew_seconds : (infinite ? kInfinite : lease_.lease_seconds / 2);
  lease_.rebind_seconds =
      ack.rebind_seconds ? ack.rebind_seconds : (infinite ? kInfinite : uint32_t(uint64_t(lease_.lease_seconds) * 7 / 8));
  if (lease_.rebind_seconds > lease_.lease_seconds) lease_.rebind_seconds = lease_.lease_seconds;
  if (lease_.renew_seconds > lease_.rebind_seconds) lease_.renew_seconds = lease_.rebind_seconds;
  lease_.obtained_ns = now_ns;
}

int Client::apply(const char* verb) {
  if (int error = tessera_net_configure(device_, lease_.address, lease_.netmask, lease_.router)) {
    tessera_log(TESSERA_LOG_ERROR, "net-dhcp: %s: the stack refused the leased address %s: %s", name_,
                Text(lease_.address).text, tessera_errno_name(error));
    return error;
  }
  if (lease_.router) {
    tessera_log(TESSERA_LOG_INFO, "net-dhcp: %s %s %s/%d gw %s from %s for %u s", name_, verb,
                Text(lease_.address).text, prefix_length(lease_.netmask), Text(lease_.router).text,
                Text(lease_.server).text, lease_.lease_seconds);
  } else {
    tessera_log(TESSERA_LOG_INFO, "net-dhcp: %s %s %s/%d from %s for %u s", name_, verb, Text(lease_.address).text,
                prefix_length(lease_.netmask), Text(lease_.server).text, lease_.lease_seconds);
  }
  return 0;
}

void Client::drop_address(const char* why) {
  tessera_log(TESSERA_LOG_WARN, "net-dhcp: %s: %s; giving up %s and asking again", name_, why,
              Text(lease_.address).text);
  tessera_net_configure(device_, 0, 0, 0);
  lease_ = Lease{};
}

void Client::maintain() {
  for (;;) {
    if (lease_.address == 0) {
      // Start over, without a deadline: the application runs meanwhile without an address.
      if (acquire(0) == 0) apply("leased");
      continue;
    }
    if (lease_.lease_seconds == kInfinite) {
      for (;;) tessera_thread_sleep_ns(uint64_t(86400) * kSecond);
    }
    uint64_t t1 = lease_.obtained_ns + uint64_t(lease_.renew_seconds) * kSecond;
    uint64_t t2 = lease_.obtained_ns + uint64_t(lease_.rebind_seconds) * kSecond;
    uint64_t end = lease_.obtained_ns + uint64_t(lease_.lease_seconds) * kSecond;
    if (now() < t1) tessera_thread_sleep_ns(t1 - now());

    bool renewed = false;
    while (!renewed && now() < end) {
      bool rebinding = now() >= t2;
      uint64_t phase_end = rebinding ? end : t2;
      uint64_t left = phase_end - now();
      uint64_t wait = left / 2 > kMinRenewRetry ? left / 2 : kMinRenewRetry;
      uint64_t until = now() + wait < phase_end ? now() + wait : phase_end;
      xid_ = random32();
      started_ns_ = now();
      Request request = base_request(MessageType::kRequest);
      request.client_address = lease_.address;
      request.broadcast_reply = false;
      if (!send(request, rebinding ? INADDR_BROADCAST : lease_.server)) {
        tessera_thread_sleep_ns(until - now());
        continue;
      }
      Reply answer;
      Outcome outcome = receive(request.xid, until, answer);
      if (outcome != Outcome::kReply) continue;
      if (answer.type == MessageType::kNak) {
        drop_address("the server refused to renew the lease (NAK)");
        break;
      }
      if (answer.type != MessageType::kAck || answer.your_address == 0) continue;
      uint32_t old_address = lease_.address;
      if (!answer.server_id) answer.server_id = lease_.server;
      take(answer, now());
      if (lease_.address != old_address) apply("leased");
      else tessera_log(TESSERA_LOG_INFO, "net-dhcp: %s renewed %s for %u s", name_, Text(lease_.address).text,
                       lease_.lease_seconds);
      renewed = true;
    }
    if (!renewed && lease_.address != 0) drop_address("the lease expired");
  }
}

}  // namespace tessera::dhcp

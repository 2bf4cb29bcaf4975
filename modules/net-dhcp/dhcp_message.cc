#include "dhcp_message.hh"

namespace tessera::dhcp {
namespace {

// Offsets in the BOOTP fixed part (RFC 2131 figure 1).
constexpr size_t kOp = 0, kHtype = 1, kHlen = 2, kXid = 4, kSecs = 8, kFlags = 10, kCiaddr = 12, kYiaddr = 16,
                 kChaddr = 28, kCookie = 236, kOptions = 240;
constexpr uint8_t kBootRequest = 1, kBootReply = 2, kEthernet = 1;
constexpr uint8_t kMagic[4] = {99, 130, 83, 99};

enum Option : uint8_t {
  kPad = 0,
  kSubnetMask = 1,
  kRouter = 3,
  kDnsServer = 6,
  kRequestedAddress = 50,
  kLeaseTime = 51,
  kOverload = 52,
  kMessageType = 53,
  kServerId = 54,
  kParameterList = 55,
  kMaxMessageSize = 57,
  kRenewalTime = 58,
  kRebindingTime = 59,
  kEnd = 255,
};

void put32(uint8_t* at, uint32_t network_order) { __builtin_memcpy(at, &network_order, 4); }
uint32_t get32(const uint8_t* at) {
  uint32_t value;
  __builtin_memcpy(&value, at, 4);
  return value;
}
uint32_t get32_host(const uint8_t* at) {
  return uint32_t(at[0]) << 24 | uint32_t(at[1]) << 16 | uint32_t(at[2]) << 8 | at[3];
}

}  // namespace

size_t build_message(const Request& request, uint8_t* buffer) {
  __builtin_memset(buffer, 0, kMessageCapacity);
  buffer[kOp] = kBootRequest;
  buffer[kHtype] = kEthernet;
  buffer[kHlen] = 6;
  __builtin_memcpy(buffer + kXid, &request.xid, 4);  // an opaque value: any byte order
  buffer[kSecs] = uint8_t(request.seconds >> 8);
  buffer[kSecs + 1] = uint8_t(request.seconds);
  if (request.broadcast_reply) buffer[kFlags] = 0x80;
  put32(buffer + kCiaddr, request.client_address);
  __builtin_memcpy(buffer + kChaddr, request.mac, 6);
  __builtin_memcpy(buffer + kCookie, kMagic, 4);

  uint8_t* out = buffer + kOptions;
  *out++ = kMessageType;
  *out++ = 1;
  *out++ = uint8_t(request.type);
  if (request.requested_address) {
    *out++ = kRequestedAddress;
    *out++ = 4;
    put32(out, request.requested_address);
    out += 4;
  }
  if (request.server_id) {
    *out++ = kServerId;
    *out++ = 4;
    put32(out, request.server_id);
    out += 4;
  }
  constexpr uint8_t kWanted[] = {kSubnetMask, kRouter, kDnsServer, kLeaseTime, kServerId, kRenewalTime, kRebindingTime};
  *out++ = kParameterList;
  *out++ = sizeof kWanted;
  __builtin_memcpy(out, kWanted, sizeof kWanted);
  out += sizeof kWanted;
  *out++ = kMaxMessageSize;
  *out++ = 2;
  *out++ = uint8_t(kMessageCapacity >> 8);
  *out++ = uint8_t(kMessageCapacity & 0xff);
  *out++ = kEnd;
  // BOOTP relays expect at least 300 bytes (RFC 1542); the zeros are padding.
  size_t length = size_t(out - buffer);
  return length < 300 ? 300 : length;
}

ParseResult parse_reply(const uint8_t* data, size_t length, uint32_t xid, const uint8_t mac[6], Reply& out) {
  out = Reply{};
  if (length < kOptions) return ParseResult::kTooShort;
  if (data[kOp] != kBootReply || data[kHtype] != kEthernet || data[kHlen] != 6) return ParseResult::kNotReply;
  if (__builtin_memcmp(data + kXid, &xid, 4) != 0 || __builtin_memcmp(data + kChaddr, mac, 6) != 0)
    return ParseResult::kOtherClient;
  if (__builtin_memcmp(data + kCookie, kMagic, 4) != 0) return ParseResult::kBadCookie;
  out.your_address = get32(data + kYiaddr);

  int type = -1;
  bool ended = false;
  size_t at = kOptions;
  while (at < length) {
    uint8_t code = data[at++];
    if (code == kPad) continue;
    if (code == kEnd) {
      ended = true;
      break;
    }
    if (at >= length) return ParseResult::kBadOptions;
    size_t size = data[at++];
    if (size > length - at) return ParseResult::kBadOptions;
    const uint8_t* value = data + at;
    at += size;
    switch (code) {
      case kMessageType:
        if (size == 1) type = value[0];
        break;
      case kSubnetMask:
        if (size == 4) out.netmask = get32(value);
        break;
      case kRouter:
        if (size >= 4) out.router = get32(value);
        break;
      case kDnsServer:
        for (size_t i = 0; i + 4 <= size && out.dns_count < 3; i += 4) out.dns[out.dns_count++] = get32(value + i);
        break;
      case kServerId:
        if (size == 4) out.server_id = get32(value);
        break;
      case kLeaseTime:
        if (size == 4) out.lease_seconds = get32_host(value);
        break;
      case kRenewalTime:
        if (size == 4) out.renew_seconds = get32_host(value);
        break;
      case kRebindingTime:
        if (size == 4) out.rebind_seconds = get32_host(value);
        break;
      default:  // option 52 (overload) included: what we need is never in sname/file
        break;
    }
  }
  if (!ended) return ParseResult::kBadOptions;
  if (type != int(MessageType::kOffer) && type != int(MessageType::kAck) && type != int(MessageType::kNak))
    return ParseResult::kNoMessageType;
  out.type = MessageType(type);
  return ParseResult::kOk;
}

const char* describe(ParseResult result) {
  switch (result) {
    case ParseResult::kOk: return "ok";
    case ParseResult::kTooShort: return "shorter than a DHCP message";
    case ParseResult::kNotReply: return "not a BOOTREPLY for Ethernet";
    case ParseResult::kOtherClient: return "for another client or transaction";
    case ParseResult::kBadCookie: return "no DHCP magic cookie";
    case ParseResult::kBadOptions: return "options run past the end or lack the end option";
    case ParseResult::kNoMessageType: return "no OFFER, ACK or NAK message type";
  }
  return "?";
}

}  // namespace tessera::dhcp

#pragma once
// DHCP messages (RFC 2131 section 2, options from RFC 2132): building the client's
// DISCOVER and REQUEST, and reading the server's OFFER, ACK and NAK. Pure functions over
// byte buffers, so they are tested on the host as they are.
#include <stddef.h>
#include <stdint.h>

namespace tessera::dhcp {

constexpr uint16_t kServerPort = 67;
constexpr uint16_t kClientPort = 68;
// BOOTP's fixed part (236 bytes) + the magic cookie + room for our options.
constexpr size_t kMessageCapacity = 576;

enum class MessageType : uint8_t {
  kDiscover = 1,
  kOffer = 2,
  kRequest = 3,
  kDecline = 4,
  kAck = 5,
  kNak = 6,
  kRelease = 7,
};

// What the client asks for and says about itself. Addresses in network byte order.
struct Request {
  MessageType type = MessageType::kDiscover;
  uint32_t xid = 0;
  uint8_t mac[6] = {};
  uint16_t seconds = 0;            // since the client began acquiring
  uint32_t client_address = 0;     // ciaddr: ours while renewing or rebinding
  uint32_t requested_address = 0;  // option 50 (SELECTING, INIT-REBOOT), 0: none
  uint32_t server_id = 0;          // option 54 (SELECTING), 0: none
  bool broadcast_reply = true;     // the BROADCAST flag: we cannot take unicast before configuration
};

// The answer's fields net-dhcp uses. Times in seconds; 0 where the server sent none.
struct Reply {
  MessageType type = MessageType::kOffer;
  uint32_t your_address = 0;  // yiaddr
  uint32_t server_id = 0;     // option 54
  uint32_t netmask = 0;       // option 1
  uint32_t router = 0;        // option 3 (the first one)
  uint32_t dns[3] = {};       // option 6
  int dns_count = 0;
  uint32_t lease_seconds = 0;  // option 51
  uint32_t renew_seconds = 0;  // option 58 (T1)
  uint32_t rebind_seconds = 0; // option 59 (T2)
};

// The message's length in `buffer` (at least kMessageCapacity bytes).
size_t build_message(const Request& request, uint8_t* buffer);

enum class ParseResult {
  kOk,
  kTooShort,       // shorter than the fixed part and the cookie
  kNotReply,       // op is not BOOTREPLY, or not Ethernet addresses
  kOtherClient,    // xid or chaddr is not ours
  kBadCookie,
  kBadOptions,     // an option runs past the end, or no end option
  kNoMessageType,  // no option 53, or not OFFER/ACK/NAK
};

ParseResult parse_reply(const uint8_t* data, size_t length, uint32_t xid, const uint8_t mac[6], Reply& out);
const char* describe(ParseResult result);

}  // namespace tessera::dhcp

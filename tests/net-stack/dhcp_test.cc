// net-dhcp against a small DHCP server on the other side of a fake network device:
// offer and acknowledgement (the lease configures eth0 and is logged), a NAK that makes
// the client start over, renewal at T1, and no server at all (init fails, saying why).
// Also the message code on its own: what the client sends, and replies it must refuse.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "stack_harness.hh"

#include "dhcp_message.hh"
#include "module/api/socket_api.hh"

namespace tessera::netstack {
namespace {

const uint8_t kClientMac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
const uint8_t kServerMac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
const uint8_t kBroadcastMac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

// What the server does with each REQUEST, in order; the last repeats.
enum class Answer { kAck, kNak, kSilent };

class FakeDhcpServer {
 public:
  explicit FakeDhcpServer(FakeNic& nic) : nic_(nic) {
    nic.on_transmit = [this](const Bytes& frame) { handle(frame); };
  }
  bool offer = true;
  std::vector<Answer> answers = {Answer::kAck};
  uint32_t lease_seconds = 86400;
  bool answer_unicast = true;  // false: RENEWING goes unanswered, REBINDING is answered
  bool answer_renewals = true;  // false: no answer once the first lease is given
  int discovers = 0, requests = 0, unicast_requests = 0, rebinding_requests = 0;

 private:
  void handle(const Bytes& frame) {
    if (frame.size() >= 42 && frame[12] == 0x08 && frame[13] == 0x06) return answer_arp(frame);
    // IPv4, UDP, to port 67.
    if (frame.size() < 42 + 240 || frame[12] != 0x08 || frame[13] != 0 || frame[23] != 17) return;
    size_t udp = kEthernetHeader + size_t(frame[14] & 0xf) * 4;
    if (frame[udp + 2] != 0 || frame[udp + 3] != 67) return;
    const uint8_t* message = frame.data() + udp + 8;
    size_t length = frame.size() - udp - 8;
    uint8_t type = 0;
    for (size_t at = 240; at + 1 < length && message[at] != 255;) {
      if (message[at] == 0) {
        ++at;
        continue;
      }
      if (message[at] == 53) type = message[at + 2];
      at += 2 + message[at + 1];
    }
    uint32_t destination;
    std::memcpy(&destination, frame.data() + kEthernetHeader + 16, 4);
    if (type == 1) {
      ++discovers;
      if (offer) reply(message, 2);
    } else if (type == 3) {
      ++requests;
      uint32_t ciaddr;
      std::memcpy(&ciaddr, message + 12, 4);
      if (destination != 0xffffffffu) ++unicast_requests;
      else if (ciaddr != 0) ++rebinding_requests;
      if (ciaddr != 0 && (!answer_renewals || (destination != 0xffffffffu && !answer_unicast))) return;
      Answer answer = answers[std::min<size_t>(requests - 1, answers.size() - 1)];
      if (answer == Answer::kAck) reply(message, 5);
      else if (answer == Answer::kNak) reply(message, 6);
    }
  }

  // The server answers ARP for its address, so unicast renewals reach it.
  void answer_arp(const Bytes& request) {
    uint32_t target;
    std::memcpy(&target, &request[38], 4);
    if (request[21] != 1 || target != ip("10.0.2.2")) return;
    Bytes reply(42, 0);
    std::memcpy(&reply[0], &request[6], 6);
    std::memcpy(&reply[6], kServerMac, 6);
    reply[12] = 0x08;
    reply[13] = 0x06;
    std::memcpy(&reply[14], &request[14], 6);  // Ethernet, IPv4, sizes
    reply[21] = 2;
    std::memcpy(&reply[22], kServerMac, 6);
    std::memcpy(&reply[28], &target, 4);
    std::memcpy(&reply[32], &request[22], 10);  // the asker's MAC and address
    nic_.receive(reply);
  }

  void reply(const uint8_t* request, uint8_t type) {
    Bytes message(300, 0);
    message[0] = 2;
    message[1] = 1;
    message[2] = 6;
    std::memcpy(&message[4], request + 4, 4);    // xid
    std::memcpy(&message[28], request + 28, 6);  // chaddr
    uint32_t yiaddr = type == 6 ? 0 : ip("10.0.2.15");
    std::memcpy(&message[16], &yiaddr, 4);
    const uint8_t cookie[4] = {99, 130, 83, 99};
    std::memcpy(&message[236], cookie, 4);
    size_t at = 240;
    auto option = [&](uint8_t code, const void* value, uint8_t size) {
      message[at++] = code;
      message[at++] = size;
      std::memcpy(&message[at], value, size);
      at += size;
    };
    option(53, &type, 1);
    uint32_t server = ip("10.0.2.2");
    option(54, &server, 4);
    if (type != 6) {
      uint32_t mask = ip("255.255.255.0"), router = ip("10.0.2.2"), dns = ip("10.0.2.3");
      uint32_t lease = htonl(lease_seconds);
      option(1, &mask, 4);
      option(3, &router, 4);
      option(6, &dns, 4);
      option(51, &lease, 4);
    }
    message[at++] = 255;
    nic_.receive(udp_frame(kServerMac, kBroadcastMac, ip("10.0.2.2"), 0xffffffffu, 67, 68, message));
  }

  FakeNic& nic_;
};

class DhcpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    nic_ = std::make_unique<FakeNic>(kClientMac);
    ASSERT_EQ(harness_.load("net-lwip"), "") << fake::console_output();
  }
  void TearDown() override {
    write_seeds(*nic_, std::string("dhcp-") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  StackHarness harness_;
  std::unique_ptr<FakeNic> nic_;
};

TEST_F(DhcpTest, OfferAndAckConfigureTheDevice) {
  FakeDhcpServer server(*nic_);
  ASSERT_EQ(harness_.load("net-dhcp"), "") << fake::console_output();
  std::string log = fake::console_output();
  EXPECT_NE(log.find("net-dhcp: eth0 leased 10.0.2.15/24 gw 10.0.2.2 from 10.0.2.2 for 86400 s"), std::string::npos)
      << log;
  EXPECT_NE(log.find("net-lwip: eth0 is 10.0.2.15/24 gw 10.0.2.2"), std::string::npos) << log;
  EXPECT_EQ(server.discovers, 1);
  EXPECT_EQ(server.requests, 1);

  // The address works: a UDP datagram from the "server" reaches a socket on it.
  int fd = api::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(5000);
  ASSERT_EQ(api::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local), 0);
  nic_->receive(udp_frame(kServerMac, kClientMac, ip("10.0.2.2"), ip("10.0.2.15"), 9, 5000, Bytes{'h', 'i'}));
  char buffer[8] = {};
  pollfd entry = {fd, POLLIN, 0};
  ASSERT_EQ(api::poll(&entry, 1, 1000), 1);
  EXPECT_EQ(api::recv(fd, buffer, sizeof buffer, 0), 2);
  api::close(fd);
}

TEST_F(DhcpTest, NakMakesTheClientStartOver) {
  FakeDhcpServer server(*nic_);
  server.answers = {Answer::kNak, Answer::kAck};
  ASSERT_EQ(harness_.load("net-dhcp"), "") << fake::console_output();
  std::string log = fake::console_output();
  EXPECT_NE(log.find("net-dhcp: eth0: server 10.0.2.2 refused 10.0.2.15 (NAK); starting over"), std::string::npos)
      << log;
  EXPECT_NE(log.find("net-dhcp: eth0 leased 10.0.2.15/24"), std::string::npos) << log;
  EXPECT_EQ(server.discovers, 2);
  EXPECT_EQ(server.requests, 2);
}

TEST_F(DhcpTest, RenewsAtT1ByUnicast) {
  FakeDhcpServer server(*nic_);
  server.lease_seconds = 100;  // T1 at 50 s
  ASSERT_EQ(harness_.load("net-dhcp"), "") << fake::console_output();
  fake::clear_console();
  StackHarness::sleep_ms(60'000);
  EXPECT_EQ(server.requests, 2);
  EXPECT_EQ(server.unicast_requests, 1);
  EXPECT_NE(fake::console_output().find("net-dhcp: eth0 renewed 10.0.2.15 for 100 s"), std::string::npos)
      << fake::console_output();
}

TEST_F(DhcpTest, RebindsByBroadcastAtT2WhenTheServerDoesNotAnswerRenewals) {
  FakeDhcpServer server(*nic_);
  server.lease_seconds = 100;  // T1 at 50 s, T2 at 87.5 s
  server.answer_unicast = false;
  ASSERT_EQ(harness_.load("net-dhcp"), "") << fake::console_output();
  fake::clear_console();
  StackHarness::sleep_ms(95'000);
  EXPECT_GE(server.unicast_requests, 1);
  EXPECT_GE(server.rebinding_requests, 1);
  EXPECT_NE(fake::console_output().find("net-dhcp: eth0 renewed 10.0.2.15 for 100 s"), std::string::npos)
      << fake::console_output();
}

TEST_F(DhcpTest, AnExpiredLeaseIsGivenUpAndAskedForAgain) {
  FakeDhcpServer server(*nic_);
  server.lease_seconds = 100;
  server.answer_renewals = false;
  ASSERT_EQ(harness_.load("net-dhcp"), "") << fake::console_output();
  fake::clear_console();
  StackHarness::sleep_ms(101'000);
  std::string log = fake::console_output();
  EXPECT_NE(log.find("net-dhcp: eth0: the lease expired; giving up 10.0.2.15 and asking again"), std::string::npos)
      << log;
  EXPECT_NE(log.find("net-lwip: eth0 is 0.0.0.0/0"), std::string::npos) << log;
  EXPECT_GE(server.discovers, 2) << "DISCOVER again after expiry";
  StackHarness::sleep_ms(5'000);
  EXPECT_NE(fake::console_output().find("net-dhcp: eth0 leased 10.0.2.15/24"), std::string::npos)
      << fake::console_output();
}

TEST_F(DhcpTest, NoServerFailsInitWithAClearError) {
  FakeDhcpServer server(*nic_);
  server.offer = false;
  std::string error = harness_.load("net-dhcp");
  EXPECT_NE(error, "");
  std::string log = fake::console_output();
  EXPECT_NE(log.find("net-dhcp: eth0: no DHCP offer within 10 s"), std::string::npos) << log;
  // The kernel's default net.dhcp.timeout is 10 s: sent at 0, ~2, ~6 s (backoff 2, 4, 8 s).
  EXPECT_GE(server.discovers, 3) << "retransmitted with backoff";
  EXPECT_LE(server.discovers, 4);
}

TEST_F(DhcpTest, OffersButNoAckFailsInit) {
  FakeDhcpServer server(*nic_);
  server.answers = {Answer::kSilent};
  EXPECT_NE(harness_.load("net-dhcp"), "");
  EXPECT_NE(fake::console_output().find("offer(s) but no acknowledgement"), std::string::npos)
      << fake::console_output();
}

// ---- The messages ----

TEST(DhcpMessage, DiscoverCarriesTypeMacAndParameterList) {
  dhcp::Request request;
  request.xid = 0x11223344;
  std::memcpy(request.mac, kClientMac, 6);
  uint8_t buffer[dhcp::kMessageCapacity];
  size_t length = dhcp::build_message(request, buffer);
  ASSERT_GE(length, 300u);
  EXPECT_EQ(buffer[0], 1);
  EXPECT_EQ(buffer[10], 0x80) << "broadcast flag";
  EXPECT_EQ(std::memcmp(buffer + 28, kClientMac, 6), 0);
  EXPECT_EQ(buffer[240], 53);
  EXPECT_EQ(buffer[242], 1);
  EXPECT_EQ(buffer[243], 55) << "parameter request list follows";
}

TEST(DhcpMessage, RepliesAreCheckedBeforeUse) {
  uint8_t reply[300] = {};
  reply[0] = 2;
  reply[1] = 1;
  reply[2] = 6;
  uint32_t xid = 7;
  std::memcpy(reply + 4, &xid, 4);
  std::memcpy(reply + 28, kClientMac, 6);
  const uint8_t cookie[4] = {99, 130, 83, 99};
  std::memcpy(reply + 236, cookie, 4);
  const uint8_t options[] = {53, 1, 2, 51, 4, 0, 0, 0x0e, 0x10, 255};
  std::memcpy(reply + 240, options, sizeof options);
  dhcp::Reply out;
  ASSERT_EQ(dhcp::parse_reply(reply, sizeof reply, xid, kClientMac, out), dhcp::ParseResult::kOk);
  EXPECT_EQ(out.type, dhcp::MessageType::kOffer);
  EXPECT_EQ(out.lease_seconds, 3600u);

  EXPECT_EQ(dhcp::parse_reply(reply, 200, xid, kClientMac, out), dhcp::ParseResult::kTooShort);
  EXPECT_EQ(dhcp::parse_reply(reply, sizeof reply, xid + 1, kClientMac, out), dhcp::ParseResult::kOtherClient);
  uint8_t overrun[300];
  std::memcpy(overrun, reply, sizeof overrun);
  overrun[244] = 200;  // option 51 claims 200 bytes
  EXPECT_EQ(dhcp::parse_reply(overrun, sizeof overrun, xid, kClientMac, out), dhcp::ParseResult::kBadOptions);
  std::memcpy(overrun, reply, sizeof overrun);
  overrun[249] = 0;  // no end option before the buffer ends: only padding
  EXPECT_EQ(dhcp::parse_reply(overrun, sizeof overrun, xid, kClientMac, out), dhcp::ParseResult::kBadOptions);
  std::memcpy(overrun, reply, sizeof overrun);
  overrun[236] = 0;
  EXPECT_EQ(dhcp::parse_reply(overrun, sizeof overrun, xid, kClientMac, out), dhcp::ParseResult::kBadCookie);
}

}  // namespace
}  // namespace tessera::netstack

// The real net-lwip module in an in-process kernel: TCP and UDP through the kernel's
// POSIX socket calls across two fake network devices wired to each other (eth1's frames
// arrive at eth0 and back) and over loopback; poll, non-blocking calls, refused
// connections; malformed frames dropped and counted while a connection keeps working; a
// SYN flood that does not lock a real client out.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "stack_harness.hh"

#include "libc/errno.hh"
#include "module/api/device_api.hh"
#include "module/api/socket_api.hh"

// The guest thread's errno, which the kernel's socket calls set (not glibc's).
#undef errno
#define errno (*tessera::libc::errno_location())

namespace tessera::netstack {
namespace {

const uint8_t kMac0[6] = {0x02, 0, 0, 0, 0, 0x01};
const uint8_t kMac1[6] = {0x02, 0, 0, 0, 0, 0x02};
const uint8_t kPeerMac[6] = {0x02, 0, 0, 0, 0, 0x99};

sockaddr_in address(const char* dotted, uint16_t port) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(port);
  in.sin_addr.s_addr = ip(dotted);
  return in;
}

sockaddr* as_sockaddr(sockaddr_in& in) { return reinterpret_cast<sockaddr*>(&in); }

// A listening TCP socket on `host`, any port: its fd and port.
int listener(const char* host, uint16_t& port, int backlog = 16) {
  int fd = api::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in local = address(host, port);
  EXPECT_EQ(api::bind(fd, as_sockaddr(local), sizeof local), 0) << errno;
  EXPECT_EQ(api::listen(fd, backlog), 0) << errno;
  socklen_t length = sizeof local;
  EXPECT_EQ(api::getsockname(fd, as_sockaddr(local), &length), 0);
  port = ntohs(local.sin_port);
  return fd;
}

std::string pattern(size_t size) {
  std::string data(size, 0);
  for (size_t i = 0; i < size; ++i) data[i] = char('a' + (i * 7 + i / 1000) % 26);
  return data;
}

bool send_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t sent = api::send(fd, data.data() + done, data.size() - done, 0);
    if (sent <= 0) return false;
    done += size_t(sent);
  }
  return true;
}

std::string receive_all(int fd) {
  std::string data;
  char buffer[8192];
  for (;;) {
    ssize_t got = api::recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) return data;
    data.append(buffer, size_t(got));
  }
}

class NetStackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    eth0_ = std::make_unique<FakeNic>(kMac0);
    eth1_ = std::make_unique<FakeNic>(kMac1);
    ASSERT_NE(eth0_->device(), nullptr);
    ASSERT_NE(eth1_->device(), nullptr);
    eth0_->connect(eth1_.get());
    eth1_->connect(eth0_.get());
    std::string error = harness_.load("net-lwip");
    ASSERT_EQ(error, "") << fake::console_output();
    ASSERT_EQ(harness_.configure(*eth0_, "10.0.0.1", "255.255.255.0", nullptr), 0);
    ASSERT_EQ(harness_.configure(*eth1_, "10.0.0.2", "255.255.255.0", nullptr), 0);
  }
  void TearDown() override {
    // eth0 is the fuzzer's device (same MAC and address; it listens on TCP 80, UDP 7777).
    write_seeds(*eth0_, ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  // A client on its own thread sends `size` bytes to host:port and reads the echo; the
  // calling thread accepts and echoes. True when the echo equals what was sent.
  bool echo_exchange(int server, const char* host, uint16_t port, size_t size) {
    std::string sent = pattern(size), echoed;
    int client_error = 0;
    tessera_thread* client = harness_.spawn([&] {
      int fd = api::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in to = address(host, port);
      if (api::connect(fd, as_sockaddr(to), sizeof to) != 0) {
        client_error = errno;
        api::close(fd);
        return;
      }
      if (!send_all(fd, sent)) client_error = errno;
      api::shutdown(fd, SHUT_WR);
      echoed = receive_all(fd);
      api::close(fd);
    });
    sockaddr_in peer{};
    socklen_t peer_length = sizeof peer;
    int connection = api::accept(server, as_sockaddr(peer), &peer_length);
    EXPECT_GE(connection, 0) << errno;
    if (connection >= 0) {
      std::string received = receive_all(connection);
      EXPECT_TRUE(send_all(connection, received));
      api::close(connection);
    }
    harness_.join(client);
    EXPECT_EQ(client_error, 0);
    return echoed == sent;
  }

  StackHarness harness_;
  std::unique_ptr<FakeNic> eth0_, eth1_;
};

TEST_F(NetStackTest, StartsWithLoopbackAndAttachesToEveryDevice) {
  std::string log = fake::console_output();
  EXPECT_NE(log.find("net-lwip: attached to eth0 (02:00:00:00:00:01, mtu 1500)"), std::string::npos) << log;
  EXPECT_NE(log.find("net-lwip: attached to eth1"), std::string::npos) << log;
  EXPECT_NE(log.find("net-lwip: lwIP 2.1.3 serving sockets, loopback 127.0.0.1, 2 network device(s)"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("net-lwip: eth0 is 10.0.0.1/24"), std::string::npos) << log;
}

TEST_F(NetStackTest, TcpEchoAcrossTheWire) {
  uint16_t port = 80;
  int server = listener("10.0.0.1", port);
  eth1_->sent.clear();
  EXPECT_TRUE(echo_exchange(server, "10.0.0.1", port, 300 * 1024));
  // The client (10.0.0.2, on eth1) reached 10.0.0.1 through eth1's wire.
  size_t tcp_frames = 0;
  for (const Bytes& frame : eth1_->sent)
    if (frame.size() > 34 && frame[12] == 0x08 && frame[13] == 0 && frame[23] == 6) ++tcp_frames;
  EXPECT_GT(tcp_frames, 200u);
  api::close(server);
  std::string stats = harness_.statistics();
  EXPECT_GT(StackHarness::value(stats, "tcp", "rx"), 200) << stats;
  EXPECT_EQ(StackHarness::value(stats, "tcp", "chksum"), 0) << stats;
}

TEST_F(NetStackTest, TcpEchoOverLoopback) {
  uint16_t port = 0;
  int server = listener("127.0.0.1", port);
  EXPECT_TRUE(echo_exchange(server, "127.0.0.1", port, 1 << 20));
  api::close(server);
}

// Bulk TCP through lwIP, measured in host time (the fake platform's clock only moves
// while every thread waits): `total` bytes from a client thread to `host`, checked on
// arrival. Both ends share the one simulated CPU, as in a real boot. MiB/s, or -1.
double bulk_throughput(StackHarness& harness, const char* host, size_t total) {
  uint16_t port = 0;
  int server = listener(host, port);
  std::string block = pattern(64 * 1024);
  size_t received = 0;
  bool intact = true;
  tessera_thread* sender = harness.spawn([&] {
    int fd = api::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in to = address(host, port);
    if (api::connect(fd, as_sockaddr(to), sizeof to) != 0) return;
    for (size_t sent = 0; sent < total; sent += block.size())
      if (!send_all(fd, block)) break;
    api::close(fd);
  });
  int connection = api::accept(server, nullptr, nullptr);
  if (connection < 0) return -1;
  auto start = std::chrono::steady_clock::now();
  std::vector<char> buffer(256 * 1024);
  for (;;) {
    ssize_t got = api::recv(connection, buffer.data(), buffer.size(), 0);
    if (got <= 0) break;
    for (ssize_t i = 0; i < got; i += 4096)
      if (buffer[size_t(i)] != block[(received + size_t(i)) % block.size()]) intact = false;
    received += size_t(got);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  harness.join(sender);
  api::close(connection);
  api::close(server);
  EXPECT_EQ(received, total);
  EXPECT_TRUE(intact);
  return received == total && intact ? double(total >> 20) / seconds : -1;
}

TEST_F(NetStackTest, LoopbackBulkThroughput) {
  double rate = bulk_throughput(harness_, "127.0.0.1", 64u << 20);
  std::printf("net-stack: loopback TCP 64 MiB at %.0f MiB/s\n", rate);
}

// Through the device path: eth1 -> eth0 (frames copied, checksums checked, as a driver
// delivers them), acknowledgements back over loopback.
TEST_F(NetStackTest, DeviceBulkThroughput) {
  eth0_->keep_sent = eth1_->keep_sent = false;
  eth0_->keep_received = eth1_->keep_received = false;
  double rate = bulk_throughput(harness_, "10.0.0.1", 64u << 20);
  std::printf("net-stack: device TCP 64 MiB at %.0f MiB/s\n", rate);
}

TEST_F(NetStackTest, UdpDatagramsBothWays) {
  // Bound to any address: lwIP sends from the address of the interface its route picks
  // (eth1 here, both devices being on one subnet) and refuses a socket bound elsewhere.
  int server = api::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in local = address("0.0.0.0", 7777);
  ASSERT_EQ(api::bind(server, as_sockaddr(local), sizeof local), 0);
  int client = api::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to = address("10.0.0.1", 7777);
  ASSERT_EQ(api::sendto(client, "ping", 4, 0, as_sockaddr(to), sizeof to), 4);
  char buffer[64] = {};
  sockaddr_in from{};
  socklen_t from_length = sizeof from;
  ASSERT_EQ(api::recvfrom(server, buffer, sizeof buffer, 0, as_sockaddr(from), &from_length), 4);
  EXPECT_STREQ(buffer, "ping");
  EXPECT_EQ(from_length, sizeof(sockaddr_in));
  EXPECT_EQ(from.sin_family, AF_INET);
  EXPECT_EQ(from.sin_addr.s_addr, ip("10.0.0.2"));
  sockaddr_in client_address{};
  socklen_t client_length = sizeof client_address;
  ASSERT_EQ(api::getsockname(client, as_sockaddr(client_address), &client_length), 0);
  EXPECT_EQ(from.sin_port, client_address.sin_port);
  ASSERT_EQ(api::sendto(server, "pong!", 5, 0, as_sockaddr(from), from_length), 5);
  std::memset(buffer, 0, sizeof buffer);
  ASSERT_EQ(api::recv(client, buffer, sizeof buffer, 0), 5);
  EXPECT_STREQ(buffer, "pong!");
  api::close(client);
  api::close(server);
}

TEST_F(NetStackTest, PollAndNonBlockingCalls) {
  uint16_t port = 0;
  int server = listener("10.0.0.1", port);
  ASSERT_EQ(api::fcntl(server, F_SETFL, O_NONBLOCK), 0);
  sockaddr_in peer{};
  socklen_t peer_length = sizeof peer;
  EXPECT_EQ(api::accept(server, as_sockaddr(peer), &peer_length), -1);
  EXPECT_EQ(errno, EAGAIN);

  pollfd entry = {server, POLLIN, 0};
  EXPECT_EQ(api::poll(&entry, 1, 0), 0) << "nothing to accept yet";

  int client = api::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  ASSERT_GE(client, 0);
  sockaddr_in to = address("10.0.0.1", port);
  EXPECT_EQ(api::connect(client, as_sockaddr(to), sizeof to), -1);
  EXPECT_EQ(errno, EINPROGRESS);
  pollfd connecting = {client, POLLOUT, 0};
  ASSERT_EQ(api::poll(&connecting, 1, 5000), 1);
  EXPECT_EQ(connecting.revents & POLLOUT, POLLOUT);
  int error = -1;
  socklen_t error_length = sizeof error;
  ASSERT_EQ(api::getsockopt(client, SOL_SOCKET, SO_ERROR, &error, &error_length), 0);
  EXPECT_EQ(error, 0);

  ASSERT_EQ(api::poll(&entry, 1, 5000), 1) << "a connection to accept";
  EXPECT_EQ(entry.revents & POLLIN, POLLIN);
  int connection = api::accept(server, as_sockaddr(peer), &peer_length);
  ASSERT_GE(connection, 0) << errno;
  EXPECT_EQ(peer.sin_addr.s_addr, ip("10.0.0.2"));

  char buffer[16];
  EXPECT_EQ(api::recv(connection, buffer, sizeof buffer, MSG_DONTWAIT), -1);
  EXPECT_EQ(errno, EAGAIN);
  pollfd readable = {connection, POLLIN, 0};
  EXPECT_EQ(api::poll(&readable, 1, 100), 0) << "times out with nothing to read";
  ASSERT_EQ(api::send(client, "hello", 5, 0), 5);
  ASSERT_EQ(api::poll(&readable, 1, 5000), 1);
  EXPECT_EQ(readable.revents & POLLIN, POLLIN);
  EXPECT_EQ(api::recv(connection, buffer, sizeof buffer, 0), 5);

  // Orderly close: readable, and recv says end of stream.
  api::close(client);
  ASSERT_EQ(api::poll(&readable, 1, 5000), 1);
  EXPECT_EQ(api::recv(connection, buffer, sizeof buffer, 0), 0);
  api::close(connection);
  api::close(server);
}

TEST_F(NetStackTest, ConnectionRefused) {
  int blocking = api::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to = address("10.0.0.1", 9);
  EXPECT_EQ(api::connect(blocking, as_sockaddr(to), sizeof to), -1);
  EXPECT_EQ(errno, ECONNREFUSED);
  api::close(blocking);

  int nonblocking = api::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  EXPECT_EQ(api::connect(nonblocking, as_sockaddr(to), sizeof to), -1);
  EXPECT_EQ(errno, EINPROGRESS);
  pollfd entry = {nonblocking, POLLOUT, 0};
  ASSERT_EQ(api::poll(&entry, 1, 5000), 1);
  EXPECT_NE(entry.revents & POLLERR, 0);
  int error = 0;
  socklen_t length = sizeof error;
  ASSERT_EQ(api::getsockopt(nonblocking, SOL_SOCKET, SO_ERROR, &error, &length), 0);
  EXPECT_EQ(error, ECONNREFUSED);
  api::close(nonblocking);
}

TEST_F(NetStackTest, SocketOptionsUseLinuxValues) {
  int fd = api::socket(AF_INET, SOCK_STREAM, 0);
  int on = 1, value = 0;
  socklen_t length = sizeof value;
  ASSERT_EQ(api::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on), 0) << errno;
  ASSERT_EQ(api::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, &length), 0);
  EXPECT_EQ(value, 1);
  ASSERT_EQ(api::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on), 0);
  ASSERT_EQ(api::getsockopt(fd, SOL_SOCKET, SO_TYPE, &value, &length), 0);
  EXPECT_EQ(value, SOCK_STREAM);
  timeval timeout = {1, 500000};
  ASSERT_EQ(api::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout), 0) << errno;
  timeval back{};
  socklen_t back_length = sizeof back;
  ASSERT_EQ(api::getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &back, &back_length), 0);
  EXPECT_EQ(back.tv_sec, 1);
  EXPECT_EQ(back.tv_usec, 500000);
  EXPECT_EQ(api::setsockopt(fd, SOL_SOCKET, 12345, &on, sizeof on), -1);
  EXPECT_EQ(errno, ENOPROTOOPT);
  api::close(fd);
  EXPECT_EQ(api::socket(AF_INET6, SOCK_STREAM, 0), -1);
  EXPECT_EQ(errno, EAFNOSUPPORT);
}

TEST_F(NetStackTest, MalformedFramesAreDroppedAndCounted) {
  uint16_t port = 0;
  int server = listener("10.0.0.1", port);
  uint32_t peer = ip("10.0.0.77"), self = ip("10.0.0.1");
  Bytes good_udp = udp_frame(kPeerMac, kMac0, peer, self, 1234, 5678, Bytes(32, 'x'));
  Bytes good_tcp = tcp_frame(kPeerMac, kMac0, peer, self, 1234, port, 1000, 0, 0x02);

  Bytes truncated(good_udp.begin(), good_udp.begin() + kEthernetHeader + 10);
  Bytes bad_ip_checksum = good_udp;
  bad_ip_checksum[kEthernetHeader + 10] ^= 0x55;
  Bytes too_long = good_udp;  // total length beyond the frame (checksum fixed up)
  too_long[kEthernetHeader + 2] = 0x05;
  too_long[kEthernetHeader + 10] = too_long[kEthernetHeader + 11] = 0;
  uint16_t sum = internet_checksum(too_long.data() + kEthernetHeader, kIpHeader);
  too_long[kEthernetHeader + 10] = uint8_t(sum >> 8);
  too_long[kEthernetHeader + 11] = uint8_t(sum);
  Bytes bad_tcp_checksum = good_tcp;
  bad_tcp_checksum[kEthernetHeader + kIpHeader + 16] ^= 0x55;
  Bytes bad_udp_checksum = good_udp;
  bad_udp_checksum[kEthernetHeader + kIpHeader + 6] ^= 0x55;
  Bytes unknown_protocol = udp_frame(kPeerMac, kMac0, peer, self, 1, 2, Bytes(8, 0));
  unknown_protocol[kEthernetHeader + 9] = 99;
  unknown_protocol[kEthernetHeader + 10] = unknown_protocol[kEthernetHeader + 11] = 0;
  sum = internet_checksum(unknown_protocol.data() + kEthernetHeader, kIpHeader);
  unknown_protocol[kEthernetHeader + 10] = uint8_t(sum >> 8);
  unknown_protocol[kEthernetHeader + 11] = uint8_t(sum);
  Bytes unknown_ethertype = good_udp;
  unknown_ethertype[12] = 0x12;
  unknown_ethertype[13] = 0x34;
  Bytes garbage(60);
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = uint8_t(i * 37 + 11);
  std::memcpy(garbage.data(), kMac0, 6);
  Bytes runt = {1, 2, 3};

  for (const Bytes* frame : {&truncated, &bad_ip_checksum, &too_long, &bad_tcp_checksum, &bad_udp_checksum,
                             &unknown_protocol, &unknown_ethertype, &garbage, &runt}) {
    eth0_->receive(*frame);
  }
  StackHarness::sleep_ms(10);  // the tcpip thread takes them

  std::string stats = harness_.statistics();
  EXPECT_GE(StackHarness::value(stats, "ip", "chksum"), 1) << stats;
  EXPECT_GE(StackHarness::value(stats, "ip", "len"), 2) << stats;
  EXPECT_GE(StackHarness::value(stats, "ip", "proto"), 1) << stats;
  EXPECT_GE(StackHarness::value(stats, "tcp", "chksum"), 1) << stats;
  EXPECT_GE(StackHarness::value(stats, "udp", "chksum"), 1) << stats;
  EXPECT_GE(StackHarness::value(stats, "etharp", "proto"), 1) << stats;
  EXPECT_GE(StackHarness::value(stats, "ip", "drop"), 4) << stats;
  tessera_netdev_stats device{};
  ASSERT_EQ(api::netdev_statistics(eth0_->device(), &device), 0);
  EXPECT_GE(device.rx_dropped, 1u) << "the runt never reaches the stack";

  // And the stack still serves.
  EXPECT_TRUE(echo_exchange(server, "10.0.0.1", port, 64 * 1024));
  api::close(server);
}

// A burst beyond the tcpip thread's mailbox (512 frames) is dropped at the door and
// counted as "queue full", and the stack carries on.
TEST_F(NetStackTest, ABurstBeyondTheInputQueueIsDroppedAndCounted) {
  Bytes frame = udp_frame(kPeerMac, kMac0, ip("10.0.0.77"), ip("10.0.0.1"), 1234, 4321, Bytes(64, 'x'));
  for (int i = 0; i < 2000; ++i) eth0_->receive(frame);  // no yield: the tcpip thread cannot run
  StackHarness::sleep_ms(10);
  std::string stats = harness_.statistics();
  long queue_full = StackHarness::value(stats, "link", "full");
  EXPECT_GE(queue_full, 2000 - 512) << stats;
  EXPECT_LT(queue_full, 2000) << stats;
  EXPECT_GE(StackHarness::value(stats, "link", "drop"), queue_full) << stats;
  uint16_t port = 0;
  int server = listener("10.0.0.1", port);
  EXPECT_TRUE(echo_exchange(server, "10.0.0.1", port, 16 * 1024));
  api::close(server);
}

TEST_F(NetStackTest, SynFloodDoesNotLockOutARealClient) {
  uint16_t port = 0;
  int server = listener("10.0.0.1", port, 16);
  eth0_->keep_sent = false;
  eth1_->keep_sent = false;
  bool flooding = true;
  int sent = 0;
  harness_.spawn([&] {
    uint32_t seed = 12345;
    while (flooding && sent < 4000) {
      for (int i = 0; i < 20; ++i, ++sent) {
        seed = seed * 1103515245 + 12345;
        char source[16];
        std::snprintf(source, sizeof source, "10.0.0.%u", 100 + (seed >> 16) % 150);
        eth0_->receive(tcp_frame(kPeerMac, kMac0, ip(source), ip("10.0.0.1"), uint16_t(1024 + (seed & 0x7fff)),
                                 port, seed, 0, 0x02));
      }
      StackHarness::sleep_ms(1);
    }
  });
  StackHarness::sleep_ms(50);  // the backlog is full of half-open connections by now
  bool echoed = echo_exchange(server, "10.0.0.1", port, 16 * 1024);
  flooding = false;
  harness_.join();
  EXPECT_TRUE(echoed);
  EXPECT_GT(sent, 200);
  std::string stats = harness_.statistics();
  long evictions = StackHarness::value(stats, "tcp connections", "evictions");
  EXPECT_GT(evictions, 100) << stats;
  api::close(server);
}

}  // namespace
}  // namespace tessera::netstack

// `tessera run --net SPEC`: what parses, and that every refusal names the bad part.
#include <gtest/gtest.h>

#include "tessera/network_option.hh"

namespace {

using tessera::cli::NetworkOption;
using tessera::cli::parse_network_option;

TEST(NetworkOption, UserAlone) {
  auto option = parse_network_option("user");
  ASSERT_TRUE(option) << option.error();
  EXPECT_EQ(option->backend, NetworkOption::Backend::kUser);
  EXPECT_TRUE(option->forwards.empty());
  EXPECT_EQ(option->spec, "user");
}

TEST(NetworkOption, ForwardsWithAndWithoutAddresses) {
  auto option = parse_network_option("user,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp::5353-10.0.2.15:53,hostfwd=::2222-:22");
  ASSERT_TRUE(option) << option.error();
  ASSERT_EQ(option->forwards.size(), 3u);
  const auto& web = option->forwards[0];
  EXPECT_EQ(web.protocol, "tcp");
  EXPECT_EQ(web.host_address, "127.0.0.1");
  EXPECT_EQ(web.host_port, 8080);
  EXPECT_EQ(web.guest_address, "");
  EXPECT_EQ(web.guest_port, 80);
  const auto& dns = option->forwards[1];
  EXPECT_EQ(dns.protocol, "udp");
  EXPECT_EQ(dns.host_address, "");
  EXPECT_EQ(dns.host_port, 5353);
  EXPECT_EQ(dns.guest_address, "10.0.2.15");
  EXPECT_EQ(dns.guest_port, 53);
  EXPECT_EQ(option->forwards[2].protocol, "tcp");  // QEMU's default protocol
  EXPECT_EQ(option->forwards[2].guest_port, 22);
}

TEST(NetworkOption, Tap) {
  auto option = parse_network_option("tap,ifname=tap0");
  ASSERT_TRUE(option) << option.error();
  EXPECT_EQ(option->backend, NetworkOption::Backend::kTap);
  EXPECT_EQ(option->tap_name, "tap0");
}

void expect_refused(const std::string& spec, const std::string& message) {
  auto option = parse_network_option(spec);
  ASSERT_FALSE(option) << spec << " was accepted";
  EXPECT_NE(option.error().find(message), std::string::npos) << spec << ": " << option.error();
}

TEST(NetworkOption, RefusalsNameTheBadPart) {
  expect_refused("usr", "unknown backend 'usr' (known: user, tap)");
  expect_refused("", "unknown backend ''");
  expect_refused("user,hostfwd", "'hostfwd' in 'user,hostfwd' should be KEY=VALUE");
  expect_refused("user,net=10.0.3.0/24", "unknown option 'net' for user (known: hostfwd)");
  expect_refused("user,ifname=tap0", "unknown option 'ifname' for user");
  expect_refused("user,hostfwd=sctp::1-:2", "unknown protocol 'sctp' (known: tcp, udp)");
  expect_refused("user,hostfwd=tcp", "hostfwd 'tcp' should look like tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT");
  expect_refused("user,hostfwd=tcp::8080", "expected one '-'");
  expect_refused("user,hostfwd=tcp::1-:2-:3", "expected one '-'");
  expect_refused("user,hostfwd=tcp::0-:80", "host port '0' is not a number from 1 to 65535");
  expect_refused("user,hostfwd=tcp::65536-:80", "host port '65536'");
  expect_refused("user,hostfwd=tcp::http-:80", "host port 'http'");
  expect_refused("user,hostfwd=tcp::8080-:", "guest port ''");
  expect_refused("user,hostfwd=tcp::8080-80", "guest side '80' needs [ADDRESS]:PORT");
  expect_refused("user,hostfwd=tcp:localhost:8080-:80", "host address 'localhost' is not a numeric IPv4 address");
  expect_refused("user,hostfwd=tcp::8080-10.0.2.300:80", "guest address '10.0.2.300'");
  expect_refused("user,hostfwd=tcp::8080-:80,hostfwd=tcp:127.0.0.1:8080-:81", "host tcp port 8080 is already forwarded");
  expect_refused("tap", "tap needs ifname=NAME");
  expect_refused("tap,ifname=", "ifname '' is not a valid interface name");
  expect_refused("tap,ifname=averyveryverylongname", "ifname 'averyveryverylongname'");
  expect_refused("tap,ifname=a/b", "ifname 'a/b'");
  expect_refused("tap,ifname=a,ifname=b", "ifname given twice");
  expect_refused("tap,ifname=t0,hostfwd=tcp::1-:2", "unknown option 'hostfwd' for tap (known: ifname)");
}

TEST(NetworkOption, SameHostPortOnBothProtocolsIsFine) {
  auto option = parse_network_option("user,hostfwd=tcp::5353-:53,hostfwd=udp::5353-:53");
  ASSERT_TRUE(option) << option.error();
  EXPECT_EQ(option->forwards.size(), 2u);
}

}  // namespace

// Address text: inet_pton/inet_ntop, getaddrinfo for numeric hosts and services, and the
// kernel option net.ip (syntax, strict validation, messages, tessera_kernel_option).
#include <string>

#include <gtest/gtest.h>

#include "unit/host_socket_headers.hh"

#include "boot/kernel_options.hh"
#include "fake_platform/fake_platform.hh"
#include "libc/errno.hh"
#include "module/api/address_api.hh"
#include "module/api/device_api.hh"
#include "net/net_config.hh"

namespace tessera {
namespace {

class NetAddressTest : public ::testing::Test {
 protected:
  void SetUp() override { fake::boot_core(ram_); }
  fake::Ram ram_{16 << 20};
};

TEST_F(NetAddressTest, InetPtonAcceptsStrictDottedQuadsOnly) {
  uint32_t address = 0;
  EXPECT_EQ(api::inet_pton(AF_INET, "10.0.2.15", &address), 1);
  EXPECT_EQ(address, htonl(0x0a00020f));
  EXPECT_EQ(api::inet_pton(AF_INET, "255.255.255.255", &address), 1);
  EXPECT_EQ(address, 0xffffffffu);
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "1.2.3.4 ", "a.b.c.d",
                          "1.2.3.-4", "1.2.3.4/24", "localhost"})
    EXPECT_EQ(api::inet_pton(AF_INET, bad, &address), 0) << bad;
  EXPECT_EQ(api::inet_pton(AF_INET6, "::1", &address), -1);
  EXPECT_EQ(*libc::errno_location(), kEAFNOSUPPORT);
}

TEST_F(NetAddressTest, InetNtopFormatsAndChecksTheBuffer) {
  uint32_t address = htonl(0xc0a80001);
  char text[INET_ADDRSTRLEN];
  EXPECT_STREQ(api::inet_ntop(AF_INET, &address, text, sizeof text), "192.168.0.1");
  char small[11];
  EXPECT_EQ(api::inet_ntop(AF_INET, &address, small, sizeof small), nullptr);
  EXPECT_EQ(*libc::errno_location(), kENOSPC);
  EXPECT_EQ(api::inet_ntop(AF_INET6, &address, text, sizeof text), nullptr);
  EXPECT_EQ(*libc::errno_location(), kEAFNOSUPPORT);
}

std::string describe(const addrinfo* info) {
  std::string out;
  for (; info; info = info->ai_next) {
    auto* in = reinterpret_cast<const sockaddr_in*>(info->ai_addr);
    char text[INET_ADDRSTRLEN];
    api::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    out += std::to_string(info->ai_socktype) + "/" + std::to_string(info->ai_protocol) + " " + text + ":" +
           std::to_string(ntohs(in->sin_port)) + ";";
    EXPECT_EQ(info->ai_family, AF_INET);
    EXPECT_EQ(info->ai_addrlen, sizeof(sockaddr_in));
  }
  return out;
}

TEST_F(NetAddressTest, GetaddrinfoForNumericHostsAndServices) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  ASSERT_EQ(api::getaddrinfo("10.0.2.2", "8080", &hints, &result), 0);
  EXPECT_EQ(describe(result), "1/6 10.0.2.2:8080;");
  api::freeaddrinfo(result);

  hints.ai_flags = AI_PASSIVE;
  ASSERT_EQ(api::getaddrinfo(nullptr, "80", &hints, &result), 0);
  EXPECT_EQ(describe(result), "1/6 0.0.0.0:80;");
  api::freeaddrinfo(result);

  hints.ai_flags = 0;
  ASSERT_EQ(api::getaddrinfo(nullptr, "7", &hints, &result), 0);
  EXPECT_EQ(describe(result), "1/6 127.0.0.1:7;");
  api::freeaddrinfo(result);

  // No hints: every socket type, as glibc lists them.
  ASSERT_EQ(api::getaddrinfo("1.2.3.4", nullptr, nullptr, &result), 0);
  EXPECT_EQ(describe(result), "1/6 1.2.3.4:0;2/17 1.2.3.4:0;3/0 1.2.3.4:0;");
  api::freeaddrinfo(result);

  hints = {};
  hints.ai_flags = AI_CANONNAME;
  hints.ai_socktype = SOCK_DGRAM;
  ASSERT_EQ(api::getaddrinfo("10.0.2.15", "53", &hints, &result), 0);
  EXPECT_EQ(describe(result), "2/17 10.0.2.15:53;");
  EXPECT_STREQ(result->ai_canonname, "10.0.2.15");
  api::freeaddrinfo(result);
}

TEST_F(NetAddressTest, GetaddrinfoErrorsAreGlibcs) {
  addrinfo hints{};
  addrinfo* result = nullptr;
  EXPECT_EQ(api::getaddrinfo("example.com", "80", nullptr, &result), EAI_NONAME);
  EXPECT_EQ(result, nullptr);
  EXPECT_EQ(api::getaddrinfo(nullptr, nullptr, nullptr, &result), EAI_NONAME);
  EXPECT_EQ(api::getaddrinfo("1.2.3.4", "http", nullptr, &result), EAI_SERVICE);
  EXPECT_EQ(api::getaddrinfo("1.2.3.4", "65536", nullptr, &result), EAI_SERVICE);
  hints.ai_flags = AI_NUMERICSERV;
  EXPECT_EQ(api::getaddrinfo("1.2.3.4", "http", &hints, &result), EAI_NONAME);
  hints.ai_flags = 0x4000000;
  EXPECT_EQ(api::getaddrinfo("1.2.3.4", "80", &hints, &result), EAI_BADFLAGS);
  hints.ai_flags = AI_CANONNAME;
  EXPECT_EQ(api::getaddrinfo(nullptr, "80", &hints, &result), EAI_BADFLAGS);
  hints = {};
  hints.ai_family = AF_INET6;
  EXPECT_EQ(api::getaddrinfo("1.2.3.4", "80", &hints, &result), EAI_FAMILY);
  hints = {};
  hints.ai_socktype = 42;
  EXPECT_EQ(api::getaddrinfo("1.2.3.4", "80", &hints, &result), EAI_SOCKTYPE);
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_UDP;
  EXPECT_EQ(api::getaddrinfo("1.2.3.4", "80", &hints, &result), EAI_SOCKTYPE);
  EXPECT_STREQ(api::gai_strerror(EAI_NONAME), "Name or service not known");
  EXPECT_STREQ(api::gai_strerror(EAI_SERVICE), "Servname not supported for ai_socktype");
  EXPECT_STREQ(api::gai_strerror(12345), "Unknown error");
}

TEST(NetConfig, ParsesTheThreeForms) {
  auto none = NetConfig::parse("");
  ASSERT_TRUE(none.is_ok());
  EXPECT_EQ(none.value().mode, NetConfig::Mode::kNone);
  auto dhcp = NetConfig::parse("dhcp");
  ASSERT_TRUE(dhcp.is_ok());
  EXPECT_EQ(dhcp.value().mode, NetConfig::Mode::kDhcp);
  auto fixed = NetConfig::parse("10.0.2.15/24,gw=10.0.2.2");
  ASSERT_TRUE(fixed.is_ok()) << fixed.error().message();
  EXPECT_EQ(fixed.value().mode, NetConfig::Mode::kStatic);
  EXPECT_EQ(fixed.value().address, 0x0a00020fu);
  EXPECT_EQ(fixed.value().prefix_length, 24u);
  EXPECT_EQ(fixed.value().netmask(), 0xffffff00u);
  EXPECT_EQ(fixed.value().gateway, 0x0a000202u);
  auto bare = NetConfig::parse("192.168.1.7/32");
  ASSERT_TRUE(bare.is_ok());
  EXPECT_EQ(bare.value().gateway, 0u);
  EXPECT_EQ(bare.value().netmask(), 0xffffffffu);
}

TEST(NetConfig, RefusesWithAMessageNamingTheProblem) {
  struct Case {
    const char* text;
    const char* why;
  };
  for (const Case& c : {Case{"DHCP", "no /N prefix length"}, Case{"10.0.2.15", "no /N prefix length"},
                        Case{"10.0.2/24", "not a dotted quad"}, Case{"10.0.2.15/33", "prefix length"},
                        Case{"10.0.2.15/0", "prefix length"}, Case{"10.0.2.15/", "prefix length"},
                        Case{"10.0.2.15/2x", "prefix length"}, Case{"10.0.2.15/24,gateway=10.0.2.2", ",gw="},
                        Case{"10.0.2.15/24,gw=10.0.3.2", "outside the subnet"},
                        Case{"10.0.2.15/24,gw=10.0.2.15", "the address itself"},
                        Case{"10.0.2.15/24,gw=", "gateway is not a dotted quad"},
                        Case{"10.0.2.0/24", "network or broadcast"}, Case{"10.0.2.255/24", "network or broadcast"},
                        Case{"127.0.0.1/8", "not a usable host address"}, Case{"0.0.0.0/8", "usable"}}) {
    auto parsed = NetConfig::parse(c.text);
    ASSERT_TRUE(parsed.is_error()) << c.text;
    EXPECT_EQ(parsed.error().code(), kEINVAL);
    std::string message = parsed.error().message();
    EXPECT_NE(message.find("kernel option 'net.ip' expects dhcp or A.B.C.D/N[,gw=A.B.C.D]"), std::string::npos)
        << message;
    EXPECT_NE(message.find(c.why), std::string::npos) << c.text << ": " << message;
  }
}

Result<KernelOptions> options_from(const char* text) {
  static char buffer[256];
  std::snprintf(buffer, sizeof buffer, "%s", text);
  auto line = CommandLine::parse(buffer);
  if (line.is_error()) return line.release_error();
  return KernelOptions::from(line.value());
}

TEST_F(NetAddressTest, NetOptionsAreKernelOptionsAndReadableByModules) {
  auto options = options_from("net.ip=10.0.2.15/24,gw=10.0.2.2 net.dhcp.timeout=30");
  ASSERT_TRUE(options.is_ok()) << options.error().message();
  char text[64];
  EXPECT_EQ(kernel_option_text(options.value(), "net.ip", text, sizeof text).value(), 24u);
  EXPECT_STREQ(text, "10.0.2.15/24,gw=10.0.2.2");
  EXPECT_EQ(kernel_option_text(options.value(), "net.dhcp.timeout", text, sizeof text).value(), 2u);
  EXPECT_STREQ(text, "30");
  EXPECT_EQ(kernel_option_text(options.value(), "bootchart", text, sizeof text).value(), 2u);
  EXPECT_STREQ(text, "no");
  EXPECT_EQ(kernel_option_text(options.value(), "nonsense", text, sizeof text).error().code(), kENOENT);
  EXPECT_EQ(kernel_option_text(options.value(), "net.ip", text, 24).error().code(), kERANGE);

  set_current_kernel_options(&options.value());
  EXPECT_EQ(api::kernel_option("net.ip", text, sizeof text), 24);
  EXPECT_EQ(api::kernel_option("net.ip", text, 5), -kERANGE);
  EXPECT_EQ(api::kernel_option("no.such", text, sizeof text), -kENOENT);
  set_current_kernel_options(nullptr);
  EXPECT_EQ(api::kernel_option("net.ip", text, sizeof text), 0);  // the default: no network
  EXPECT_STREQ(text, "");

  auto bad = options_from("net.ip=10.0.2.15");
  ASSERT_TRUE(bad.is_error());
  EXPECT_NE(std::string(bad.error().message()).find("net.ip"), std::string::npos);
  auto timeout = options_from("net.dhcp.timeout=0");
  ASSERT_TRUE(timeout.is_error());
  EXPECT_NE(std::string(timeout.error().message()).find("from 1 to 600"), std::string::npos);
}

}  // namespace
}  // namespace tessera

// Network devices: registry, names, receive to the attached consumer, transmit through
// the driver, counters and drops, through the module API a driver and a stack use.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "unit/host_socket_headers.hh"

#include "fake_platform/fake_platform.hh"
#include "log/log.hh"
#include "module/api/device_api.hh"
#include "net/net_device_registry.hh"
#include "net/net_startup.hh"

namespace tessera {
namespace {

struct FakeDriver {
  std::vector<std::string> sent;
  int status = 0;  // what transmit returns
};

int fake_transmit(void* driver, const void* frame, size_t length) {
  auto* fake = static_cast<FakeDriver*>(driver);
  if (fake->status < 0) return fake->status;
  fake->sent.emplace_back(static_cast<const char*>(frame), length);
  return 0;
}

struct FakeConsumer {
  std::vector<std::string> received;
};

void fake_receive(void* consumer, const void* frame, size_t length) {
  static_cast<FakeConsumer*>(consumer)->received.emplace_back(static_cast<const char*>(frame), length);
}

const tessera_netdev_ops kOps = {"fake-net", fake_transmit};
const tessera_netdev_info kInfo = {{0x52, 0x54, 0, 0x12, 0x34, 0x56}, 1500};

std::string frame(size_t length, char fill = 'x') { return std::string(length, fill); }

class NetDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake::boot_core(ram_);
    NetStartup::reset();
  }
  tessera_netdev* add(FakeDriver& driver, const tessera_netdev_info& info = kInfo) {
    tessera_netdev* device = nullptr;
    EXPECT_EQ(api::netdev_register(&kOps, &driver, &info, &device), 0);
    return device;
  }
  static tessera_netdev_stats stats(tessera_netdev* device) {
    tessera_netdev_stats out{};
    EXPECT_EQ(api::netdev_statistics(device, &out), 0);
    return out;
  }

  fake::Ram ram_{16 << 20};
};

TEST_F(NetDeviceTest, DevicesAreNamedInOrderAndNumberedFromZero) {
  FakeDriver a, b;
  tessera_netdev* first = add(a);
  tessera_netdev* second = add(b);
  EXPECT_EQ(api::netdev_count(), 2);
  EXPECT_EQ(api::netdev_at(0), first);
  EXPECT_EQ(api::netdev_at(1), second);
  EXPECT_EQ(api::netdev_at(2), nullptr);
  EXPECT_EQ(api::netdev_at(-1), nullptr);
  char name[16];
  tessera_netdev_info info{};
  int link = -1;
  ASSERT_EQ(api::netdev_query(second, name, &info, &link), 0);
  EXPECT_STREQ(name, "eth1");
  EXPECT_EQ(info.mtu, 1500);
  EXPECT_EQ(info.mac[5], 0x56);
  EXPECT_EQ(link, 1);
  EXPECT_NE(fake::console_output().find("net: eth0: fake-net, mac 52:54:00:12:34:56, mtu 1500"), std::string::npos)
      << fake::console_output();
}

TEST_F(NetDeviceTest, UnregisterShiftsIndicesAndFreesTheLowestName) {
  FakeDriver a, b, c;
  tessera_netdev* first = add(a);
  tessera_netdev* second = add(b);
  EXPECT_EQ(api::netdev_unregister(first), 0);
  EXPECT_EQ(api::netdev_unregister(first), -kEINVAL);  // stale handle: refused, not dereferenced
  EXPECT_EQ(api::netdev_count(), 1);
  EXPECT_EQ(api::netdev_at(0), second);
  tessera_netdev* third = add(c);
  char name[16];
  ASSERT_EQ(api::netdev_query(third, name, nullptr, nullptr), 0);
  EXPECT_STREQ(name, "eth0");
}

TEST_F(NetDeviceTest, RegistrationChecksItsArguments) {
  FakeDriver driver;
  tessera_netdev* device = nullptr;
  tessera_netdev_ops no_transmit = {"broken", nullptr};
  EXPECT_EQ(api::netdev_register(&no_transmit, &driver, &kInfo, &device), -kEINVAL);
  tessera_netdev_info tiny = kInfo;
  tiny.mtu = 20;
  EXPECT_EQ(api::netdev_register(&kOps, &driver, &tiny, &device), -kEINVAL);
  EXPECT_EQ(api::netdev_register(nullptr, &driver, &kInfo, &device), -kEFAULT);
  for (size_t i = 0; i < NetDeviceRegistry::kMaxDevices; ++i) add(driver);
  EXPECT_EQ(api::netdev_register(&kOps, &driver, &kInfo, &device), -kENOSPC);
}

TEST_F(NetDeviceTest, ReceivedFramesReachTheConsumerOrAreCountedAsDropped) {
  FakeDriver driver;
  tessera_netdev* device = add(driver);
  std::string early = frame(60);
  api::netdev_receive(device, early.data(), early.size());  // nobody attached yet
  FakeConsumer consumer;
  ASSERT_EQ(api::netdev_attach(device, fake_receive, &consumer), 0);
  FakeConsumer other;
  EXPECT_EQ(api::netdev_attach(device, fake_receive, &other), -kEBUSY);
  std::string good = frame(1514, 'g');
  std::string runt = frame(13);
  std::string giant = frame(1515);
  api::netdev_receive(device, good.data(), good.size());
  api::netdev_receive(device, runt.data(), runt.size());
  api::netdev_receive(device, giant.data(), giant.size());
  api::netdev_receive(device, nullptr, 60);
  ASSERT_EQ(consumer.received.size(), 1u);
  EXPECT_EQ(consumer.received[0], good);
  tessera_netdev_stats counted = stats(device);
  EXPECT_EQ(counted.rx_frames, 1u);
  EXPECT_EQ(counted.rx_bytes, 1514u);
  EXPECT_EQ(counted.rx_dropped, 4u);
  // Detached: dropped again.
  ASSERT_EQ(api::netdev_attach(device, nullptr, nullptr), 0);
  api::netdev_receive(device, good.data(), good.size());
  EXPECT_EQ(consumer.received.size(), 1u);
  EXPECT_EQ(stats(device).rx_dropped, 5u);
}

TEST_F(NetDeviceTest, TransmitGoesToTheDriverAndRefusalsAreCounted) {
  FakeDriver driver;
  tessera_netdev* device = add(driver);
  std::string good = frame(60, 't');
  EXPECT_EQ(api::netdev_transmit(device, good.data(), good.size()), 0);
  ASSERT_EQ(driver.sent.size(), 1u);
  EXPECT_EQ(driver.sent[0], good);
  std::string giant = frame(1515);
  EXPECT_EQ(api::netdev_transmit(device, giant.data(), giant.size()), -kEMSGSIZE);
  EXPECT_EQ(api::netdev_transmit(device, good.data(), 10), -kEINVAL);
  driver.status = -kENOBUFS;
  EXPECT_EQ(api::netdev_transmit(device, good.data(), good.size()), -kENOBUFS);
  driver.status = 0;
  api::netdev_set_link(device, 0);
  EXPECT_EQ(api::netdev_transmit(device, good.data(), good.size()), -kENETDOWN);
  int link = 1;
  ASSERT_EQ(api::netdev_query(device, nullptr, nullptr, &link), 0);
  EXPECT_EQ(link, 0);
  api::netdev_set_link(device, 1);
  EXPECT_EQ(api::netdev_transmit(device, good.data(), good.size()), 0);
  tessera_netdev_stats counted = stats(device);
  EXPECT_EQ(counted.tx_frames, 2u);
  EXPECT_EQ(counted.tx_bytes, 120u);
  EXPECT_EQ(counted.tx_dropped, 4u);
  EXPECT_EQ(driver.sent.size(), 2u);
}

TEST_F(NetDeviceTest, StatisticsLinesHaveTheirStableWording) {
  FakeDriver driver;
  tessera_netdev* device = add(driver);
  FakeConsumer consumer;
  ASSERT_EQ(api::netdev_attach(device, fake_receive, &consumer), 0);
  std::string good = frame(60);
  for (int i = 0; i < 3; ++i) api::netdev_receive(device, good.data(), good.size());
  api::netdev_receive(device, good.data(), 5);
  EXPECT_EQ(api::netdev_transmit(device, good.data(), good.size()), 0);
  fake::clear_console();
  NetDeviceRegistry::log_statistics();
  EXPECT_NE(fake::console_output().find("net: eth0 rx 3 frames (1 dropped) tx 1 frames (0 dropped)"),
            std::string::npos)
      << fake::console_output();
}

TEST_F(NetDeviceTest, ForeignHandlesAreRefused) {
  int not_a_device = 0;
  auto* bogus = reinterpret_cast<tessera_netdev*>(&not_a_device);
  tessera_netdev_stats out{};
  EXPECT_EQ(api::netdev_statistics(bogus, &out), -kEINVAL);
  EXPECT_EQ(api::netdev_transmit(bogus, "x", 1), -kEINVAL);
  EXPECT_EQ(api::netdev_attach(bogus, fake_receive, nullptr), -kEINVAL);
  api::netdev_receive(bogus, "x", 1);  // ignored, no crash
  EXPECT_EQ(api::netdev_unregister(nullptr), -kEINVAL);
}

}  // namespace
}  // namespace tessera

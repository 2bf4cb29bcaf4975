// Boot bring-up of networking: which driver each device needs, and the errors when a
// module is missing (the unit tests' VFS is empty: no index, so the fallback names apply).
#include <string>

#include <gtest/gtest.h>

#include "dev/device_list.hh"
#include "fake_platform/fake_platform.hh"
#include "fs/vfs/vfs.hh"
#include "net/net_config.hh"
#include "net/net_startup.hh"

namespace tessera {
namespace {

class NetStartupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake::boot_core(ram_);
    fake::reset_devices();
    kernel_vfs().reset();
  }
  void TearDown() override { fake::reset_devices(); }
  static std::string bring_up_error(const char* net_ip) {
    DeviceList::scan();
    auto up = NetStartup::bring_up(NetConfig::parse(net_ip).value());
    return up.is_error() ? up.error().message() : "";
  }
  fake::Ram ram_{16 << 20};
};

TEST_F(NetStartupTest, NoNetIpLoadsNothing) {
  fake::add_device({platform::DeviceKind::kHostNetwork, platform::kNoLine, 0, 0});
  EXPECT_EQ(bring_up_error(""), "");
  fake::clear_console();
  NetStartup::log_statistics();
  EXPECT_EQ(fake::console_output(), "");
}

TEST_F(NetStartupTest, EachDeviceKindNeedsItsDriverModule) {
  fake::add_device({platform::DeviceKind::kHostNetwork, platform::kNoLine, 1, 0});
  EXPECT_NE(bring_up_error("dhcp").find("net: net-hostport for dev:host-net (the driver of host network port 1)"),
            std::string::npos)
      << bring_up_error("dhcp");
  fake::reset_devices();
  fake::add_device({platform::DeviceKind::kVirtioMmio, 5, 0xfeb00000, 0x200});
  EXPECT_NE(bring_up_error("10.0.2.15/24").find("virtio-mmio for dev:virtio-mmio (the driver of virtio-mmio window at "
                                                "0xfeb00000)"),
            std::string::npos);
  fake::reset_devices();
  fake::add_pci_function(0, 2, 0, 0x1234, 0x1111, 0x030000);  // a display: no driver wanted
  fake::add_pci_function(0, 3, 0, 0x1af4, 0x1000, 0x020000);
  EXPECT_NE(bring_up_error("dhcp").find("virtio-pci for dev:pci:1af4:1000 (the driver of PCI 00:03.0 (1af4:1000))"),
            std::string::npos)
      << bring_up_error("dhcp");
}

TEST_F(NetStartupTest, WithoutDevicesTheStackIsStillLoaded) {
  fake::add_pci_function(0, 2, 0, 0x1234, 0x1111, 0x030000);
  EXPECT_NE(bring_up_error("dhcp").find("net: net-lwip for net:stack (net.ip)"), std::string::npos)
      << bring_up_error("dhcp");
}

}  // namespace
}  // namespace tessera

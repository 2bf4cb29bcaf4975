// Devices: the list (platform devices, then PCI functions found through configuration
// space, bridges included), DMA memory, and device lines dispatched by the scheduler.
#include <gtest/gtest.h>

#include "unit/host_socket_headers.hh"

#include "dev/device_list.hh"
#include "fake_platform/fake_platform.hh"
#include "module/api/device_api.hh"
#include "sched/scheduler.hh"
#include "sched/thread.hh"
#include "sched/wait_queue.hh"

namespace tessera {
namespace {

class DeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake::boot_core(ram_);
    fake::reset_devices();
  }
  void TearDown() override { fake::reset_devices(); }
  fake::Ram ram_{16 << 20};
};

TEST_F(DeviceTest, AMachineWithoutDevicesListsNone) {
  DeviceList::scan();
  tessera_device device{};
  EXPECT_EQ(api::device_at(0, &device), 0);
  // Bus 0 only, each device once: enumeration must stay cheap where nothing answers.
  EXPECT_LE(fake::pci_config_reads(), 32u);
}

TEST_F(DeviceTest, PlatformDevicesComeFirstThenPciFunctions) {
  fake::add_device({platform::DeviceKind::kHostNetwork, 3, 0, 0});
  fake::add_device({platform::DeviceKind::kVirtioMmio, platform::kNoLine, 0xfeb00000, 0x200});
  fake::add_pci_function(0, 0, 0, 0x8086, 0x29c0, 0x060000);              // host bridge
  fake::add_pci_function(0, 3, 0, 0x1af4, 0x1041, 0x020000, true);        // virtio-net, multi-function
  fake::add_pci_function(0, 3, 2, 0x1af4, 0x1042, 0x010000);              // its function 2
  fake::add_pci_function(0, 5, 1, 0x1234, 0x1111, 0x030000);              // function 1 of a single-function device: unseen
  fake::add_pci_function(0, 7, 0, 0x1b36, 0x000c, 0x060400, false, 2);    // PCIe root port -> bus 2
  fake::add_pci_function(2, 0, 0, 0x1af4, 0x1000, 0x020000);              // legacy virtio-net behind it
  DeviceList::scan();

  tessera_device device{};
  ASSERT_EQ(api::device_at(0, &device), 1);
  EXPECT_EQ(device.kind, uint32_t(TESSERA_DEVICE_HOST_NETWORK));
  EXPECT_EQ(device.line, 3u);
  ASSERT_EQ(api::device_at(1, &device), 1);
  EXPECT_EQ(device.kind, uint32_t(TESSERA_DEVICE_VIRTIO_MMIO));
  EXPECT_EQ(device.line, TESSERA_NO_LINE);
  EXPECT_EQ(device.base, 0xfeb00000u);
  EXPECT_EQ(device.size, 0x200u);

  struct Expected {
    uint64_t base;
    uint16_t vendor, device;
    uint32_t class_code;
  };
  const Expected pci[] = {{0x000000, 0x8086, 0x29c0, 0x060000},
                          {3 << 11, 0x1af4, 0x1041, 0x020000},
                          {3 << 11 | 2 << 8, 0x1af4, 0x1042, 0x010000},
                          {7 << 11, 0x1b36, 0x000c, 0x060400},
                          {2 << 16, 0x1af4, 0x1000, 0x020000}};
  for (size_t i = 0; i < std::size(pci); ++i) {
    ASSERT_EQ(api::device_at(2 + i, &device), 1) << i;
    EXPECT_EQ(device.kind, uint32_t(TESSERA_DEVICE_PCI));
    EXPECT_EQ(device.base, pci[i].base) << i;
    EXPECT_EQ(device.vendor_id, pci[i].vendor) << i;
    EXPECT_EQ(device.device_id, pci[i].device) << i;
    EXPECT_EQ(device.class_code, pci[i].class_code) << i;
    EXPECT_EQ(device.line, TESSERA_NO_LINE);
  }
  EXPECT_EQ(api::device_at(2 + std::size(pci), &device), 0);
  // Configuration space through the module API, too.
  EXPECT_EQ(api::pci_config_read(2 << 16), 0x10001af4u);
  EXPECT_EQ(api::pci_config_read(1 << 16), 0xffffffffu);
}

TEST_F(DeviceTest, ABridgeLoopDoesNotMakeEnumerationEndless) {
  fake::add_pci_function(0, 1, 0, 0x1b36, 0x000c, 0x060400, false, 0);  // points back at bus 0
  fake::add_pci_function(0, 2, 0, 0x1b36, 0x000c, 0x060400, false, 1);
  fake::add_pci_function(1, 0, 0, 0x1b36, 0x000c, 0x060400, false, 1);  // at itself
  DeviceList::scan();
  EXPECT_EQ(DeviceList::count(), 3u);
}

TEST_F(DeviceTest, DmaMemoryIsZeroedContiguousAndRefusedWhereDevicesCannotReachRam) {
  void* memory = nullptr;
  uint64_t device_address = 0;
  EXPECT_EQ(api::dma_alloc(4096, &memory, &device_address), -kENODEV);
  fake::enable_dma(0x100000000);
  ASSERT_EQ(api::dma_alloc(3 * 4096 + 1, &memory, &device_address), 0);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(memory) % 4096, 0u);
  EXPECT_EQ(device_address, reinterpret_cast<uint64_t>(memory) + 0x100000000);
  auto* bytes = static_cast<uint8_t*>(memory);
  for (size_t i = 0; i < 4 * 4096; ++i) ASSERT_EQ(bytes[i], 0) << i;
  uint64_t inside = 0;
  ASSERT_EQ(api::dma_address(bytes + 5000, &inside), 0);
  EXPECT_EQ(inside, device_address + 5000);
  api::dma_free(memory, 3 * 4096 + 1);
  EXPECT_EQ(api::dma_alloc(0, &memory, &device_address), -kEINVAL);
  int on_stack = 0;
  api::dma_free(&on_stack, 4096);  // refused with a message, not a crash
}

struct LineCounter {
  int fired = 0;
  WaitQueue* waiting = nullptr;
};

void count_line(void* context) {
  auto* counter = static_cast<LineCounter*>(context);
  ++counter->fired;
  if (counter->waiting) counter->waiting->wake_all();
}

TEST_F(DeviceTest, LineHandlersRunFromTheSchedulerAndWakeThreads) {
  WaitQueue queue;
  LineCounter counter{0, &queue};
  ASSERT_EQ(api::device_line_attach(5, count_line, &counter), 0);
  EXPECT_EQ(api::device_line_attach(5, count_line, &counter), -kEBUSY);
  EXPECT_EQ(api::device_line_attach(56, count_line, &counter), -kEINVAL);
  EXPECT_EQ(api::device_line_attach(6, nullptr, nullptr), -kEINVAL);
  // The line counts as a wake source: waiting is no deadlock; the event ends the wait.
  fake::raise_events(platform::event::device_line(5));
  queue.wait("device line");
  EXPECT_EQ(counter.fired, 1);
  // Other lines are not this handler's.
  LineCounter other;
  ASSERT_EQ(api::device_line_attach(7, count_line, &other), 0);
  fake::raise_events(platform::event::device_line(7));
  Scheduler::sleep_for(1000);
  EXPECT_EQ(counter.fired, 1);
  EXPECT_EQ(other.fired, 1);
  api::device_line_detach(5);
  fake::raise_events(platform::event::device_line(5) | platform::event::device_line(7));
  Scheduler::sleep_for(1000);
  EXPECT_EQ(counter.fired, 1);
  EXPECT_EQ(other.fired, 2);
  ASSERT_EQ(api::device_line_attach(5, count_line, &counter), 0);  // free again
}

TEST_F(DeviceTest, HostedCallsFailCleanlyWithoutDevices) {
  volatile void* mapped = nullptr;
  EXPECT_EQ(api::map_device_memory(0xfeb00000, 4096, &mapped), -kENODEV);
  uint32_t line = 0, data = 0;
  uint64_t address = 0;
  EXPECT_EQ(api::msi_allocate(&line, &address, &data), -kENOTSUP);
  uint8_t mac[6];
  uint16_t mtu = 0;
  EXPECT_EQ(api::host_net_info(0, mac, &mtu), -kENODEV);
  EXPECT_EQ(api::host_net_send(0, "x", 1), -kENODEV);
  char buffer[64];
  EXPECT_EQ(api::host_net_receive(0, buffer, sizeof buffer), -kENODEV);
}

}  // namespace
}  // namespace tessera

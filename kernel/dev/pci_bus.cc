#include "dev/pci_bus.hh"

#include <tessera/platform.hh>

namespace tessera::pci {
namespace {

constexpr uint16_t kNoVendor = 0xffff;
constexpr uint32_t kRegisterId = 0x00;
constexpr uint32_t kRegisterClass = 0x08;
constexpr uint32_t kRegisterHeader = 0x0c;  // header type in bits 23..16
constexpr uint32_t kRegisterBuses = 0x18;   // bridges: secondary bus in bits 15..8
constexpr uint32_t kMultiFunction = 0x80;
constexpr uint32_t kHeaderTypeMask = 0x7f;
constexpr uint32_t kBridgeHeader = 0x01;
constexpr uint32_t kDevicesPerBus = 32;
constexpr uint32_t kFunctionsPerDevice = 8;

struct Walk {
  bool (*visit)(const Function&, void*);
  void* context;
  bool stopped = false;
  // Firmware could (wrongly) point two bridges at one bus, or a bridge at bus 0: each
  // bus is scanned once, so a loop cannot make enumeration endless.
  uint64_t scanned[256 / 64] = {};

  bool first_visit(uint32_t bus) {
    uint64_t bit = uint64_t{1} << (bus % 64);
    if (scanned[bus / 64] & bit) return false;
    scanned[bus / 64] |= bit;
    return true;
  }
  void scan_bus(uint32_t bus);
  void scan_function(uint32_t bus, uint32_t device, uint32_t function, uint32_t id);
};

void Walk::scan_function(uint32_t bus, uint32_t device, uint32_t function, uint32_t id) {
  uint32_t class_register = platform::pci_config_read(address(bus, device, function, kRegisterClass));
  Function found{address(bus, device, function), uint16_t(id & 0xffff), uint16_t(id >> 16), class_register >> 8};
  if (!visit(found, context)) {
    stopped = true;
    return;
  }
  uint32_t header = platform::pci_config_read(address(bus, device, function, kRegisterHeader)) >> 16 & 0xff;
  if ((header & kHeaderTypeMask) != kBridgeHeader) return;
  uint32_t secondary = platform::pci_config_read(address(bus, device, function, kRegisterBuses)) >> 8 & 0xff;
  if (secondary != 0) scan_bus(secondary);
}

void Walk::scan_bus(uint32_t bus) {
  if (!first_visit(bus)) return;
  for (uint32_t device = 0; device < kDevicesPerBus && !stopped; ++device) {
    uint32_t id = platform::pci_config_read(address(bus, device, 0, kRegisterId));
    if ((id & 0xffff) == kNoVendor) continue;
    uint32_t header = platform::pci_config_read(address(bus, device, 0, kRegisterHeader)) >> 16 & 0xff;
    uint32_t functions = (header & kMultiFunction) ? kFunctionsPerDevice : 1;
    for (uint32_t function = 0; function < functions && !stopped; ++function) {
      if (function > 0) id = platform::pci_config_read(address(bus, device, function, kRegisterId));
      if ((id & 0xffff) == kNoVendor) continue;
      scan_function(bus, device, function, id);
    }
  }
}

}  // namespace

void enumerate(bool (*visit)(const Function& function, void* context), void* context) {
  Walk walk{visit, context};
  walk.scan_bus(0);
}

}  // namespace tessera::pci

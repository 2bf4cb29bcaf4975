#pragma once
// PCI enumeration through configuration mechanism #1 (platform::pci_config_read): every
// function on bus 0, and behind PCI-to-PCI bridges their secondary buses. Read-only: it
// assigns no bus numbers and no resources (the firmware did).
#include <stdint.h>

namespace tessera::pci {

inline constexpr uint32_t address(uint32_t bus, uint32_t device, uint32_t function, uint32_t reg = 0) {
  return bus << 16 | device << 11 | function << 8 | reg;
}

struct Function {
  uint32_t address;  // configuration address of register 0
  uint16_t vendor_id;
  uint16_t device_id;
  uint32_t class_code;  // class << 16 | subclass << 8 | programming interface
};

// Calls visit for each function present, in bus/device/function order (bridged buses
// right after their bridge). Stops early when visit returns false.
void enumerate(bool (*visit)(const Function& function, void* context), void* context);

}  // namespace tessera::pci

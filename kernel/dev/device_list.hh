#pragma once
// The devices modules can drive: what the platform reported at boot (hosted network
// ports, virtio-mmio windows), then every PCI function found through configuration
// space. Built once per boot by scan(); fixed afterwards.
#include <stddef.h>
#include <stdint.h>

namespace tessera {

struct DeviceEntry {
  enum class Kind : uint32_t { kHostNetwork = 1, kVirtioMmio = 2, kPci = 3 };  // = TESSERA_DEVICE_*
  Kind kind = Kind::kHostNetwork;
  uint32_t line = kNoLine;
  uint64_t base = 0;  // port number, physical address, or PCI configuration address
  uint64_t size = 0;
  uint16_t vendor_id = 0;
  uint16_t device_id = 0;
  uint32_t class_code = 0;

  static constexpr uint32_t kNoLine = 0xffffffffu;
};

class DeviceList {
 public:
  static constexpr size_t kMaxDevices = 64;

  // Forgets the previous boot's list and asks the platform and the PCI buses again.
  static void scan();
  // False past the last entry.
  static bool at(size_t index, DeviceEntry* out);
  static size_t count();
};

}  // namespace tessera

// Devices of unit tests: none unless a test adds some (fake_platform.hh).
#include <map>
#include <vector>

#include <tessera/errno.hh>
#include <tessera/platform.hh>

#include "fake_platform.hh"

namespace tessera {
namespace {

struct Devices {
  std::vector<platform::Device> listed;
  std::map<uint32_t, uint32_t> pci;  // configuration address (register included) -> value
  uint64_t pci_reads = 0;
  bool dma = false;
  uint64_t dma_offset = 0;
};

Devices& devices() {
  static Devices state;
  return state;
}

}  // namespace

namespace fake {

void reset_devices() { devices() = Devices{}; }
void add_device(const platform::Device& device) { devices().listed.push_back(device); }

void add_pci_function(uint32_t bus, uint32_t device, uint32_t function, uint16_t vendor_id, uint16_t device_id,
                      uint32_t class_code, bool multi_function, int secondary_bus) {
  uint32_t base = bus << 16 | device << 11 | function << 8;
  auto& pci = devices().pci;
  pci[base + 0x00] = uint32_t(device_id) << 16 | vendor_id;
  pci[base + 0x08] = class_code << 8;
  uint32_t header = (secondary_bus >= 0 ? 1u : 0u) | (multi_function ? 0x80u : 0u);
  pci[base + 0x0c] = header << 16;
  if (secondary_bus >= 0) pci[base + 0x18] = uint32_t(secondary_bus) << 8 | bus;
}

uint64_t pci_config_reads() { return devices().pci_reads; }

void enable_dma(uint64_t dma_offset) {
  devices().dma = true;
  devices().dma_offset = dma_offset;
}

}  // namespace fake

namespace platform {

bool device_at(size_t index, Device* out) {
  if (index >= devices().listed.size()) return false;
  *out = devices().listed[index];
  return true;
}

uint32_t pci_config_read(uint32_t address) {
  ++devices().pci_reads;
  auto found = devices().pci.find(address);
  return found == devices().pci.end() ? ~uint32_t{0} : found->second;
}

void pci_config_write(uint32_t address, uint32_t value) {
  if (devices().pci.count(address)) devices().pci[address] = value;
}

Result<volatile void*> map_device_memory(uint64_t, size_t) { return Error::from_code(kENODEV); }

Result<uint64_t> dma_address(const void* memory) {
  if (!devices().dma) return Error::from_code(kENODEV);
  return reinterpret_cast<uint64_t>(memory) + devices().dma_offset;
}

Result<MsiRoute> allocate_msi() { return Error::from_code(kENOTSUP); }
Result<HostNetworkInfo> host_network_info(unsigned) { return Error::from_code(kENODEV); }
Result<void> host_network_send(unsigned, const void*, size_t) { return Error::from_code(kENODEV); }
Result<size_t> host_network_receive(unsigned, void*, size_t) { return Error::from_code(kENODEV); }

}  // namespace platform
}  // namespace tessera

// Devices of the VM platform: replaced by virtio-mmio discovery, PCI and device mappings.
#include <tessera/errno.hh>
#include <tessera/platform.hh>

namespace tessera::platform {

bool device_at(size_t, Device*) { return false; }
uint32_t pci_config_read(uint32_t) { return ~uint32_t{0}; }
void pci_config_write(uint32_t, uint32_t) {}
Result<volatile void*> map_device_memory(uint64_t, size_t) { return Error::from_code(kENODEV); }
Result<uint64_t> dma_address(const void*) { return Error::from_code(kENODEV); }
Result<MsiRoute> allocate_msi() { return Error::from_code(kENOTSUP); }
Result<HostNetworkInfo> host_network_info(unsigned) { return Error::from_code(kENODEV); }
Result<void> host_network_send(unsigned, const void*, size_t) { return Error::from_code(kENODEV); }
Result<size_t> host_network_receive(unsigned, void*, size_t) { return Error::from_code(kENODEV); }

}  // namespace tessera::platform

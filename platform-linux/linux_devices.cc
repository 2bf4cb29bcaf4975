// Devices of the hosted platform: one kHostNetwork port per `tessera run --net`
// (host_network.hh); no PCI, no physical addresses, no DMA, no MSI.
#include <cerrno>

#include <tessera/errno.hh>
#include <tessera/platform.hh>

#include "machine_state.hh"

namespace tessera::platform {
namespace {

linux_host::NetworkPort* port_of(unsigned port) {
  auto* machine = linux_host::running_machine();
  if (!machine || !machine->network || port >= machine->network->port_count()) return nullptr;
  return &machine->network->port(port);
}

}  // namespace

bool device_at(size_t index, Device* out) {
  auto* machine = linux_host::running_machine();
  if (!machine || !machine->network || index >= machine->network->port_count()) return false;
  *out = Device{.kind = DeviceKind::kHostNetwork, .line = unsigned(index), .base = index, .size = 0};
  return true;
}

uint32_t pci_config_read(uint32_t) { return ~uint32_t{0}; }
void pci_config_write(uint32_t, uint32_t) {}
Result<volatile void*> map_device_memory(uint64_t, size_t) { return Error::from_code(kENODEV); }
Result<uint64_t> dma_address(const void*) { return Error::from_code(kENODEV); }
Result<MsiRoute> allocate_msi() { return Error::from_code(kENOTSUP); }

Result<HostNetworkInfo> host_network_info(unsigned port) {
  auto* network_port = port_of(port);
  if (!network_port) return Error::from_code(kENODEV);
  HostNetworkInfo info;
  for (int i = 0; i < 6; ++i) info.mac[i] = network_port->mac()[i];
  info.mtu = network_port->mtu();
  return info;
}

Result<void> host_network_send(unsigned port, const void* frame, size_t length) {
  auto* network_port = port_of(port);
  if (!network_port) return Error::from_code(kENODEV);
  if (int error = network_port->send(frame, length)) return Error::from_code(error);
  return {};
}

Result<size_t> host_network_receive(unsigned port, void* buffer, size_t capacity) {
  auto* network_port = port_of(port);
  if (!network_port) return Error::from_code(kENODEV);
  long length = network_port->receive(buffer, capacity);
  if (length < 0) return Error::from_code(EMSGSIZE);  // Linux values, as errno.hh
  return size_t(length);
}

}  // namespace tessera::platform

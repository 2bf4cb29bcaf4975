#include "module/api/device_api.hh"

#include <tessera/platform.hh>

#include "dev/device_lines.hh"
#include "dev/device_list.hh"
#include "dev/dma_memory.hh"
#include "log/log.hh"
#include "module/api/api_error.hh"

namespace tessera::api {

static_assert(uint32_t(DeviceEntry::Kind::kHostNetwork) == TESSERA_DEVICE_HOST_NETWORK &&
              uint32_t(DeviceEntry::Kind::kVirtioMmio) == TESSERA_DEVICE_VIRTIO_MMIO &&
              uint32_t(DeviceEntry::Kind::kPci) == TESSERA_DEVICE_PCI && DeviceEntry::kNoLine == TESSERA_NO_LINE);

int device_at(size_t index, tessera_device* out) {
  DeviceEntry entry;
  if (!DeviceList::at(index, &entry)) return 0;
  if (!out) return -kEFAULT;
  *out = tessera_device{uint32_t(entry.kind), entry.line, entry.base, entry.size, entry.vendor_id, entry.device_id,
                        entry.class_code};
  return 1;
}

uint32_t pci_config_read(uint32_t address) { return platform::pci_config_read(address & ~3u); }
void pci_config_write(uint32_t address, uint32_t value) { platform::pci_config_write(address & ~3u, value); }

int map_device_memory(uint64_t physical, size_t length, volatile void** out) {
  if (!out) return -kEFAULT;
  if (length == 0) return -kEINVAL;
  auto mapped = platform::map_device_memory(physical, length);
  if (mapped.is_error()) return negative_errno(mapped.error());
  *out = mapped.value();
  return 0;
}

int dma_alloc(size_t size, void** out, uint64_t* device_address) {
  if (!out || !device_address) return -kEFAULT;
  auto block = DmaMemory::allocate(size);
  if (block.is_error()) return negative_errno(block.error());
  *out = block.value().memory;
  *device_address = block.value().device_address;
  return 0;
}

void dma_free(void* memory, size_t size) {
  if (!memory) return;
  if (auto freed = DmaMemory::free(memory, size); freed.is_error()) log::error("%s", freed.error().message());
}

int dma_address(const void* memory, uint64_t* device_address) {
  if (!memory || !device_address) return -kEFAULT;
  auto address = platform::dma_address(memory);
  if (address.is_error()) return negative_errno(address.error());
  *device_address = address.value();
  return 0;
}

int msi_allocate(uint32_t* line, uint64_t* address, uint32_t* data) {
  if (!line || !address || !data) return -kEFAULT;
  auto route = platform::allocate_msi();
  if (route.is_error()) return negative_errno(route.error());
  *line = route.value().line;
  *address = route.value().address;
  *data = route.value().data;
  return 0;
}

int device_line_attach(uint32_t line, void (*handler)(void* context), void* context) {
  auto attached = DeviceLines::attach(line, handler, context);
  return attached.is_ok() ? 0 : negative_errno(attached.error());
}

void device_line_detach(uint32_t line) { DeviceLines::detach(line); }

int host_net_info(uint32_t port, uint8_t mac[6], uint16_t* mtu) {
  auto info = platform::host_network_info(port);
  if (info.is_error()) return negative_errno(info.error());
  if (mac) __builtin_memcpy(mac, info.value().mac, 6);
  if (mtu) *mtu = info.value().mtu;
  return 0;
}

int host_net_send(uint32_t port, const void* frame, size_t length) {
  if (!frame && length) return -kEFAULT;
  auto sent = platform::host_network_send(port, frame, length);
  // A full backend is routine: no message for it.
  if (sent.is_error()) return -sent.error().code();
  return 0;
}

int64_t host_net_receive(uint32_t port, void* buffer, size_t capacity) {
  if (!buffer && capacity) return -kEFAULT;
  auto received = platform::host_network_receive(port, buffer, capacity);
  if (received.is_error()) return -received.error().code();
  return int64_t(received.value());
}

}  // namespace tessera::api

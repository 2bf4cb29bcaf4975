#include "dev/device_list.hh"

#include <tessera/platform.hh>

#include "dev/pci_bus.hh"
#include "log/log.hh"

namespace tessera {
namespace {

struct State {
  DeviceEntry entries[DeviceList::kMaxDevices] = {};
  size_t count = 0;
  bool overflow_logged = false;
};
constinit State g_state;

bool add(const DeviceEntry& entry) {
  if (g_state.count == DeviceList::kMaxDevices) {
    if (!g_state.overflow_logged) log::warn("devices: more than %zu devices, the rest are ignored", DeviceList::kMaxDevices);
    g_state.overflow_logged = true;
    return false;
  }
  g_state.entries[g_state.count++] = entry;
  return true;
}

bool add_pci(const pci::Function& function, void*) {
  DeviceEntry entry;
  entry.kind = DeviceEntry::Kind::kPci;
  // Legacy INTx routing is the firmware's business (ACPI); PCI drivers use MSI instead.
  entry.line = DeviceEntry::kNoLine;
  entry.base = function.address;
  entry.vendor_id = function.vendor_id;
  entry.device_id = function.device_id;
  entry.class_code = function.class_code;
  return add(entry);
}

}  // namespace

void DeviceList::scan() {
  g_state = State{};
  platform::Device device;
  for (size_t i = 0; platform::device_at(i, &device); ++i) {
    DeviceEntry entry;
    entry.kind = device.kind == platform::DeviceKind::kHostNetwork ? DeviceEntry::Kind::kHostNetwork
                                                                    : DeviceEntry::Kind::kVirtioMmio;
    entry.line = device.line == platform::kNoLine ? DeviceEntry::kNoLine : device.line;
    entry.base = device.base;
    entry.size = device.size;
    if (!add(entry)) return;
  }
  pci::enumerate(add_pci, nullptr);
  for (size_t i = 0; i < g_state.count; ++i) {
    const DeviceEntry& entry = g_state.entries[i];
    if (entry.kind == DeviceEntry::Kind::kPci)
      log::debug("devices: PCI %02lx:%02lx.%lu %04x:%04x class %06x", entry.base >> 16 & 0xff, entry.base >> 11 & 0x1f,
                 entry.base >> 8 & 7, unsigned(entry.vendor_id), unsigned(entry.device_id), entry.class_code);
    else
      log::debug("devices: %s at %#lx, line %d", entry.kind == DeviceEntry::Kind::kHostNetwork ? "host network port"
                 : "virtio-mmio window", entry.base, entry.line == DeviceEntry::kNoLine ? -1 : int(entry.line));
  }
}

bool DeviceList::at(size_t index, DeviceEntry* out) {
  if (index >= g_state.count) return false;
  *out = g_state.entries[index];
  return true;
}

size_t DeviceList::count() { return g_state.count; }

}  // namespace tessera

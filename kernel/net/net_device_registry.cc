#include "net/net_device_registry.hh"

#include "log/log.hh"
#include "mm/heap.hh"

namespace tessera {
namespace {

constexpr uint16_t kMinimumMtu = 68;

struct State {
  NetDevice* devices[NetDeviceRegistry::kMaxDevices] = {};
  size_t count = 0;
};
constinit State g_state;

bool number_in_use(unsigned number) {
  for (size_t i = 0; i < g_state.count; ++i)
    if (g_state.devices[i]->number() == number) return true;
  return false;
}

}  // namespace

void NetDeviceRegistry::reset() { g_state = State{}; }

Result<NetDevice*> NetDeviceRegistry::add(const tessera_netdev_ops& ops, void* driver, const tessera_netdev_info& info) {
  const char* driver_name = ops.driver_name ? ops.driver_name : "a driver";
  if (!ops.transmit) return Error::with_message(kEINVAL, "net: %s registered a device without a transmit entry", driver_name);
  if (info.mtu < kMinimumMtu)
    return Error::with_message(kEINVAL, "net: %s registered a device with mtu %u (at least %u)", driver_name,
                               unsigned(info.mtu), unsigned(kMinimumMtu));
  if (g_state.count == kMaxDevices)
    return Error::with_message(kENOSPC, "net: %s: already %zu network devices", driver_name, kMaxDevices);
  unsigned number = 0;
  while (number_in_use(number)) ++number;
  NetDevice* device = TRY(try_make<NetDevice>(ops, driver, info, number));
  g_state.devices[g_state.count++] = device;
  const uint8_t* mac = info.mac;
  log::info("net: %s: %s, mac %02x:%02x:%02x:%02x:%02x:%02x, mtu %u", device->name(), device->driver_name(), mac[0],
            mac[1], mac[2], mac[3], mac[4], mac[5], unsigned(info.mtu));
  return device;
}

Result<void> NetDeviceRegistry::remove(NetDevice* device) {
  for (size_t i = 0; i < g_state.count; ++i) {
    if (g_state.devices[i] != device) continue;
    for (size_t j = i + 1; j < g_state.count; ++j) g_state.devices[j - 1] = g_state.devices[j];
    g_state.devices[--g_state.count] = nullptr;
    destroy(device);
    return {};
  }
  return Error::with_message(kEINVAL, "net: %p is not a registered network device", static_cast<void*>(device));
}

bool NetDeviceRegistry::contains(const NetDevice* device) {
  if (!device) return false;
  for (size_t i = 0; i < g_state.count; ++i)
    if (g_state.devices[i] == device) return true;
  return false;
}

size_t NetDeviceRegistry::count() { return g_state.count; }

NetDevice* NetDeviceRegistry::at(size_t index) { return index < g_state.count ? g_state.devices[index] : nullptr; }

// Tests read these lines: keep the wording stable.
void NetDeviceRegistry::log_statistics() {
  for (size_t i = 0; i < g_state.count; ++i) {
    const NetDevice& device = *g_state.devices[i];
    const tessera_netdev_stats& stats = device.stats();
    log::info("net: %s rx %lu frames (%lu dropped) tx %lu frames (%lu dropped)", device.name(), stats.rx_frames,
              stats.rx_dropped, stats.tx_frames, stats.tx_dropped);
  }
}

}  // namespace tessera

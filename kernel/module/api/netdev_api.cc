// The network-device calls of tessera/device_api.h (declared in module/api/device_api.hh).
#include "module/api/api_error.hh"
#include "module/api/device_api.hh"
#include "net/net_device_registry.hh"

namespace tessera::api {
namespace {

// Handles are checked against the registry: a stale or foreign pointer gets EINVAL
// instead of being dereferenced.
NetDevice* lookup(tessera_netdev* device) {
  auto* net_device = reinterpret_cast<NetDevice*>(device);
  return NetDeviceRegistry::contains(net_device) ? net_device : nullptr;
}

}  // namespace

int netdev_register(const tessera_netdev_ops* ops, void* driver, const tessera_netdev_info* info, tessera_netdev** out) {
  if (!ops || !info || !out) return -kEFAULT;
  auto added = NetDeviceRegistry::add(*ops, driver, *info);
  if (added.is_error()) {
    log::error("%s", added.error().message());
    return -added.error().code();
  }
  *out = reinterpret_cast<tessera_netdev*>(added.value());
  return 0;
}

int netdev_unregister(tessera_netdev* device) {
  NetDevice* net_device = lookup(device);
  if (!net_device) return -kEINVAL;
  auto removed = NetDeviceRegistry::remove(net_device);
  return removed.is_ok() ? 0 : negative_errno(removed.error());
}

void netdev_receive(tessera_netdev* device, const void* frame, size_t length) {
  if (NetDevice* net_device = lookup(device)) net_device->receive(frame, length);
}

void netdev_set_link(tessera_netdev* device, int up) {
  if (NetDevice* net_device = lookup(device)) net_device->set_link(up != 0);
}

int netdev_count() { return int(NetDeviceRegistry::count()); }

tessera_netdev* netdev_at(int index) {
  if (index < 0) return nullptr;
  return reinterpret_cast<tessera_netdev*>(NetDeviceRegistry::at(size_t(index)));
}

int netdev_query(tessera_netdev* device, char name[16], tessera_netdev_info* info, int* link_up) {
  NetDevice* net_device = lookup(device);
  if (!net_device) return -kEINVAL;
  if (name) __builtin_memcpy(name, net_device->name(), NetDevice::kNameCapacity);
  if (info) *info = net_device->info();
  if (link_up) *link_up = net_device->link_up() ? 1 : 0;
  return 0;
}

int netdev_statistics(tessera_netdev* device, tessera_netdev_stats* out) {
  NetDevice* net_device = lookup(device);
  if (!net_device) return -kEINVAL;
  if (!out) return -kEFAULT;
  *out = net_device->stats();
  return 0;
}

int netdev_attach(tessera_netdev* device, void (*receive)(void* consumer, const void* frame, size_t length),
                  void* consumer) {
  NetDevice* net_device = lookup(device);
  if (!net_device) return -kEINVAL;
  auto attached = net_device->attach(receive, consumer);
  return attached.is_ok() ? 0 : negative_errno(attached.error());
}

int netdev_transmit(tessera_netdev* device, const void* frame, size_t length) {
  NetDevice* net_device = lookup(device);
  if (!net_device) return -kEINVAL;
  return net_device->transmit(frame, length);
}

}  // namespace tessera::api

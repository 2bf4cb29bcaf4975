#pragma once
// The network devices drivers registered, in registration order (the stack numbers them
// from 0). Names are eth0, eth1, ...: the lowest number not in use.
#include <stddef.h>
#include <tessera/device_api.h>
#include <tessera/result.hh>

#include "net/net_device.hh"

namespace tessera {

class NetDeviceRegistry {
 public:
  static constexpr size_t kMaxDevices = 16;

  // Forgets the previous boot's devices (their memory went with its heap).
  static void reset();
  // The kernel copies ops and info. EINVAL for a missing transmit or an mtu below 68
  // (IPv4's minimum); ENOSPC beyond kMaxDevices.
  static Result<NetDevice*> add(const tessera_netdev_ops& ops, void* driver, const tessera_netdev_info& info);
  // EINVAL for a device that is not registered.
  static Result<void> remove(NetDevice* device);
  // Whether `device` is a registered device: the module API checks handles with it.
  static bool contains(const NetDevice* device);
  static size_t count();
  // Null past the end.
  static NetDevice* at(size_t index);
  // One line per device with its counters (see log_statistics in net_device_registry.cc).
  static void log_statistics();
};

}  // namespace tessera

#include "virtio_net_device.hh"

#include <tessera/ktl/utility.hh>

namespace vnet {
namespace {

constexpr int kENOMEM = 12, kEIO = 5, kENODEV = 19, kEMSGSIZE = 90, kENOBUFS = 105;
constexpr uint64_t kFeatureMac = uint64_t{1} << 5;
constexpr uint64_t kFeatureStatus = uint64_t{1} << 16;
constexpr uint64_t kFeatureVersion1 = uint64_t{1} << 32;
constexpr uint32_t kConfigMac = 0, kConfigStatus = 6;
constexpr uint8_t kLinkUp = 1;

void set_status_bits(::virtio_net* device, uint8_t bits) {
  device->ops->set_status(device->transport, uint8_t(device->ops->status(device->transport) | bits));
}

int fail(::virtio_net* device, int error, const char* what) {
  tessera_log(TESSERA_LOG_ERROR, "virtio-net: %s: %s; device left FAILED", device->location, what);
  set_status_bits(device, VIRTIO_STATUS_FAILED);
  return error;
}

// Reads device-specific configuration consistently (virtio 1.x, 2.5.1: retry while the
// generation changes underneath).
void read_config(::virtio_net* device, uint32_t offset, uint8_t* out, size_t length) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    uint32_t before = device->ops->config_generation(device->transport);
    for (size_t i = 0; i < length; ++i) out[i] = device->ops->config_read8(device->transport, uint32_t(offset + i));
    if (device->ops->config_generation(device->transport) == before) return;
  }
}

void update_link(::virtio_net* device) {
  if (!(device->features & kFeatureStatus)) return;
  uint8_t status[2];
  read_config(device, kConfigStatus, status, 2);
  tessera_netdev_set_link(device->netdev, (status[0] & kLinkUp) ? 1 : 0);
}

void reclaim_transmit(::virtio_net* device) {
  for (;;) {
    uint16_t id;
    uint32_t length;
    bool length_ok;
    auto taken = device->transmit.take_used(id, length, length_ok);
    if (taken == SplitVirtqueue::Take::kNone) return;
    if (taken == SplitVirtqueue::Take::kBroken) {
      device->broken = true;
      tessera_log(TESSERA_LOG_ERROR, "virtio-net: %s: transmit used index jumped past the ring; device ignored", device->location);
      return;
    }
    if (taken == SplitVirtqueue::Take::kBadId) {
      ++device->bad_used;
      continue;
    }
    device->transmit_free[device->transmit_free_count++] = id;
  }
}

void drain_receive(::virtio_net* device) {
  SplitVirtqueue& queue = device->receive;
  bool reposted = false;
  for (;;) {
    uint16_t id;
    uint32_t length;
    bool length_ok;
    auto taken = queue.take_used(id, length, length_ok);
    if (taken == SplitVirtqueue::Take::kNone) break;
    if (taken == SplitVirtqueue::Take::kBroken) {
      device->broken = true;
      tessera_log(TESSERA_LOG_ERROR, "virtio-net: %s: receive used index jumped past the ring; device ignored", device->location);
      return;
    }
    if (taken == SplitVirtqueue::Take::kBadId) {
      ++device->bad_used;
      continue;
    }
    if (length_ok && length > kHeaderBytes)
      tessera_netdev_receive(device->netdev, queue.buffer(id) + kHeaderBytes, length - kHeaderBytes);
    else
      ++device->bad_used;
    queue.add(id, uint32_t(queue.buffer_size()), true);
    reposted = true;
  }
  if (reposted) {
    queue.publish();
    if (queue.notification_wanted()) device->ops->queue_notify(device->transport, kReceiveQueue);
  }
}

int transmit(void* driver, const void* frame, size_t length) {
  auto* device = static_cast<::virtio_net*>(driver);
  if (device->broken) return -kEIO;
  if (length > kMaxFrameBytes) return -kEMSGSIZE;
  reclaim_transmit(device);
  if (device->transmit_free_count == 0) return -kENOBUFS;
  uint16_t id = device->transmit_free[--device->transmit_free_count];
  uint8_t* buffer = device->transmit.buffer(id);
  memset(buffer, 0, kHeaderBytes);
  memcpy(buffer + kHeaderBytes, frame, length);
  device->transmit.add(id, uint32_t(kHeaderBytes + length), false);
  device->transmit.publish();
  if (device->transmit.notification_wanted()) device->ops->queue_notify(device->transport, kTransmitQueue);
  return 0;
}

constexpr tessera_netdev_ops kNetdevOps = {"virtio-net", transmit};

int set_up_queue(::virtio_net* device, uint16_t index, SplitVirtqueue& queue) {
  uint16_t max = device->ops->queue_max(device->transport, index);
  if (max == 0) return fail(device, -kENODEV, index == kReceiveQueue ? "no receive queue" : "no transmit queue");
  uint16_t size = kMaxQueueSize;
  while (size > max) size >>= 1;  // split rings: a power of two no larger than the device's maximum
  if (int error = queue.create(size, kBufferBytes)) return fail(device, error, "cannot allocate DMA memory for a queue");
  if (int error = device->ops->queue_enable(device->transport, index, size, queue.descriptors_address(),
                                            queue.driver_area_address(), queue.device_area_address()))
    return fail(device, error, "the transport could not enable a queue");
  return 0;
}

}  // namespace

int attach(const virtio_transport_ops* ops, void* transport, const char* location, ::virtio_net** out) {
  void* memory = calloc(1, sizeof(::virtio_net));
  if (!memory) return -kENOMEM;
  auto* device = new (memory) ::virtio_net;
  device->ops = ops;
  device->transport = transport;
  snprintf(device->location, sizeof device->location, "%s", location);

  // Initialization sequence of virtio 1.x, 3.1.1.
  ops->set_status(transport, 0);
  for (int i = 0; i < 1000 && ops->status(transport) != 0; ++i) tessera_thread_yield();
  set_status_bits(device, VIRTIO_STATUS_ACKNOWLEDGE);
  set_status_bits(device, VIRTIO_STATUS_DRIVER);
  uint64_t offered = ops->device_features(transport);
  if (!(offered & kFeatureVersion1))
    return fail(device, -kENODEV, "the device does not offer VIRTIO_F_VERSION_1 (legacy only; QEMU: use a modern transport)");
  device->features = kFeatureVersion1 | (offered & (kFeatureMac | kFeatureStatus));
  ops->set_driver_features(transport, device->features);
  set_status_bits(device, VIRTIO_STATUS_FEATURES_OK);
  if (!(ops->status(transport) & VIRTIO_STATUS_FEATURES_OK))
    return fail(device, -kENODEV, "the device refused the features (FEATURES_OK did not stick)");

  if (int error = set_up_queue(device, kReceiveQueue, device->receive)) return error;
  if (int error = set_up_queue(device, kTransmitQueue, device->transmit)) return error;
  device->transmit_free = static_cast<uint16_t*>(calloc(device->transmit.size(), sizeof(uint16_t)));
  if (!device->transmit_free) return fail(device, -kENOMEM, "out of memory");
  for (uint16_t id = 0; id < device->transmit.size(); ++id) device->transmit_free[device->transmit_free_count++] = id;
  for (uint16_t id = 0; id < device->receive.size(); ++id)
    device->receive.add(id, uint32_t(device->receive.buffer_size()), true);
  device->receive.publish();

  tessera_netdev_info info = {};
  if (device->features & kFeatureMac) {
    read_config(device, kConfigMac, info.mac, 6);
  } else {
    tessera_random(info.mac, 6);  // the spec's advice: a random, locally administered unicast address
    info.mac[0] = uint8_t((info.mac[0] & 0xfe) | 0x02);
  }
  info.mtu = 1500;
  set_status_bits(device, VIRTIO_STATUS_DRIVER_OK);
  if (ops->status(transport) & VIRTIO_STATUS_NEEDS_RESET) return fail(device, -kEIO, "the device needs a reset after DRIVER_OK");
  ops->queue_notify(transport, kReceiveQueue);  // buffers are waiting

  if (int error = tessera_netdev_register(&kNetdevOps, device, &info, &device->netdev))
    return fail(device, error, "cannot register the network device");
  update_link(device);
  char name[16] = "?";
  tessera_netdev_query(device->netdev, name, nullptr, nullptr);
  tessera_log(TESSERA_LOG_INFO, "virtio-net: %s is %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, queues %u/%u", location, name,
              info.mac[0], info.mac[1], info.mac[2], info.mac[3], info.mac[4], info.mac[5], device->receive.size(),
              device->transmit.size());
  *out = device;
  return 0;
}

void interrupt(::virtio_net* device, bool config_changed) {
  if (device->broken) return;
  if (config_changed) update_link(device);
  drain_receive(device);
  if (!device->broken) reclaim_transmit(device);
}

}  // namespace vnet

extern "C" TESSERA_MODULE_EXPORT int virtio_net_attach(const virtio_transport_ops* ops, void* transport,
                                                       const char* location, virtio_net** out) {
  return vnet::attach(ops, transport, location, out);
}

extern "C" TESSERA_MODULE_EXPORT void virtio_net_interrupt(virtio_net* device, int config_changed) {
  vnet::interrupt(device, config_changed != 0);
}

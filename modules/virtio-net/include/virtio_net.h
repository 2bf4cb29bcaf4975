/* virtio-net's transport-neutral entry points (module virtio-net). A transport module
 * (virtio-mmio, virtio-pci) finds a virtio 1.x device of type 1, implements
 * virtio_transport_ops for it and calls virtio_net_attach; from then on it calls
 * virtio_net_interrupt after each interrupt (having acknowledged it to the device) or
 * from a polling thread. Same conventions as the module API: 0 or a negative errno. */
#ifndef VIRTIO_NET_H
#define VIRTIO_NET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Device status bits (virtio 1.x, 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER 2u
#define VIRTIO_STATUS_DRIVER_OK 4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED 128u

struct virtio_transport_ops {
  const char* name; /* "virtio-mmio", "virtio-pci": in messages */
  uint64_t (*device_features)(void* transport);
  void (*set_driver_features)(void* transport, uint64_t features);
  uint8_t (*status)(void* transport);
  void (*set_status)(void* transport, uint8_t status); /* 0 resets the device */
  uint32_t (*config_generation)(void* transport);
  uint8_t (*config_read8)(void* transport, uint32_t offset); /* device-specific configuration */
  /* Largest size of queue `index`, 0 when the queue does not exist. */
  uint16_t (*queue_max)(void* transport, uint16_t index);
  /* Sets the size and ring addresses of queue `index` and enables it. */
  int (*queue_enable)(void* transport, uint16_t index, uint16_t size, uint64_t descriptors, uint64_t driver_area,
                      uint64_t device_area);
  void (*queue_notify)(void* transport, uint16_t index);
};

typedef struct virtio_net virtio_net;

/* Negotiates features, sets up the receive and transmit queues, reads the MAC and
 * registers a network device (eth0, ...). `location` names the device in messages
 * ("virtio-mmio 0xfeb00e00"). On failure the device is left in the FAILED state and the
 * error logged. `ops` and `transport` must outlive the device. */
int virtio_net_attach(const struct virtio_transport_ops* ops, void* transport, const char* location,
                      virtio_net** out);
/* Takes what the device finished: received frames go to the kernel (tessera_netdev_receive)
 * and their buffers back to the device; sent buffers are reclaimed; with
 * `config_changed`, the link state is read again. Never blocks. */
void virtio_net_interrupt(virtio_net* device, int config_changed);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* VIRTIO_NET_H */

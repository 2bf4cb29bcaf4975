/* The kernel API for device drivers and network stacks: device discovery, device memory
 * and DMA, interrupt lines, network devices, kernel options and module loading. Part of
 * the module API (included by tessera/module_api.h; same conventions: 0 or a count on
 * success, a negative Linux errno on failure, errno itself untouched).
 *
 * Which way data flows: a driver finds its device (tessera_device_at), registers a
 * network device (tessera_netdev_register) and hands every received frame to
 * tessera_netdev_receive; the stack attaches to each network device
 * (tessera_netdev_attach) and transmits through tessera_netdev_transmit. The kernel
 * sits between the two, counts frames and drops, and knows nothing of protocols. */
#ifndef TESSERA_DEVICE_API_H
#define TESSERA_DEVICE_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Devices the platform found ---------------------------------------------------------- */

#define TESSERA_DEVICE_HOST_NETWORK 1 /* hosted: a `tessera run --net` port; base = port number */
#define TESSERA_DEVICE_VIRTIO_MMIO 2  /* VM: a virtio-mmio register window at physical `base` */
#define TESSERA_DEVICE_PCI 3          /* VM: a PCI function; base = its configuration address */

#define TESSERA_NO_LINE 0xffffffffu

struct tessera_device {
  uint32_t kind;      /* TESSERA_DEVICE_* */
  uint32_t line;      /* interrupt line for tessera_device_line_attach, or TESSERA_NO_LINE */
  uint64_t base;      /* see the kinds above */
  uint64_t size;      /* virtio-mmio: window length; otherwise 0 */
  uint16_t vendor_id; /* PCI only */
  uint16_t device_id; /* PCI only */
  uint32_t class_code; /* PCI only: class << 16 | subclass << 8 | programming interface */
};

/* 1 with the index-th device in *out, 0 past the last one. The list is fixed at boot:
 * hosted ports, virtio-mmio windows QEMU declared, and every PCI function the kernel
 * enumerated (PCI configuration addresses are bus << 16 | device << 11 | function << 8). */
int tessera_device_at(size_t index, struct tessera_device* out);

/* PCI configuration space, 32 bits at a time: `address` is a function's configuration
 * address plus a 4-aligned register offset. Reads return all ones where nothing answers
 * (and everywhere on machines without PCI). */
uint32_t tessera_pci_config_read(uint32_t address);
void tessera_pci_config_write(uint32_t address, uint32_t value);

/* Maps `length` bytes of device registers at `physical` uncached, read-write, never
 * executable; *out is where they appear. -ENODEV where there is no physical address space
 * (hosted). Mappings last until the boot ends. */
int tessera_map_device_memory(uint64_t physical, size_t length, volatile void** out);

/* Zeroed, page-aligned memory that a device can reach by DMA, contiguous in the device's
 * view: *out for the CPU, *device_address for the device. -ENODEV hosted. */
int tessera_dma_alloc(size_t size, void** out, uint64_t* device_address);
void tessera_dma_free(void* memory, size_t size);
/* The device's address of any byte of kernel RAM (heap and stacks included); -ENODEV hosted. */
int tessera_dma_address(const void* memory, uint64_t* device_address);

/* A message-signalled interrupt: writing `data` to `address` raises *line. -ENOTSUP where
 * the platform routes none. */
int tessera_msi_allocate(uint32_t* line, uint64_t* address, uint32_t* data);

/* Calls handler(context) after `line` fired, in scheduler context (not an interrupt):
 * the handler must not block; it may receive frames, signal condition variables and
 * make threads runnable. One handler per line; -EBUSY when taken. */
int tessera_device_line_attach(uint32_t line, void (*handler)(void* context), void* context);
void tessera_device_line_detach(uint32_t line);

/* Hosted network ports (TESSERA_DEVICE_HOST_NETWORK): frames to and from the host's
 * backend (libslirp user networking or a TAP device). Receive copies the next waiting
 * frame and returns its length, 0 when none waits; send never blocks (-ENOBUFS when the
 * host cannot take the frame now: the frame is dropped). */
int tessera_host_net_info(uint32_t port, uint8_t mac[6], uint16_t* mtu);
int tessera_host_net_send(uint32_t port, const void* frame, size_t length);
int64_t tessera_host_net_receive(uint32_t port, void* buffer, size_t capacity);

/* ---- Network devices -------------------------------------------------------------------- */

typedef struct tessera_netdev tessera_netdev;

struct tessera_netdev_ops {
  const char* driver_name; /* "virtio-net", "net-hostport": in messages */
  /* Sends one Ethernet frame (destination MAC first, no FCS, at most mtu + 14 bytes):
   * 0, or -ENOBUFS when the device queue is full (the kernel counts the frame dropped). */
  int (*transmit)(void* driver, const void* frame, size_t length);
};

struct tessera_netdev_info {
  uint8_t mac[6];
  uint16_t mtu; /* IP payload bytes per frame: 1500 for Ethernet */
};

struct tessera_netdev_stats {
  uint64_t rx_frames, rx_bytes, rx_dropped; /* dropped: no stack attached, or malformed */
  uint64_t tx_frames, tx_bytes, tx_dropped;
};

/* Driver side. Registers a device, named eth0, eth1, ... in order; the kernel copies
 * `ops` and `info`. Unregister before the driver module unloads. */
int tessera_netdev_register(const struct tessera_netdev_ops* ops, void* driver,
                            const struct tessera_netdev_info* info, tessera_netdev** out);
int tessera_netdev_unregister(tessera_netdev* device);
/* One received frame, as on the wire without FCS. The consumer copies what it keeps
 * before this returns; frames shorter than 14 bytes or longer than mtu + 14 are dropped
 * and counted. Callable from threads and device-line handlers; never blocks. */
void tessera_netdev_receive(tessera_netdev* device, const void* frame, size_t length);
void tessera_netdev_set_link(tessera_netdev* device, int up);

/* Stack side. Devices are numbered from 0 in registration order. */
int tessera_netdev_count(void);
tessera_netdev* tessera_netdev_at(int index);
/* name: NUL-terminated, at most 15 characters; any out pointer may be null. */
int tessera_netdev_query(tessera_netdev* device, char name[16], struct tessera_netdev_info* info, int* link_up);
int tessera_netdev_statistics(tessera_netdev* device, struct tessera_netdev_stats* out);
/* Sends every frame the device receives from now on to receive(consumer, ...): one
 * consumer per device, -EBUSY when attached; a null `receive` detaches. */
int tessera_netdev_attach(tessera_netdev* device,
                          void (*receive)(void* consumer, const void* frame, size_t length), void* consumer);
/* 0, -EMSGSIZE beyond mtu + 14, -ENETDOWN with the link down, or the driver's error. */
int tessera_netdev_transmit(tessera_netdev* device, const void* frame, size_t length);

/* ---- Kernel options and modules ------------------------------------------------------- */

/* The value of kernel option `name` (command line over /etc/tessera/kernel.conf over
 * the default) as text, NUL-terminated: its length, -ENOENT for an option the kernel
 * does not know, -ERANGE when `capacity` is too small. */
int tessera_kernel_option(const char* name, char* buffer, size_t capacity);

/* Loads /lib/modules/NAME.so with its dependencies (once: 0 when already loaded). On
 * failure the kernel logs why and returns the error. */
int tessera_module_load(const char* name);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* TESSERA_DEVICE_API_H */

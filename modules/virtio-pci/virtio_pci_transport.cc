// virtio over PCI (virtio 1.x, 4.1), modern interface only: the vendor capabilities in
// configuration space point into memory BARs at the common configuration, the notify
// area, the ISR byte and the device configuration. The legacy I/O-port interface is not
// used (the runner gives QEMU disable-legacy=on; a transitional 1af4:1000 works as long
// as it has the capabilities).
//
// Interrupts: MSI-X, one vector (table entry 0) for the configuration and both queues,
// from tessera_msi_allocate; virtio-net is then told to re-read the link state on every
// interrupt, which costs one configuration read. INTx is not used (the platform does not
// route PCI INTx). If MSI-X cannot be set up, a thread polls the ISR every millisecond.
#include <tessera/module_api.h>
#include <tessera/ktl/utility.hh>

#include "virtio_net.h"

namespace {

constexpr int kENOMEM = 12, kENODEV = 19;
constexpr uint16_t kVendorVirtio = 0x1af4, kDeviceTransitionalNet = 0x1000, kDeviceModernNet = 0x1041;
constexpr uint64_t kPollIntervalNs = 1'000'000;
constexpr uint16_t kNoVector = 0xffff;

// Configuration space.
constexpr uint32_t kCommand = 0x04, kSubsystem = 0x2c, kCapabilities = 0x34;
constexpr uint32_t kCommandMemory = 2, kCommandBusMaster = 4;
constexpr uint32_t kStatusHasCapabilities = 1u << (16 + 4);
constexpr uint8_t kCapVendor = 0x09, kCapMsix = 0x11;
enum CfgType : uint8_t { kCommonCfg = 1, kNotifyCfg = 2, kIsrCfg = 3, kDeviceCfg = 4 };

// Common configuration structure offsets.
enum Common : uint32_t {
  kDeviceFeatureSelect = 0x00, kDeviceFeature = 0x04, kDriverFeatureSelect = 0x08, kDriverFeature = 0x0c,
  kMsixConfig = 0x10, kNumQueues = 0x12, kDeviceStatus = 0x14, kConfigGeneration = 0x15, kQueueSelect = 0x16,
  kQueueSize = 0x18, kQueueMsixVector = 0x1a, kQueueEnable = 0x1c, kQueueNotifyOff = 0x1e, kQueueDesc = 0x20,
  kQueueDriver = 0x28, kQueueDevice = 0x30,
};

struct Function {
  uint32_t address;  // configuration address
  volatile uint8_t* common;
  volatile uint8_t* notify;
  uint32_t notify_multiplier;
  volatile uint8_t* isr;
  volatile uint8_t* device_config;
  uint16_t vector;  // MSI-X table entry used for everything, or kNoVector
  uint32_t line;
  virtio_net* net;
  char location[40];
};

template <typename T>
T get(volatile uint8_t* base, uint32_t offset) { return *reinterpret_cast<volatile T*>(base + offset); }
template <typename T>
void put(volatile uint8_t* base, uint32_t offset, T value) { *reinterpret_cast<volatile T*>(base + offset) = value; }
Function* of(void* transport) { return static_cast<Function*>(transport); }

uint64_t device_features(void* t) {
  volatile uint8_t* c = of(t)->common;
  put<uint32_t>(c, kDeviceFeatureSelect, 0);
  uint64_t low = get<uint32_t>(c, kDeviceFeature);
  put<uint32_t>(c, kDeviceFeatureSelect, 1);
  return low | (uint64_t(get<uint32_t>(c, kDeviceFeature)) << 32);
}
void set_driver_features(void* t, uint64_t features) {
  volatile uint8_t* c = of(t)->common;
  put<uint32_t>(c, kDriverFeatureSelect, 0);
  put<uint32_t>(c, kDriverFeature, uint32_t(features));
  put<uint32_t>(c, kDriverFeatureSelect, 1);
  put<uint32_t>(c, kDriverFeature, uint32_t(features >> 32));
}
uint8_t status(void* t) { return get<uint8_t>(of(t)->common, kDeviceStatus); }
void set_status(void* t, uint8_t value) {
  Function* f = of(t);
  put<uint8_t>(f->common, kDeviceStatus, value);
  // The configuration vector is set once features are negotiated (reset clears it).
  if (value & VIRTIO_STATUS_FEATURES_OK) put<uint16_t>(f->common, kMsixConfig, f->vector);
}
uint32_t config_generation(void* t) { return get<uint8_t>(of(t)->common, kConfigGeneration); }
uint8_t config_read8(void* t, uint32_t offset) { return of(t)->device_config[offset]; }
uint16_t queue_max(void* t, uint16_t index) {
  volatile uint8_t* c = of(t)->common;
  if (index >= get<uint16_t>(c, kNumQueues)) return 0;
  put<uint16_t>(c, kQueueSelect, index);
  return get<uint16_t>(c, kQueueSize);
}
int queue_enable(void* t, uint16_t index, uint16_t size, uint64_t descriptors, uint64_t driver, uint64_t device) {
  Function* f = of(t);
  volatile uint8_t* c = f->common;
  put<uint16_t>(c, kQueueSelect, index);
  put<uint16_t>(c, kQueueSize, size);
  if (f->vector != kNoVector) {
    put<uint16_t>(c, kQueueMsixVector, f->vector);
    if (get<uint16_t>(c, kQueueMsixVector) != f->vector) {
      tessera_log(TESSERA_LOG_ERROR, "virtio-pci: %s: the device refused MSI-X vector %u for queue %u", f->location,
                  f->vector, index);
      return -kENODEV;
    }
  }
  put<uint32_t>(c, kQueueDesc, uint32_t(descriptors));
  put<uint32_t>(c, kQueueDesc + 4, uint32_t(descriptors >> 32));
  put<uint32_t>(c, kQueueDriver, uint32_t(driver));
  put<uint32_t>(c, kQueueDriver + 4, uint32_t(driver >> 32));
  put<uint32_t>(c, kQueueDevice, uint32_t(device));
  put<uint32_t>(c, kQueueDevice + 4, uint32_t(device >> 32));
  put<uint16_t>(c, kQueueEnable, 1);
  return 0;
}
void queue_notify(void* t, uint16_t index) {
  Function* f = of(t);
  put<uint16_t>(f->common, kQueueSelect, index);
  uint32_t offset = uint32_t(get<uint16_t>(f->common, kQueueNotifyOff)) * f->notify_multiplier;
  put<uint16_t>(f->notify, offset, index);
}

constexpr virtio_transport_ops kOps = {
    "virtio-pci", device_features, set_driver_features, status, set_status, config_generation,
    config_read8, queue_max, queue_enable, queue_notify,
};

void on_msi(void* context) {
  Function* f = static_cast<Function*>(context);
  virtio_net_interrupt(f->net, 1);
}

void poll_forever(void* context) {
  Function* f = static_cast<Function*>(context);
  for (;;) {
    uint8_t pending = *f->isr;  // reading acknowledges
    virtio_net_interrupt(f->net, (pending & 2) ? 1 : 0);
    tessera_thread_sleep_ns(kPollIntervalNs);
  }
}

uint32_t config_read(uint32_t function, uint32_t offset) { return tessera_pci_config_read(function + (offset & ~3u)); }
uint8_t config_byte(uint32_t function, uint32_t offset) { return uint8_t(config_read(function, offset) >> (8 * (offset & 3))); }

// The physical address of memory BAR `bar`, 0 when it is not an assigned memory BAR.
uint64_t bar_address(uint32_t function, uint8_t bar) {
  if (bar > 5) return 0;
  uint32_t low = config_read(function, 0x10 + 4u * bar);
  if (low & 1) return 0;  // an I/O BAR
  uint64_t address = low & ~uint32_t{0xf};
  if (((low >> 1) & 3) == 2 && bar < 5) address |= uint64_t(config_read(function, 0x10 + 4u * (bar + 1))) << 32;
  return address;
}

int map_region(Function* f, uint8_t bar, uint32_t offset, uint32_t length, volatile uint8_t** out) {
  uint64_t base = bar_address(f->address, bar);
  if (base == 0 || length == 0) {
    tessera_log(TESSERA_LOG_ERROR, "virtio-pci: %s: capability points into BAR %u, which is not an assigned memory BAR",
                f->location, bar);
    return -kENODEV;
  }
  volatile void* mapped = nullptr;
  if (int error = tessera_map_device_memory(base + offset, length, &mapped)) {
    tessera_log(TESSERA_LOG_ERROR, "virtio-pci: %s: cannot map BAR %u: %s", f->location, bar, tessera_errno_name(error));
    return error;
  }
  *out = static_cast<volatile uint8_t*>(mapped);
  return 0;
}

// MSI-X table entry 0 raises a new device line; the capability is at `cap`.
int set_up_msix(Function* f, uint32_t cap) {
  uint32_t control = config_read(f->address, cap) >> 16;
  uint32_t table = config_read(f->address, cap + 4);
  volatile uint8_t* entries = nullptr;
  uint32_t table_size = ((control & 0x7ff) + 1) * 16;
  if (int error = map_region(f, uint8_t(table & 7), table & ~7u, table_size, &entries)) return error;
  uint32_t line;
  uint64_t address;
  uint32_t data;
  if (int error = tessera_msi_allocate(&line, &address, &data)) return error;
  put<uint32_t>(entries, 0, uint32_t(address));
  put<uint32_t>(entries, 4, uint32_t(address >> 32));
  put<uint32_t>(entries, 8, data);
  put<uint32_t>(entries, 12, 0);  // unmasked
  // Message control: enable (bit 15), function mask (bit 14) off.
  uint32_t dword = config_read(f->address, cap);
  tessera_pci_config_write(f->address + cap, (dword & 0x3fffffffu) | (1u << 31));
  f->vector = 0;
  f->line = line;
  return 0;
}

int probe(const tessera_device& device) {
  uint32_t function = uint32_t(device.base);
  void* memory = calloc(1, sizeof(Function));
  if (!memory) return -kENOMEM;
  Function* f = new (memory) Function{function, nullptr, nullptr, 0, nullptr, nullptr, kNoVector, TESSERA_NO_LINE, nullptr, {}};
  snprintf(f->location, sizeof f->location, "virtio-pci %02x:%02x.%x", (function >> 16) & 0xff, (function >> 11) & 0x1f,
           (function >> 8) & 7);
  if (device.device_id == kDeviceTransitionalNet && (config_read(function, kSubsystem) >> 16) != 1) {
    free(f);
    return 0;  // a transitional virtio device of another type
  }
  tessera_pci_config_write(function + kCommand, (config_read(function, kCommand) & 0xffff) | kCommandMemory | kCommandBusMaster);
  if (!(config_read(function, kCommand) & kStatusHasCapabilities)) {
    tessera_log(TESSERA_LOG_ERROR, "virtio-pci: %s: no capability list (a legacy-only device)", f->location);
    return -kENODEV;
  }
  uint32_t msix = 0;
  uint8_t seen = 0;
  int guard = 0;
  for (uint8_t cap = config_byte(function, kCapabilities) & 0xfc; cap != 0 && guard < 48; ++guard) {
    uint8_t id = config_byte(function, cap);
    if (id == kCapMsix) msix = cap;
    if (id == kCapVendor) {
      uint8_t type = config_byte(function, cap + 3u);
      uint8_t bar = config_byte(function, cap + 4u);
      uint32_t offset = config_read(function, cap + 8u);
      uint32_t length = config_read(function, cap + 12u);
      volatile uint8_t** target = type == kCommonCfg ? &f->common : type == kNotifyCfg ? &f->notify
                                  : type == kIsrCfg  ? &f->isr    : type == kDeviceCfg ? &f->device_config : nullptr;
      // The first capability of each type is the preferred one (virtio 1.x, 4.1.4).
      if (target && !*target) {
        if (int error = map_region(f, bar, offset, length, target)) return error;
        if (type == kNotifyCfg) f->notify_multiplier = config_read(function, cap + 16u);
        seen |= uint8_t(1u << type);
      }
    }
    cap = config_byte(function, cap + 1u) & 0xfc;
  }
  constexpr uint8_t kNeeded = (1u << kCommonCfg) | (1u << kNotifyCfg) | (1u << kIsrCfg) | (1u << kDeviceCfg);
  if ((seen & kNeeded) != kNeeded) {
    tessera_log(TESSERA_LOG_ERROR, "virtio-pci: %s: virtio capabilities missing (have mask 0x%x; a legacy-only device?)",
                f->location, seen);
    return -kENODEV;
  }
  int msix_error = msix ? set_up_msix(f, msix) : -kENODEV;
  if (int error = virtio_net_attach(&kOps, f, f->location, &f->net)) return error;  // kept: the device is FAILED
  if (msix_error == 0 && tessera_device_line_attach(f->line, on_msi, f) == 0) {
    on_msi(f);  // anything that completed before the handler was there
    tessera_log(TESSERA_LOG_INFO, "virtio-pci: %s: MSI-X on device line %u", f->location, f->line);
    return 1;
  }
  tessera_log(TESSERA_LOG_WARN, "virtio-pci: %s: no MSI-X (%s); polling every %llu us", f->location,
              tessera_errno_name(msix_error ? msix_error : -16), static_cast<unsigned long long>(kPollIntervalNs / 1000));
  tessera_thread* thread = nullptr;
  if (int error = tessera_thread_create(&thread, "virtio-pci-poll", poll_forever, f)) return error;
  return 1;
}

}  // namespace

// Attaches every virtio-net PCI function: 0 when at least one works (or there were
// none), else the first error.
extern "C" TESSERA_MODULE_EXPORT int virtio_pci_init(void) {
  int first_error = 0, attached = 0;
  tessera_device device;
  for (size_t index = 0; tessera_device_at(index, &device) == 1; ++index) {
    if (device.kind != TESSERA_DEVICE_PCI || device.vendor_id != kVendorVirtio) continue;
    if (device.device_id != kDeviceModernNet && device.device_id != kDeviceTransitionalNet) continue;
    int result = probe(device);
    if (result > 0) ++attached;
    else if (result < 0 && first_error == 0) first_error = result;
  }
  return attached > 0 ? 0 : first_error;
}

// virtio over MMIO (virtio 1.x, 4.2; register layout of version 2). Each window the
// platform declared is probed: magic "virt", version 2 (QEMU's default is the legacy
// version 1: the runner passes -global virtio-mmio.force-legacy=false), device id 1
// (network) goes to virtio-net, id 0 is an empty slot, other ids are skipped with a note.
// Interrupts arrive on the window's device line; the handler acknowledges
// InterruptStatus before virtio-net reads the rings, so a completion that lands in
// between raises the line again. Without a line, a thread polls every millisecond.
#include <tessera/module_api.h>
#include <tessera/ktl/utility.hh>

#include "virtio_net.h"

namespace {

constexpr int kENOMEM = 12, kENODEV = 19;
constexpr uint32_t kMagic = 0x74726976;  // "virt", little endian
constexpr uint32_t kDeviceNet = 1;
constexpr uint64_t kPollIntervalNs = 1'000'000;

enum Register : uint32_t {
  kMagicValue = 0x000, kVersion = 0x004, kDeviceId = 0x008, kDeviceFeatures = 0x010, kDeviceFeaturesSel = 0x014,
  kDriverFeatures = 0x020, kDriverFeaturesSel = 0x024, kQueueSel = 0x030, kQueueNumMax = 0x034, kQueueNum = 0x038,
  kQueueReady = 0x044, kQueueNotify = 0x050, kInterruptStatus = 0x060, kInterruptAck = 0x064, kStatus = 0x070,
  kQueueDescLow = 0x080, kQueueDescHigh = 0x084, kQueueDriverLow = 0x090, kQueueDriverHigh = 0x094,
  kQueueDeviceLow = 0x0a0, kQueueDeviceHigh = 0x0a4, kConfigGeneration = 0x0fc, kConfig = 0x100,
};
constexpr uint32_t kInterruptConfigChanged = 2;

struct Window {
  volatile uint8_t* registers;
  uint64_t base;
  uint32_t line;
  virtio_net* net;
  char location[40];
};

uint32_t read32(Window* w, uint32_t offset) { return *reinterpret_cast<volatile uint32_t*>(w->registers + offset); }
void write32(Window* w, uint32_t offset, uint32_t value) { *reinterpret_cast<volatile uint32_t*>(w->registers + offset) = value; }
Window* of(void* transport) { return static_cast<Window*>(transport); }

uint64_t device_features(void* t) {
  write32(of(t), kDeviceFeaturesSel, 0);
  uint64_t low = read32(of(t), kDeviceFeatures);
  write32(of(t), kDeviceFeaturesSel, 1);
  return low | (uint64_t(read32(of(t), kDeviceFeatures)) << 32);
}
void set_driver_features(void* t, uint64_t features) {
  write32(of(t), kDriverFeaturesSel, 0);
  write32(of(t), kDriverFeatures, uint32_t(features));
  write32(of(t), kDriverFeaturesSel, 1);
  write32(of(t), kDriverFeatures, uint32_t(features >> 32));
}
uint8_t status(void* t) { return uint8_t(read32(of(t), kStatus)); }
void set_status(void* t, uint8_t value) { write32(of(t), kStatus, value); }
uint32_t config_generation(void* t) { return read32(of(t), kConfigGeneration); }
uint8_t config_read8(void* t, uint32_t offset) { return of(t)->registers[kConfig + offset]; }
uint16_t queue_max(void* t, uint16_t index) {
  write32(of(t), kQueueSel, index);
  if (read32(of(t), kQueueReady) != 0) return 0;  // in use already: not ours to set up
  uint32_t max = read32(of(t), kQueueNumMax);
  return max > 0xffff ? 0xffff : uint16_t(max);
}
int queue_enable(void* t, uint16_t index, uint16_t size, uint64_t descriptors, uint64_t driver, uint64_t device) {
  Window* w = of(t);
  write32(w, kQueueSel, index);
  write32(w, kQueueNum, size);
  write32(w, kQueueDescLow, uint32_t(descriptors));
  write32(w, kQueueDescHigh, uint32_t(descriptors >> 32));
  write32(w, kQueueDriverLow, uint32_t(driver));
  write32(w, kQueueDriverHigh, uint32_t(driver >> 32));
  write32(w, kQueueDeviceLow, uint32_t(device));
  write32(w, kQueueDeviceHigh, uint32_t(device >> 32));
  write32(w, kQueueReady, 1);
  return read32(w, kQueueReady) == 1 ? 0 : -kENODEV;
}
void queue_notify(void* t, uint16_t index) { write32(of(t), kQueueNotify, index); }

constexpr virtio_transport_ops kOps = {
    "virtio-mmio", device_features, set_driver_features, status, set_status, config_generation,
    config_read8, queue_max, queue_enable, queue_notify,
};

void on_interrupt(void* context) {
  Window* w = static_cast<Window*>(context);
  uint32_t pending = read32(w, kInterruptStatus);
  if (pending) write32(w, kInterruptAck, pending);
  virtio_net_interrupt(w->net, (pending & kInterruptConfigChanged) ? 1 : 0);
}

void poll_forever(void* context) {
  for (;;) {
    on_interrupt(context);
    tessera_thread_sleep_ns(kPollIntervalNs);
  }
}

int probe(const tessera_device& device) {
  char location[40];
  snprintf(location, sizeof location, "virtio-mmio 0x%llx", static_cast<unsigned long long>(device.base));
  if (device.size < kConfig + 12) {
    tessera_log(TESSERA_LOG_ERROR, "virtio-mmio: %s: window of %llu bytes is too small", location,
                static_cast<unsigned long long>(device.size));
    return -kENODEV;
  }
  volatile void* registers = nullptr;
  if (int error = tessera_map_device_memory(device.base, device.size, &registers)) {
    tessera_log(TESSERA_LOG_ERROR, "virtio-mmio: %s: cannot map the window: %s", location, tessera_errno_name(error));
    return error;
  }
  auto* bytes = static_cast<volatile uint8_t*>(registers);
  uint32_t magic = *reinterpret_cast<volatile uint32_t*>(bytes + kMagicValue);
  uint32_t version = *reinterpret_cast<volatile uint32_t*>(bytes + kVersion);
  uint32_t id = *reinterpret_cast<volatile uint32_t*>(bytes + kDeviceId);
  if (magic != kMagic) {
    tessera_log(TESSERA_LOG_ERROR, "virtio-mmio: %s: no virtio device (magic 0x%08x)", location, magic);
    return -kENODEV;
  }
  if (id == 0) return 0;  // an empty slot
  if (version != 2) {
    tessera_log(TESSERA_LOG_ERROR, "virtio-mmio: %s: version %u, only version 2 (virtio 1.x) is supported%s", location,
                version, version == 1 ? " (QEMU: -global virtio-mmio.force-legacy=false)" : "");
    return -kENODEV;
  }
  if (id != kDeviceNet) {
    tessera_log(TESSERA_LOG_INFO, "virtio-mmio: %s: device type %u has no driver here; skipped", location, id);
    return 0;
  }
  void* memory = calloc(1, sizeof(Window));
  if (!memory) return -kENOMEM;
  Window* window = new (memory) Window{bytes, device.base, device.line, nullptr, {}};
  snprintf(window->location, sizeof window->location, "%s", location);
  if (int error = virtio_net_attach(&kOps, window, window->location, &window->net)) return error;  // kept: the device is FAILED
  if (window->line != TESSERA_NO_LINE && tessera_device_line_attach(window->line, on_interrupt, window) == 0) {
    on_interrupt(window);  // anything that completed before the handler was there
    return 1;
  }
  tessera_log(TESSERA_LOG_WARN, "virtio-mmio: %s: no interrupt line; polling every %llu us", location,
              static_cast<unsigned long long>(kPollIntervalNs / 1000));
  tessera_thread* thread = nullptr;
  if (int error = tessera_thread_create(&thread, "virtio-mmio-poll", poll_forever, window)) return error;
  return 1;
}

}  // namespace

// Attaches every network device on virtio-mmio: 0 when at least one works (or there were
// none), else the first error.
extern "C" TESSERA_MODULE_EXPORT int virtio_mmio_init(void) {
  int first_error = 0, attached = 0;
  tessera_device device;
  for (size_t index = 0; tessera_device_at(index, &device) == 1; ++index) {
    if (device.kind != TESSERA_DEVICE_VIRTIO_MMIO) continue;
    int result = probe(device);
    if (result > 0) ++attached;
    else if (result < 0 && first_error == 0) first_error = result;
  }
  return attached > 0 ? 0 : first_error;
}

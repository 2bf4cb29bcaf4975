#include "net/net_startup.hh"

#include <tessera/format.hh>
#include <tessera/ktl/utility.hh>
#include <tessera/socket_api.h>

#include "dev/device_list.hh"
#include "log/log.hh"
#include "module/module_index.hh"
#include "module/module_loader.hh"
#include "net/inet_address.hh"
#include "net/net_device_registry.hh"
#include "net/socket_provider.hh"
#include "sched/deferred_work.hh"
#include "sched/mutex.hh"

namespace tessera {
namespace {

// Capabilities, found in the boot image's module index (docs/modularity.md), and the
// module that provides each where an image has no index.
constexpr const char* kStackModule = "net-lwip";
constexpr const char* kDhcpModule = "net-dhcp";
constexpr uint16_t kVirtioVendor = 0x1af4;
constexpr uint16_t kVirtioNetLegacy = 0x1000;
constexpr uint16_t kVirtioNetModern = 0x1041;

constinit bool g_brought_up = false;

// A static address waiting for the stack (bring_up with on_demand), and the work item
// the first unattached frame queues to load it.
struct DeferredStack {
  NetConfig config;
  bool pending = false;
  bool frame_seen = false;
  char device[NetDevice::kNameCapacity] = {};
  WorkItem first_frame;
};
constinit DeferredStack g_deferred;
// Serialises load_stack: a socket call and the frame's work item may both ask, and the
// second must not return before the address is configured.
constinit Mutex g_stack_lock;

struct Driver {
  const char* capability;
  const char* fallback;
};

// The capability of driving `device`, or null when networking has no use for it.
const Driver* driver_for(const DeviceEntry& device) {
  static constexpr Driver kHostPort{"dev:host-net", "net-hostport"};
  static constexpr Driver kVirtioMmio{"dev:virtio-mmio", "virtio-mmio"};
  static constexpr Driver kVirtioPciLegacy{"dev:pci:1af4:1000", "virtio-pci"};
  static constexpr Driver kVirtioPciModern{"dev:pci:1af4:1041", "virtio-pci"};
  switch (device.kind) {
    case DeviceEntry::Kind::kHostNetwork: return &kHostPort;
    case DeviceEntry::Kind::kVirtioMmio: return &kVirtioMmio;
    case DeviceEntry::Kind::kPci:
      if (device.vendor_id != kVirtioVendor) return nullptr;
      if (device.device_id == kVirtioNetLegacy) return &kVirtioPciLegacy;
      if (device.device_id == kVirtioNetModern) return &kVirtioPciModern;
      return nullptr;
  }
  return nullptr;
}

void describe(const DeviceEntry& device, char* out, size_t capacity) {
  switch (device.kind) {
    case DeviceEntry::Kind::kHostNetwork:
      format(out, capacity, "host network port %lu", device.base);
      return;
    case DeviceEntry::Kind::kVirtioMmio:
      format(out, capacity, "virtio-mmio window at %#lx", device.base);
      return;
    case DeviceEntry::Kind::kPci:
      format(out, capacity, "PCI %02lx:%02lx.%lu (%04x:%04x)", device.base >> 16 & 0xff, device.base >> 11 & 0x1f,
             device.base >> 8 & 7, unsigned(device.vendor_id), unsigned(device.device_id));
      return;
  }
}

Result<void> load(const char* capability, const char* fallback, const char* why) {
  auto loaded = require_capability(capability, why, fallback);
  if (loaded.is_ok()) return {};
  // The loader's message names the module, the capability and `why` (the device) already;
  // Error's capacity leaves no room to say them twice.
  return Error::with_message(loaded.error().code(), "net: %s", loaded.error().message());
}

Result<void> load_drivers(size_t& driven) {
  driven = 0;
  DeviceEntry device;
  for (size_t i = 0; DeviceList::at(i, &device); ++i) {
    const Driver* driver = driver_for(device);
    if (!driver) continue;
    char what[64];
    describe(device, what, sizeof what);
    char why[96];
    format(why, sizeof why, "the driver of %s", what);
    TRY(load(driver->capability, driver->fallback, why));
    ++driven;
  }
  return {};
}

Result<void> configure_static(const NetConfig& config) {
  NetDevice* device = NetDeviceRegistry::at(0);
  const tessera_socket_ops* ops = SocketProvider::peek();
  if (!ops) return Error::with_message(kENETDOWN, "net: module %s registered no socket provider", kStackModule);
  if (!ops->configure) return Error::with_message(kEOPNOTSUPP, "net: stack %s cannot configure addresses", ops->stack_name);
  int status = ops->configure(reinterpret_cast<tessera_netdev*>(device), htonl(config.address), htonl(config.netmask()),
                              htonl(config.gateway));
  if (status < 0)
    return Error::with_message(-status, "net: %s refused address configuration of %s: %s", ops->stack_name,
                               device->name(), errno_name(-status));
  char address[inet::kAddressTextCapacity];
  inet::format_ipv4(config.address, address);
  if (config.gateway) {
    char gateway[inet::kAddressTextCapacity];
    inet::format_ipv4(config.gateway, gateway);
    log::info("net: %s %s/%u gw %s (static)", device->name(), address, config.prefix_length, gateway);
  } else {
    log::info("net: %s %s/%u (static)", device->name(), address, config.prefix_length);
  }
  return {};
}

void load_on_first_frame(WorkItem&) {
  char reason[48];
  format(reason, sizeof reason, "the first frame on %s", g_deferred.device);
  if (auto loaded = NetStartup::load_stack(reason); loaded.is_error()) log::error("net: %s", loaded.error().message());
}

// Device-line context: nothing here may block. Only the first frame queues the load;
// the others, until the stack attaches, are dropped (counted by the device).
void on_unattached_frame(NetDevice& device) {
  if (!g_deferred.pending || g_deferred.frame_seen) return;
  g_deferred.frame_seen = true;
  format(g_deferred.device, sizeof g_deferred.device, "%s", device.name());
  if (!DeferredWork::queue(g_deferred.first_frame)) g_deferred.frame_seen = false;
}

}  // namespace

void NetStartup::reset() {
  g_brought_up = false;
  NetDevice::set_unattached_hook(nullptr);
  new (&g_deferred) DeferredStack();
  new (&g_stack_lock) Mutex();
  NetDeviceRegistry::reset();
  SocketProvider::reset();
}

bool NetStartup::stack_deferred() { return g_deferred.pending; }

Result<void> NetStartup::load_stack(const char* reason) {
  MutexLocker locked(g_stack_lock);
  // Unwrapped: callers say where the error goes ("net: socket() without a network stack: ...").
  auto loaded = require_capability("net:stack", reason, kStackModule);
  if (loaded.is_error()) return loaded.release_error();
  if (!g_deferred.pending) return {};
  g_deferred.pending = false;
  NetDevice::set_unattached_hook(nullptr);
  return configure_static(g_deferred.config);
}

Result<void> NetStartup::bring_up(const NetConfig& config, bool on_demand) {
  g_brought_up = false;
  if (config.mode == NetConfig::Mode::kNone) return {};
  size_t driven = 0;
  TRY(load_drivers(driven));
  if (on_demand && config.mode == NetConfig::Mode::kStatic && NetDeviceRegistry::count() > 0) {
    TRY(DeferredWork::start());
    g_deferred.config = config;
    g_deferred.pending = true;
    g_deferred.first_frame.run = load_on_first_frame;
    g_deferred.first_frame.name = "net:stack on the first frame";
    NetDevice::set_unattached_hook(on_unattached_frame);
    g_brought_up = true;
    log::info("net: %s: static address; the network stack loads on the first socket call or the first frame "
              "received", NetDeviceRegistry::at(0)->name());
    return {};
  }
  TRY(load("net:stack", kStackModule, "net.ip"));
  g_brought_up = true;
  if (driven == 0 || NetDeviceRegistry::count() == 0) {
    if (driven == 0) log::warn("net: net.ip is set but no network device was found: loopback only");
    else log::warn("net: the drivers of %zu device(s) registered no network device: loopback only", driven);
    return {};
  }
  if (config.mode == NetConfig::Mode::kStatic) return configure_static(config);
  // The module's init obtains the lease (with its own timeout, net.dhcp.timeout) and logs it.
  return load("net:dhcp", kDhcpModule, "net.ip=dhcp");
}

void NetStartup::log_statistics() {
  if (!g_brought_up) return;
  if (const tessera_socket_ops* ops = SocketProvider::peek(); ops && ops->log_statistics) ops->log_statistics();
  NetDeviceRegistry::log_statistics();
}

}  // namespace tessera

// net-hostport: the NIC driver of the hosted platform. Each `tessera run --net` port is a
// TESSERA_DEVICE_HOST_NETWORK device; this registers a network device for it and moves
// frames: the port's device line fires when frames wait (the platform raises it for the
// first frame after the previous event was taken), and the handler drains them all into
// the kernel, since no further event comes for frames already queued.
#include <tessera/module_api.h>

namespace {

constexpr size_t kMaxPorts = 16;  // platform-linux's limit on --net options
constexpr int kENOMEM = 12, kENODEV = 19;  // Linux values, as the module API's errors

struct HostPort {
  uint32_t port = 0;
  uint32_t line = TESSERA_NO_LINE;
  tessera_netdev* device = nullptr;
  uint8_t* frame = nullptr;  // receive buffer: mtu + 14 bytes
  size_t frame_capacity = 0;
};

constinit HostPort g_ports[kMaxPorts] = {};
constinit size_t g_port_count = 0;

int transmit(void* driver, const void* frame, size_t length) {
  return tessera_host_net_send(static_cast<HostPort*>(driver)->port, frame, length);
}

const tessera_netdev_ops kOps = {.driver_name = "net-hostport", .transmit = transmit};

void drain(void* context) {
  auto& host_port = *static_cast<HostPort*>(context);
  for (;;) {
    int64_t length = tessera_host_net_receive(host_port.port, host_port.frame, host_port.frame_capacity);
    if (length == 0) return;
    // Longer than the MTU allows: the platform dropped it; the next one may be fine.
    if (length < 0) continue;
    tessera_netdev_receive(host_port.device, host_port.frame, size_t(length));
  }
}

void release(HostPort& host_port) {
  if (host_port.line != TESSERA_NO_LINE) tessera_device_line_detach(host_port.line);
  if (host_port.device) tessera_netdev_unregister(host_port.device);
  free(host_port.frame);
  host_port = HostPort{};
}

int attach(const tessera_device& device, HostPort& host_port) {
  host_port.port = uint32_t(device.base);
  tessera_netdev_info info{};
  if (int error = tessera_host_net_info(host_port.port, info.mac, &info.mtu)) {
    tessera_log(TESSERA_LOG_ERROR, "net-hostport: port %u: no information: %s", host_port.port,
                tessera_errno_name(error));
    return error;
  }
  host_port.frame_capacity = size_t(info.mtu) + 14;
  host_port.frame = static_cast<uint8_t*>(malloc(host_port.frame_capacity));
  if (!host_port.frame) return -kENOMEM;
  if (int error = tessera_netdev_register(&kOps, &host_port, &info, &host_port.device)) {
    tessera_log(TESSERA_LOG_ERROR, "net-hostport: port %u: cannot register a network device: %s", host_port.port,
                tessera_errno_name(error));
    return error;
  }
  if (device.line == TESSERA_NO_LINE) {
    tessera_log(TESSERA_LOG_ERROR, "net-hostport: port %u has no device line to report frames", host_port.port);
    return -kENODEV;
  }
  if (int error = tessera_device_line_attach(device.line, drain, &host_port)) {
    tessera_log(TESSERA_LOG_ERROR, "net-hostport: port %u: cannot attach line %u: %s", host_port.port, device.line,
                tessera_errno_name(error));
    return error;
  }
  host_port.line = device.line;
  // Frames that arrived before the handler was attached raised a line nobody heard.
  drain(&host_port);
  return 0;  // the kernel logs the new device with its MAC and MTU
}

}  // namespace

extern "C" TESSERA_MODULE_EXPORT void net_hostport_exit(void) {
  while (g_port_count > 0) release(g_ports[--g_port_count]);
}

extern "C" TESSERA_MODULE_EXPORT int net_hostport_init(void) {
  tessera_device device;
  for (size_t i = 0; tessera_device_at(i, &device); ++i) {
    if (device.kind != TESSERA_DEVICE_HOST_NETWORK) continue;
    if (g_port_count == kMaxPorts) {
      tessera_log(TESSERA_LOG_WARN, "net-hostport: more than %zu ports; port %llu is ignored", kMaxPorts,
                  static_cast<unsigned long long>(device.base));
      continue;
    }
    HostPort& host_port = g_ports[g_port_count++];
    if (int error = attach(device, host_port)) {
      net_hostport_exit();
      return error;
    }
  }
  if (g_port_count == 0) {
    tessera_log(TESSERA_LOG_ERROR, "net-hostport: no host network port (start with tessera run --net ...)");
    return -kENODEV;
  }
  return 0;
}

// net-hostport: the NIC driver of the hosted platform. Each `tessera run --net` port is a
// TESSERA_DEVICE_HOST_NETWORK device; this registers a network device for it and moves
// frames. The port's device line fires when frames wait (the platform raises it for the
// first frame after the previous event was taken, so frames already queued raise no
// further event: they must all be drained). The line handler only wakes the port's
// receive thread, which drains in batches and yields between them: the platform queues
// up to 1024 frames, and handing a burst like that to the stack at once would overflow
// its input queue, where a yield lets it keep up.
#include <tessera/module_api.h>

namespace {

constexpr size_t kMaxPorts = 16;  // platform-linux's limit on --net options
constexpr int kENOMEM = 12, kENODEV = 19;  // Linux values, as the module API's errors
constexpr int kBatch = 32;                  // frames handed to the stack between yields

struct HostPort {
  uint32_t port = 0;
  uint32_t line = TESSERA_NO_LINE;
  tessera_netdev* device = nullptr;
  uint8_t* frame = nullptr;  // receive buffer: mtu + 14 bytes
  size_t frame_capacity = 0;
  tessera_thread* receiver = nullptr;
  tessera_mutex* mutex = nullptr;
  tessera_cond* wake = nullptr;
  bool pending = false;   // the line fired since the receiver last looked
  bool stopping = false;  // under mutex
};

constinit HostPort g_ports[kMaxPorts] = {};
constinit size_t g_port_count = 0;

int transmit(void* driver, const void* frame, size_t length) {
  return tessera_host_net_send(static_cast<HostPort*>(driver)->port, frame, length);
}

const tessera_netdev_ops kOps = {.driver_name = "net-hostport", .transmit = transmit};

// Scheduler context: must not block. Threads are cooperative, so the receiver is either
// waiting on the condition variable or will look at `pending` before it waits again.
void on_line(void* context) {
  auto& host_port = *static_cast<HostPort*>(context);
  host_port.pending = true;
  tessera_cond_signal(host_port.wake);
}

// Hands up to kBatch waiting frames to the kernel; true when more may wait.
bool receive_batch(HostPort& host_port) {
  for (int i = 0; i < kBatch; ++i) {
    int64_t length = tessera_host_net_receive(host_port.port, host_port.frame, host_port.frame_capacity);
    if (length == 0) return false;
    // Longer than the MTU allows: the platform dropped it; the next one may be fine.
    if (length > 0) tessera_netdev_receive(host_port.device, host_port.frame, size_t(length));
  }
  return true;
}

void receiver(void* context) {
  auto& host_port = *static_cast<HostPort*>(context);
  tessera_mutex_lock(host_port.mutex);
  while (!host_port.stopping) {
    if (!host_port.pending) {
      tessera_cond_wait(host_port.wake, host_port.mutex);
      continue;
    }
    host_port.pending = false;
    tessera_mutex_unlock(host_port.mutex);
    while (receive_batch(host_port)) tessera_thread_yield();
    tessera_mutex_lock(host_port.mutex);
  }
  tessera_mutex_unlock(host_port.mutex);
}

void release(HostPort& host_port) {
  if (host_port.line != TESSERA_NO_LINE) tessera_device_line_detach(host_port.line);
  if (host_port.receiver) {
    tessera_mutex_lock(host_port.mutex);
    host_port.stopping = true;
    tessera_cond_signal(host_port.wake);
    tessera_mutex_unlock(host_port.mutex);
    tessera_thread_join(host_port.receiver);
  }
  if (host_port.device) tessera_netdev_unregister(host_port.device);
  if (host_port.wake) tessera_cond_destroy(host_port.wake);
  if (host_port.mutex) tessera_mutex_destroy(host_port.mutex);
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
  if (int error = tessera_mutex_create(&host_port.mutex)) return error;
  if (int error = tessera_cond_create(&host_port.wake)) return error;
  // Frames that arrived before the handler was attached raised a line nobody heard.
  host_port.pending = true;
  char name[32];
  snprintf(name, sizeof name, "net-hostport rx %u", host_port.port);
  if (int error = tessera_thread_create(&host_port.receiver, name, receiver, &host_port)) {
    tessera_log(TESSERA_LOG_ERROR, "net-hostport: port %u: cannot start its receive thread: %s", host_port.port,
                tessera_errno_name(error));
    return error;
  }
  if (int error = tessera_device_line_attach(device.line, on_line, &host_port)) {
    tessera_log(TESSERA_LOG_ERROR, "net-hostport: port %u: cannot attach line %u: %s", host_port.port, device.line,
                tessera_errno_name(error));
    return error;
  }
  host_port.line = device.line;
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

// net-dhcp: loaded by the kernel's bring-up when net.ip=dhcp. Init obtains a lease for
// every network device (blocking, at most net.dhcp.timeout seconds each, 15 when the
// kernel has no such option) and configures it through the stack (tessera_net_configure);
// a thread per device then keeps the lease.
// Init fails, with the reason in the log, when no device got a lease.
//
// The renewal threads run for the rest of the boot, so there is no exit entry and the
// module stays loaded.
#include <tessera/module_api.h>

#include "dhcp_client.hh"

#include <tessera/errno.hh>

using tessera::kENODEV;
using tessera::kETIMEDOUT;

namespace {

constexpr uint64_t kSecond = 1000000000ull;
constexpr long kDefaultTimeoutSeconds = 15;
constexpr int kMaxDevices = 8;

tessera::dhcp::Client g_clients[kMaxDevices];
tessera_thread* g_threads[kMaxDevices];

void maintain(void* client) { static_cast<tessera::dhcp::Client*>(client)->maintain(); }

// Kernel option net.dhcp.timeout (seconds), when the kernel has it.
uint64_t acquire_timeout() {
  char text[24];
  long seconds = kDefaultTimeoutSeconds;
  if (tessera_kernel_option("net.dhcp.timeout", text, sizeof text) > 0) {
    char* end = nullptr;
    long value = strtol(text, &end, 10);
    if (end != text && *end == 0 && value > 0) seconds = value;
  }
  return uint64_t(seconds) * kSecond;
}

}  // namespace

extern "C" TESSERA_MODULE_EXPORT int net_dhcp_init(void) {
  int devices = tessera_netdev_count();
  if (devices <= 0) {
    tessera_log(TESSERA_LOG_ERROR, "net-dhcp: no network devices to configure (net.ip=dhcp needs one)");
    return -kENODEV;
  }
  if (devices > kMaxDevices) devices = kMaxDevices;
  uint64_t timeout = acquire_timeout();
  int leased = 0, first_error = 0;
  for (int i = 0; i < devices; ++i) {
    tessera::dhcp::Client& client = g_clients[i];
    int error = client.open(tessera_netdev_at(i));
    if (error == 0) error = client.acquire(tessera_monotonic_ns() + timeout);
    if (error == 0) error = client.apply("leased");
    if (error != 0) {
      client.close();
      if (!first_error) first_error = error;
      continue;
    }
    if (int started = tessera_thread_create(&g_threads[i], "dhcp-renew", maintain, &client)) {
      tessera_log(TESSERA_LOG_WARN, "net-dhcp: %s: cannot start the renewal thread: %s; the lease will lapse",
                  client.name(), tessera_errno_name(started));
    }
    ++leased;
  }
  if (leased == 0) {
    tessera_log(TESSERA_LOG_ERROR, "net-dhcp: no device obtained a lease");
    return first_error ? first_error : -kETIMEDOUT;
  }
  return 0;
}

// The module's entry point: starts lwIP's tcpip thread (which brings up loopback),
// attaches to every network device the kernel has, and serves the kernel's sockets.
// There is no exit entry: lwIP's tcpip thread never returns, so the stack stays for the
// whole boot, as the kernel's bring-up expects.
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "lwip_netdev.hh"
#include "socket_provider.hh"
#include "stack.hh"

namespace tessera::lwip {
namespace {

constexpr int kENODEV = 19, kEINVAL = 22;

void tcpip_ready(void* argument) { sys_sem_signal(static_cast<sys_sem_t*>(argument)); }

bool contiguous(uint32_t netmask_network_order) {
  uint32_t mask = __builtin_bswap32(netmask_network_order);
  return (~mask & (~mask + 1)) == 0;  // ones then zeros
}

int prefix_length(uint32_t netmask_network_order) {
  int bits = 0;
  for (uint32_t mask = netmask_network_order; mask; mask &= mask - 1) ++bits;
  return bits;
}

}  // namespace

int configure_interface(tessera_netdev* device, uint32_t address, uint32_t netmask, uint32_t gateway) {
  if (!contiguous(netmask)) return -kEINVAL;
  LOCK_TCPIP_CORE();
  NetdevInterface* interface = interface_for(device);
  if (!interface) {
    UNLOCK_TCPIP_CORE();
    return -kENODEV;
  }
  ip4_addr_t ip, mask, gw;
  ip4_addr_set_u32(&ip, address);
  ip4_addr_set_u32(&mask, netmask);
  ip4_addr_set_u32(&gw, gateway);
  netif_set_addr(&interface->netif, &ip, &mask, &gw);
  netif_set_default(&interface->netif);
  UNLOCK_TCPIP_CORE();
  char address_text[16], gateway_text[16];
  ip4addr_ntoa_r(&ip, address_text, sizeof address_text);
  ip4addr_ntoa_r(&gw, gateway_text, sizeof gateway_text);
  if (gateway) {
    tessera_log(TESSERA_LOG_INFO, "net-lwip: %s is %s/%d gw %s", interface->name, address_text,
                prefix_length(netmask), gateway_text);
  } else {
    tessera_log(TESSERA_LOG_INFO, "net-lwip: %s is %s/%d", interface->name, address_text, prefix_length(netmask));
  }
  return 0;
}

}  // namespace tessera::lwip

extern "C" TESSERA_MODULE_EXPORT int net_lwip_init(void) {
  using namespace tessera::lwip;
  // Registered first: if another stack serves sockets, nothing has started yet that
  // would outlive this module. No socket call can come before init returns (the kernel
  // starts applications after bring-up).
  if (int error = tessera_socket_provider_register(&socket_ops())) {
    tessera_log(TESSERA_LOG_ERROR, "net-lwip: cannot serve sockets: %s", tessera_errno_name(error));
    return error;
  }
  sys_sem_t ready;
  if (sys_sem_new(&ready, 0) != ERR_OK) tessera_panic("net-lwip: out of memory at start-up");
  tcpip_init(tcpip_ready, &ready);
  sys_sem_wait(&ready);
  sys_sem_free(&ready);

  LOCK_TCPIP_CORE();
  int attached = attach_all_netdevs();
  UNLOCK_TCPIP_CORE();
  tessera_log(TESSERA_LOG_INFO, "net-lwip: lwIP %s serving sockets, loopback 127.0.0.1, %d network device(s)",
              LWIP_VERSION_STRING, attached);
  return 0;
}

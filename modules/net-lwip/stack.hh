#pragma once
// The stack as a whole: start-up, interface configuration, statistics.
#include <stdint.h>

#include <tessera/module_api.h>

namespace tessera::lwip {

// Gives the netif of `device` an address and makes it the default route's interface
// (network byte order; gateway 0: none). 0, -ENODEV for a device net-lwip is not
// attached to, -EINVAL for a netmask that is not contiguous.
int configure_interface(tessera_netdev* device, uint32_t address, uint32_t netmask, uint32_t gateway);

// One line per layer, stable wording (tests and docs/networking.md rely on it):
//   net-lwip: link rx R tx T drop D (len L, memory M, queue full Q)
//   net-lwip: ip rx R tx T drop D (chksum C, len L, proto P, memory M, options O)
// and the same for etharp, icmp, udp and tcp, then TCP connection counts and exhausted pools.
void log_statistics();

}  // namespace tessera::lwip

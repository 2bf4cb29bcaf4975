#pragma once
// lwIP network interfaces over the kernel's network devices (tessera_netdev): one netif
// per device, attached at init. Frames received are copied into a pbuf and queued for the
// tcpip thread; frames lwIP sends go to tessera_netdev_transmit.
#include <stdint.h>

#include "lwip/netif.h"

#include <tessera/module_api.h>

namespace tessera::lwip {

struct NetdevInterface {
  struct netif netif;
  tessera_netdev* device = nullptr;
  char name[16] = {};      // the kernel's name: eth0, eth1...
  uint8_t* tx_buffer = nullptr;  // mtu + 14 bytes, for frames lwIP hands over in pieces
  uint16_t tx_capacity = 0;
  // Receive drops that happen before lwIP sees the frame (lwIP counts everything later).
  uint64_t rx_no_memory = 0;
  uint64_t rx_queue_full = 0;
  uint64_t rx_too_long = 0;
};

constexpr int kMaxInterfaces = 8;

// Attaches to every network device the kernel has; call with the core lock held.
// The count attached (devices beyond kMaxInterfaces are left alone with a warning).
int attach_all_netdevs();
// Detaches from the devices and removes their netifs; call with the core lock held.
void detach_all_netdevs();

int interface_count();
NetdevInterface* interface_at(int index);
NetdevInterface* interface_for(tessera_netdev* device);
NetdevInterface* interface_named(const char* name);

}  // namespace tessera::lwip

#include "lwip_netdev.hh"

#include "port/libc/stdlib.h"
#include "port/libc/string.h"

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"

namespace tessera::lwip {
namespace {

constexpr uint16_t kEthernetHeader = 14;
// Ethernet's minimum frame without FCS. Shorter frames (a driver that strips the padding,
// or a hosted backend) are padded with zeros up to it, as the wire would have: lwIP
// 2.1.3's etharp_input reads a whole ARP header without checking the frame holds one
// (found by fuzz/net_rx). IP and above trim to their own length fields.
constexpr size_t kMinimumFrame = 60;

NetdevInterface g_interfaces[kMaxInterfaces];
int g_count = 0;

// From the driver: its receive path, a thread or a device-line handler, never with the
// core lock. Must not block: the pbuf comes from the heap and tcpip_input only tries to
// post to the tcpip thread's mailbox (sys_mbox_trypost).
void receive(void* consumer, const void* frame, size_t length) {
  auto* interface = static_cast<NetdevInterface*>(consumer);
  LINK_STATS_INC(link.recv);
  if (length > size_t(interface->netif.mtu) + kEthernetHeader || length > 0xffff) {
    // The kernel already refuses these; a driver calling us some other way must not
    // get a truncated frame past us.
    ++interface->rx_too_long;
    LINK_STATS_INC(link.lenerr);
    LINK_STATS_INC(link.drop);
    return;
  }
  size_t padded = length < kMinimumFrame ? kMinimumFrame : length;
  struct pbuf* p = pbuf_alloc(PBUF_RAW, u16_t(ETH_PAD_SIZE + padded), PBUF_RAM);
  if (!p) {
    ++interface->rx_no_memory;
    LINK_STATS_INC(link.memerr);
    LINK_STATS_INC(link.drop);
    return;
  }
  auto* bytes = static_cast<uint8_t*>(p->payload);
  memset(bytes, 0, ETH_PAD_SIZE);
  memcpy(bytes + ETH_PAD_SIZE, frame, length);
  if (padded > length) memset(bytes + ETH_PAD_SIZE + length, 0, padded - length);
  if (interface->netif.input(p, &interface->netif) != ERR_OK) {
    pbuf_free(p);
    ++interface->rx_queue_full;
    LINK_STATS_INC(link.drop);
  }
}

// lwIP's linkoutput, with the core lock held. The frame starts after ETH_PAD_SIZE bytes.
err_t transmit(struct netif* netif, struct pbuf* p) {
  auto* interface = static_cast<NetdevInterface*>(netif->state);
  if (p->tot_len < ETH_PAD_SIZE + kEthernetHeader) return ERR_BUF;
  size_t length = p->tot_len - ETH_PAD_SIZE;
  const void* data = static_cast<const uint8_t*>(p->payload) + ETH_PAD_SIZE;
  if (p->len != p->tot_len) {
    if (length > interface->tx_capacity) {
      LINK_STATS_INC(link.lenerr);
      LINK_STATS_INC(link.drop);
      return ERR_BUF;
    }
    pbuf_copy_partial(p, interface->tx_buffer, u16_t(length), ETH_PAD_SIZE);
    data = interface->tx_buffer;
  }
  if (int error = tessera_netdev_transmit(interface->device, data, length)) {
    LINK_STATS_INC(link.drop);
    // A full device queue loses the frame as a busy wire would (the kernel counts it):
    // TCP retransmits, UDP is best effort, and the sender is not told, as on Linux.
    // Anything else (link down, frame refused) fails the send with EIO.
    return error == -105 /* ENOBUFS */ ? ERR_OK : ERR_IF;
  }
  LINK_STATS_INC(link.xmit);
  return ERR_OK;
}

err_t initialize(struct netif* netif) {
  auto* interface = static_cast<NetdevInterface*>(netif->state);
  struct tessera_netdev_info info;
  int link_up = 0;
  if (tessera_netdev_query(interface->device, interface->name, &info, &link_up) != 0) return ERR_IF;
  netif->name[0] = 'e';
  netif->name[1] = 'n';
  netif->hwaddr_len = ETH_HWADDR_LEN;
  memcpy(netif->hwaddr, info.mac, ETH_HWADDR_LEN);
  netif->mtu = info.mtu;
  netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
  netif->output = etharp_output;
  netif->linkoutput = transmit;
  return ERR_OK;
}

int attach(tessera_netdev* device) {
  NetdevInterface& interface = g_interfaces[g_count];
  interface = NetdevInterface{};
  interface.device = device;
  if (!netif_add(&interface.netif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, &interface, initialize,
                 tcpip_input)) {
    tessera_log(TESSERA_LOG_ERROR, "net-lwip: cannot add a network interface for device %d", g_count);
    return -19;  // ENODEV
  }
  interface.tx_capacity = u16_t(interface.netif.mtu + kEthernetHeader);
  interface.tx_buffer = static_cast<uint8_t*>(malloc(interface.tx_capacity));
  if (!interface.tx_buffer) {
    netif_remove(&interface.netif);
    return -12;  // ENOMEM
  }
  // The link state is the device's business: transmit fails with ENETDOWN while it is
  // down, and lwIP routing must not drop the interface meanwhile.
  netif_set_link_up(&interface.netif);
  netif_set_up(&interface.netif);
  if (int error = tessera_netdev_attach(device, receive, &interface)) {
    tessera_log(TESSERA_LOG_ERROR, "net-lwip: cannot attach to %s: %s", interface.name, tessera_errno_name(error));
    netif_remove(&interface.netif);
    free(interface.tx_buffer);
    return error;
  }
  ++g_count;
  const uint8_t* mac = interface.netif.hwaddr;
  tessera_log(TESSERA_LOG_INFO, "net-lwip: attached to %s (%02x:%02x:%02x:%02x:%02x:%02x, mtu %u)", interface.name,
              mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], unsigned(interface.netif.mtu));
  return 0;
}

}  // namespace

int attach_all_netdevs() {
  int devices = tessera_netdev_count();
  for (int i = 0; i < devices; ++i) {
    if (g_count == kMaxInterfaces) {
      tessera_log(TESSERA_LOG_WARN, "net-lwip: only %d network devices are supported; %d left unattached",
                  kMaxInterfaces, devices - i);
      break;
    }
    if (tessera_netdev* device = tessera_netdev_at(i)) attach(device);
  }
  return g_count;
}

void detach_all_netdevs() {
  for (int i = 0; i < g_count; ++i) {
    tessera_netdev_attach(g_interfaces[i].device, nullptr, nullptr);
    netif_remove(&g_interfaces[i].netif);
    free(g_interfaces[i].tx_buffer);
    g_interfaces[i] = NetdevInterface{};
  }
  g_count = 0;
}

int interface_count() { return g_count; }
NetdevInterface* interface_at(int index) { return index >= 0 && index < g_count ? &g_interfaces[index] : nullptr; }

NetdevInterface* interface_for(tessera_netdev* device) {
  for (int i = 0; i < g_count; ++i)
    if (g_interfaces[i].device == device) return &g_interfaces[i];
  return nullptr;
}

NetdevInterface* interface_named(const char* name) {
  for (int i = 0; i < g_count; ++i)
    if (strcmp(g_interfaces[i].name, name) == 0) return &g_interfaces[i];
  return nullptr;
}

}  // namespace tessera::lwip

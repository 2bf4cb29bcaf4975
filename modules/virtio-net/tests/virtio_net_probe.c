/* virtio-net-probe: proves the virtio-net driver without any network stack. Loads the
 * transport the platform's devices call for (virtio-mmio on microvm, virtio-pci on q35),
 * checks eth0's MAC against the expected one, sends a hand-made DHCP DISCOVER and waits
 * for QEMU's user network (slirp) to answer with an OFFER, then times ARP round trips
 * to the gateway 10.0.2.2 and a burst of transmitted frames.
 *   app=virtio-net-probe -- [EXPECTED_MAC [ARP_ROUND_TRIPS [BURST_FRAMES]]]
 * Exit status 0 when every check passed. */
#include <tessera/module_api.h>

#define ENOBUFS_ 105

static uint8_t g_mac[6];
static volatile int g_offer_seen;
static uint8_t g_offered_ip[4], g_server_ip[4];
static volatile uint64_t g_arp_replies, g_frames_seen;
static const uint32_t kXid = 0x7e55e7a1u;
static const uint8_t kGateway[4] = {10, 0, 2, 2};

static uint16_t be16(const uint8_t* p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16(uint8_t* p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t* p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

static uint16_t ip_checksum(const uint8_t* header, size_t length) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < length; i += 2) sum += be16(header + i);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

/* An OFFER for our xid: Ethernet/IPv4/UDP 67->68, BOOTREPLY, option 53 = 2. */
static void look_for_offer(const uint8_t* f, size_t length) {
  if (length < 14 + 20 + 8 + 240 || be16(f + 12) != 0x0800) return;
  const uint8_t* ip = f + 14;
  size_t ihl = (size_t)(ip[0] & 15) * 4;
  if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != 17 || length < 14 + ihl + 8 + 240) return;
  const uint8_t* udp = ip + ihl;
  if (be16(udp) != 67 || be16(udp + 2) != 68) return;
  const uint8_t* bootp = udp + 8;
  if (bootp[0] != 2 || be16(bootp + 4) != (kXid >> 16) || be16(bootp + 6) != (kXid & 0xffff)) return;
  const uint8_t* end = f + length;
  for (const uint8_t* o = bootp + 240; o < end && *o != 255;) {
    if (*o == 0) { ++o; continue; }
    if (o + 2 > end || o + 2 + o[1] > end) return;
    if (o[0] == 53 && o[1] == 1 && o[2] == 2) {
      memcpy(g_offered_ip, bootp + 16, 4);
      memcpy(g_server_ip, ip + 12, 4);
      g_offer_seen = 1;
      return;
    }
    o += 2 + o[1];
  }
}

static void on_frame(void* consumer, const void* frame, size_t length) {
  (void)consumer;
  const uint8_t* f = (const uint8_t*)frame;
  ++g_frames_seen;
  if (length >= 42 && be16(f + 12) == 0x0806 && be16(f + 20) == 2 && memcmp(f + 28, kGateway, 4) == 0) ++g_arp_replies;
  else look_for_offer(f, length);
}

static size_t make_discover(uint8_t* f) {
  memset(f, 0, 342);
  memset(f, 0xff, 6);
  memcpy(f + 6, g_mac, 6);
  put16(f + 12, 0x0800);
  uint8_t* ip = f + 14;
  uint8_t* udp = ip + 20;
  uint8_t* bootp = udp + 8;
  size_t bootp_length = 240 + 3 + 1 + 56;  /* options: 53=DISCOVER, end, padding to BOOTP's 300 bytes */
  ip[0] = 0x45;
  put16(ip + 2, (uint16_t)(20 + 8 + bootp_length));
  ip[8] = 64;
  ip[9] = 17;
  memset(ip + 16, 0xff, 4);  /* from 0.0.0.0 to 255.255.255.255 */
  put16(ip + 10, ip_checksum(ip, 20));
  put16(udp, 68);
  put16(udp + 2, 67);
  put16(udp + 4, (uint16_t)(8 + bootp_length));  /* checksum 0: none, allowed for UDP over IPv4 */
  bootp[0] = 1;  /* BOOTREQUEST */
  bootp[1] = 1;  /* Ethernet */
  bootp[2] = 6;
  put32(bootp + 4, kXid);
  put16(bootp + 10, 0x8000);  /* broadcast reply: we have no address yet */
  memcpy(bootp + 28, g_mac, 6);
  put32(bootp + 236, 0x63825363);  /* magic cookie */
  bootp[240] = 53;
  bootp[241] = 1;
  bootp[242] = 1;  /* DHCPDISCOVER */
  bootp[243] = 255;
  return 14 + 20 + 8 + bootp_length;
}

static size_t make_arp_request(uint8_t* f) {
  memset(f, 0, 60);
  memset(f, 0xff, 6);
  memcpy(f + 6, g_mac, 6);
  put16(f + 12, 0x0806);
  put16(f + 14, 1);       /* Ethernet */
  put16(f + 16, 0x0800);  /* IPv4 */
  f[18] = 6;
  f[19] = 4;
  put16(f + 20, 1);  /* request */
  memcpy(f + 22, g_mac, 6);
  f[28] = 10, f[29] = 0, f[30] = 2, f[31] = 15;  /* slirp's default guest address */
  memcpy(f + 38, kGateway, 4);
  return 60;
}

static int load_transport(void) {
  struct tessera_device device;
  int loaded = 0;
  for (size_t i = 0; tessera_device_at(i, &device) == 1; ++i) {
    const char* name = 0;
    if (device.kind == TESSERA_DEVICE_VIRTIO_MMIO) name = "virtio-mmio";
    if (device.kind == TESSERA_DEVICE_PCI && device.vendor_id == 0x1af4 &&
        (device.device_id == 0x1041 || device.device_id == 0x1000))
      name = "virtio-pci";
    if (!name) continue;
    int error = tessera_module_load(name);
    if (error) {
      tessera_printf("virtio-net-probe: FAIL: loading %s: %s\n", name, tessera_errno_name(error));
      return error;
    }
    loaded = 1;
  }
  if (!loaded) tessera_printf("virtio-net-probe: FAIL: no virtio device (run with --net user)\n");
  return loaded ? 0 : -19;
}

static int parse_mac(const char* text, uint8_t out[6]) {
  for (int i = 0; i < 6; ++i) {
    char* end;
    unsigned long byte = strtoul(text, &end, 16);
    if (end == text || byte > 255 || (i < 5 && *end != ':') || (i == 5 && *end != 0)) return -1;
    out[i] = (uint8_t)byte;
    text = end + 1;
  }
  return 0;
}

TESSERA_MODULE_EXPORT int main(int argc, char** argv) {
  uint8_t expected[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
  long round_trips = argc > 2 ? strtol(argv[2], 0, 10) : 200;
  long burst = argc > 3 ? strtol(argv[3], 0, 10) : 2000;
  if ((argc > 1 && parse_mac(argv[1], expected) != 0) || round_trips < 0 || burst < 0) {
    tessera_printf("virtio-net-probe: usage: virtio-net-probe [MAC [ARP_ROUND_TRIPS [BURST_FRAMES]]]\n");
    return 2;
  }
  if (load_transport() != 0) return 1;
  if (tessera_netdev_count() < 1) {
    tessera_printf("virtio-net-probe: FAIL: the transport registered no network device\n");
    return 1;
  }
  tessera_netdev* dev = tessera_netdev_at(0);
  char name[16];
  struct tessera_netdev_info info;
  int link = 0;
  tessera_netdev_query(dev, name, &info, &link);
  memcpy(g_mac, info.mac, 6);
  tessera_printf("virtio-net-probe: %s MAC %02x:%02x:%02x:%02x:%02x:%02x mtu %u link %s\n", name, info.mac[0],
                 info.mac[1], info.mac[2], info.mac[3], info.mac[4], info.mac[5], info.mtu, link ? "up" : "down");
  if (memcmp(info.mac, expected, 6) != 0) {
    tessera_printf("virtio-net-probe: FAIL: MAC is not the expected one\n");
    return 1;
  }
  int error = tessera_netdev_attach(dev, on_frame, 0);
  if (error) {
    tessera_printf("virtio-net-probe: FAIL: attach: %s\n", tessera_errno_name(error));
    return 1;
  }

  uint8_t frame[400];
  size_t length = make_discover(frame);
  for (int attempt = 0; attempt < 3 && !g_offer_seen; ++attempt) {
    if ((error = tessera_netdev_transmit(dev, frame, length)) != 0) {
      tessera_printf("virtio-net-probe: FAIL: transmit DISCOVER: %s\n", tessera_errno_name(error));
      return 1;
    }
    uint64_t deadline = tessera_monotonic_ns() + 2000000000ull;
    while (!g_offer_seen && tessera_monotonic_ns() < deadline) tessera_thread_sleep_ns(1000000);
  }
  if (!g_offer_seen) {
    tessera_printf("virtio-net-probe: FAIL: no DHCP OFFER within 6 s (%llu frames received)\n",
                   (unsigned long long)g_frames_seen);
    return 1;
  }
  tessera_printf("virtio-net-probe: DHCP OFFER of %u.%u.%u.%u from %u.%u.%u.%u\n", g_offered_ip[0], g_offered_ip[1],
                 g_offered_ip[2], g_offered_ip[3], g_server_ip[0], g_server_ip[1], g_server_ip[2], g_server_ip[3]);

  /* ARP round trips, one at a time: latency through both queues and the interrupt path. */
  length = make_arp_request(frame);
  uint64_t start = tessera_monotonic_ns();
  long answered = 0;
  for (long i = 0; i < round_trips; ++i) {
    uint64_t before = g_arp_replies;
    if (tessera_netdev_transmit(dev, frame, length) != 0) break;
    uint64_t deadline = tessera_monotonic_ns() + 1000000000ull;
    while (g_arp_replies == before && tessera_monotonic_ns() < deadline) tessera_thread_sleep_ns(10000);
    if (g_arp_replies == before) break;
    ++answered;
  }
  uint64_t elapsed = tessera_monotonic_ns() - start;
  if (answered != round_trips) {
    tessera_printf("virtio-net-probe: FAIL: %ld of %ld ARP requests answered\n", answered, round_trips);
    return 1;
  }
  if (round_trips > 0)
    tessera_printf("virtio-net-probe: %ld ARP round trips in %llu us (%llu per second)\n", round_trips,
                   (unsigned long long)(elapsed / 1000), (unsigned long long)(round_trips * 1000000000ull / (elapsed ? elapsed : 1)));

  /* A transmit burst of full-size frames (ARP requests padded to 1514 bytes go nowhere
   * useful; slirp answers each, so receive is exercised too): -ENOBUFS means the ring is
   * full, so yield and retry. */
  uint8_t big[1514];
  memset(big, 0, sizeof big);
  memcpy(big, frame, length);
  uint64_t replies_before = g_arp_replies;
  long full = 0;
  start = tessera_monotonic_ns();
  for (long i = 0; i < burst;) {
    error = tessera_netdev_transmit(dev, big, sizeof big);
    if (error == -ENOBUFS_) { ++full; tessera_thread_sleep_ns(10000); continue; }
    if (error) {
      tessera_printf("virtio-net-probe: FAIL: burst transmit: %s\n", tessera_errno_name(error));
      return 1;
    }
    ++i;
  }
  elapsed = tessera_monotonic_ns() - start;
  if (burst > 0) {
    uint64_t per_second = (uint64_t)burst * 1000000000ull / (elapsed ? elapsed : 1);
    tessera_printf("virtio-net-probe: sent %ld frames of 1514 bytes in %llu us: %llu frames/s, %llu KB/s (ring full %ld times, %llu replies so far)\n",
                   burst, (unsigned long long)(elapsed / 1000), (unsigned long long)per_second,
                   (unsigned long long)(per_second * 1514 / 1000), full, (unsigned long long)(g_arp_replies - replies_before));
  }
  struct tessera_netdev_stats stats;
  tessera_netdev_statistics(dev, &stats);
  tessera_printf("virtio-net-probe: stats rx %llu frames %llu dropped, tx %llu frames %llu dropped\n",
                 (unsigned long long)stats.rx_frames, (unsigned long long)stats.rx_dropped,
                 (unsigned long long)stats.tx_frames, (unsigned long long)stats.tx_dropped);
  tessera_netdev_attach(dev, 0, 0);
  tessera_printf("virtio-net-probe: all checks passed\n");
  return 0;
}

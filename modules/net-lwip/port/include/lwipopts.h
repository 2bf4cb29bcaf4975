/* lwIP configuration for Tessera's net-lwip module. Choices that differ from lwIP's
 * defaults say why; docs/networking.md summarises them.
 *
 * Sizing targets: >= 128 concurrent TCP connections (100 concurrent HTTP clients plus
 * listeners, TIME_WAIT and slack) and bulk throughput close to what one core can push. */
#ifndef TESSERA_LWIPOPTS_H
#define TESSERA_LWIPOPTS_H

/* ---- Operating system: threads, core locking --------------------------------------- */
#define NO_SYS 0
#define SYS_LIGHTWEIGHT_PROT 1
/* Socket calls take the core lock and run in the caller's thread instead of a message
 * round trip to the tcpip thread: two context switches fewer per call. Received frames
 * still go through the tcpip thread's mailbox, so a driver never waits for the lock. */
#define LWIP_TCPIP_CORE_LOCKING 1
#define LWIP_TCPIP_CORE_LOCKING_INPUT 0
#define LWIP_ASSERT_CORE_LOCKED() tessera_lwip_assert_core_locked()
#define TCPIP_THREAD_NAME "lwip-tcpip"
/* Received frames waiting for the tcpip thread; beyond this a frame is dropped and
 * counted (net-lwip's "rx mbox full"). 512 frames is ~750 KB: a burst of several
 * full windows. Every queued frame needs a tcpip message, hence the pool below. */
#define TCPIP_MBOX_SIZE 512
#define MEMP_NUM_TCPIP_MSG_INPKT TCPIP_MBOX_SIZE
#define MEMP_NUM_TCPIP_MSG_API 64
/* Per-connection receive queues count segments, not bytes: a full window of MSS-sized
 * segments plus FIN and error events. */
#define DEFAULT_TCP_RECVMBOX_SIZE 64
#define DEFAULT_UDP_RECVMBOX_SIZE 64
#define DEFAULT_RAW_RECVMBOX_SIZE 16
#define DEFAULT_ACCEPTMBOX_SIZE 256
#define LWIP_NETCONN_SEM_PER_THREAD 0
#define LWIP_NETCONN_FULLDUPLEX 0

/* ---- Memory -------------------------------------------------------------------------- */
/* Packet data (PBUF_RAM: TCP send buffers, received frames, loopback copies) comes from
 * the kernel heap: it is bounded by windows and queues below, and a module-private heap
 * would have to be sized for the worst case of 128 connections up front. Control blocks
 * come from static pools, so their limits hold and exhaustion is counted per pool. */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 0
#define MEM_ALIGNMENT 8
/* Connections: 128 concurrent clients + their TIME_WAIT on our side (lwIP recycles the
 * oldest TIME_WAIT when the pool runs out) + outgoing connections. ~200 bytes each. */
#define MEMP_NUM_TCP_PCB 192
#define MEMP_NUM_TCP_PCB_LISTEN 16
#define MEMP_NUM_UDP_PCB 32
#define MEMP_NUM_RAW_PCB 4
/* One netconn (and socket) per pcb of any kind; lwIP numbers sockets up to this. */
#define MEMP_NUM_NETCONN (MEMP_NUM_TCP_PCB + MEMP_NUM_TCP_PCB_LISTEN + MEMP_NUM_UDP_PCB)
/* Unacknowledged and unsent segments of all connections together (~40 bytes each): a
 * full send buffer (TCP_SND_QUEUELEN) for 8 connections at once, the rest sending less. */
#define MEMP_NUM_TCP_SEG 1024
#define MEMP_NUM_PBUF 64
#define MEMP_NUM_NETBUF 128
#define MEMP_NUM_REASSDATA 8
#define MEMP_NUM_FRAG_PBUF 32
#define MEMP_NUM_ARP_QUEUE 32
#define MEMP_NUM_SELECT_CB 8
/* Received frames are PBUF_RAM (see above): a pool would have to hold every unread byte of
 * every connection, and when it ran dry no ACK could come in either. lwIP itself barely
 * uses the pool; 48 buffers satisfy its check that a full window fits in it. */
#define PBUF_POOL_SIZE 48

/* ---- Link and IP ------------------------------------------------------------------------ */
#define LWIP_ARP 1
#define ARP_TABLE_SIZE 32
#define ARP_QUEUEING 1
#define ETHARP_TABLE_MATCH_NETIF 1
#define LWIP_ETHERNET 1
/* Two bytes before the Ethernet header put the IP header on an 8-byte boundary: aligned
 * header access, and lwIP's IP reassembly keeps its fragment list in the IP headers, so
 * its pointers are aligned where LeakSanitizer (fuzz/net_rx) looks for them. */
#define ETH_PAD_SIZE 2
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define IP_FORWARD 0
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define IP_REASS_MAX_PBUFS 48
#define IP_OPTIONS_ALLOWED 1
#define IP_DEFAULT_TTL 64
/* Sending broadcasts needs SO_BROADCAST, as on Linux; receiving them does not. */
#define IP_SOF_BROADCAST 1
#define IP_SOF_BROADCAST_RECV 0
#define LWIP_ICMP 1
#define LWIP_BROADCAST_PING 0
#define LWIP_RAW 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define LWIP_AUTOIP 0
/* DHCP is the net-dhcp module, over sockets, so a static configuration carries none of
 * it. Its replies reach a netif that has no address yet through this: lwIP accepts UDP
 * to port 68 on any netif before it is configured. */
#define LWIP_DHCP 0
#define LWIP_IP_ACCEPT_UDP_PORT(port) ((port) == PP_NTOHS(68))

/* ---- Network interfaces ------------------------------------------------------------------ */
#define LWIP_SINGLE_NETIF 0
#define LWIP_NETIF_HOSTNAME 0
#define LWIP_NETIF_API 0
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK 0
#define LWIP_NETIF_EXT_STATUS_CALLBACK 0
/* tcp_write builds one pbuf per segment, so transmit hands the driver one contiguous
 * frame without copying. */
#define LWIP_NETIF_TX_SINGLE_PBUF 1
#define LWIP_HAVE_LOOPIF 1
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_LOOPBACK_MAX_PBUFS 0
#define LWIP_NETIF_LOOPBACK_MULTITHREADING 1

/* ---- UDP and TCP --------------------------------------------------------------------------- */
#define LWIP_UDP 1
#define LWIP_UDPLITE 0
#define LWIP_TCP 1
#define TCP_MSS 1460
/* 44 segments (64240 bytes): the largest window without window scaling, as Linux
 * advertises initially. Throughput on a LAN is window / RTT, so the window is what
 * matters; memory is only used while data is actually in flight or unread. */
#define TCP_WND (44 * TCP_MSS)
#define TCP_SND_BUF (44 * TCP_MSS)
#define TCP_SND_QUEUELEN ((4 * (TCP_SND_BUF) + (TCP_MSS - 1)) / (TCP_MSS))
#define TCP_QUEUE_OOSEQ 1
/* An attacker's out-of-order segments may hold at most one window per connection. */
#define TCP_OOSEQ_MAX_BYTES TCP_WND
#define TCP_OOSEQ_MAX_PBUFS 32
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 128
#define TCP_OVERSIZE TCP_MSS
#define LWIP_TCP_TIMESTAMPS 0
#define LWIP_TCP_SACK_OUT 0
#define LWIP_WND_SCALE 0
#define TCP_MAXRTX 12
#define TCP_SYNMAXRTX 6
#define LWIP_TCP_KEEPALIVE 1

/* ---- Sequential and socket API -------------------------------------------------------- */
#define LWIP_NETCONN 1
#define LWIP_SOCKET 1
#define LWIP_COMPAT_SOCKETS 0
#define LWIP_POSIX_SOCKETS_IO_NAMES 0
#define LWIP_SOCKET_OFFSET 0
/* lwip_poll with a zero timeout answers the provider's non-blocking poll. */
#define LWIP_SOCKET_SELECT 1
#define LWIP_SOCKET_POLL 1
#define LWIP_SO_SNDTIMEO 1
#define LWIP_SO_RCVTIMEO 1
#define LWIP_SO_RCVBUF 1
#define LWIP_SO_LINGER 1
#define SO_REUSE 1
#define LWIP_FIONREAD_LINUXMODE 1
#define LWIP_TCP_CLOSE_TIMEOUT_MS_DEFAULT 20000
#define LWIP_NETBUF_RECVINFO 0

/* ---- Checksums: generated and checked in software (drivers offload nothing) ---------- */
#define LWIP_CHECKSUM_CTRL_PER_NETIF 0
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_UDP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_GEN_ICMP 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_UDP 1
#define CHECKSUM_CHECK_TCP 1
#define CHECKSUM_CHECK_ICMP 1
#define LWIP_CHECKSUM_ON_COPY 1

/* ---- Statistics: what log_statistics prints and the tests check -------------------------- */
#define LWIP_STATS 1
#define LWIP_STATS_LARGE 1
#define LWIP_STATS_DISPLAY 0
#define LINK_STATS 1
#define ETHARP_STATS 1
#define IP_STATS 1
#define IPFRAG_STATS 1
#define ICMP_STATS 1
#define UDP_STATS 1
#define TCP_STATS 1
#define MEM_STATS 1
#define MEMP_STATS 1
#define SYS_STATS 1

/* ---- Hooks (lwip_hooks.h): SYN-flood eviction of the oldest half-open connection ------ */
#define LWIP_HOOK_FILENAME "lwip_hooks.h"
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p) tessera_lwip_tcp_inpacket(pcb, hdr)

/* ---- Debugging: LWIP_DEBUG stays undefined; assertions stay on and panic with a message */
#define LWIP_PERF 0

#endif /* TESSERA_LWIPOPTS_H */

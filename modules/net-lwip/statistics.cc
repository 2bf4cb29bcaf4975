#include <stdint.h>

#include "lwip/memp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip/tcpip.h"
#include "lwip_netdev.hh"
#include "socket_provider.hh"
#include "stack.hh"
#include "syn_flood.hh"

namespace tessera::lwip {
namespace {

using Counter = unsigned long long;

// Pool names in memp_t order (lwIP keeps its own only in debug builds).
const char* const kPoolNames[] = {
#define LWIP_MEMPOOL(name, num, size, desc) #name,
#include "lwip/priv/memp_std.h"
};
static_assert(sizeof kPoolNames / sizeof kPoolNames[0] == MEMP_MAX);

void log_protocol(const char* layer, const struct stats_proto& s) {
  tessera_log(TESSERA_LOG_INFO,
              "net-lwip: %s rx %llu tx %llu drop %llu (chksum %llu, len %llu, proto %llu, memory %llu, options %llu)",
              layer, Counter(s.recv), Counter(s.xmit), Counter(s.drop), Counter(s.chkerr), Counter(s.lenerr),
              Counter(s.proterr), Counter(s.memerr), Counter(s.opterr));
}

int count(struct tcp_pcb* list, int state) {
  int n = 0;
  for (struct tcp_pcb* pcb = list; pcb; pcb = pcb->next)
    if (state < 0 || pcb->state == state) ++n;
  return n;
}

}  // namespace

void log_statistics() {
  LOCK_TCPIP_CORE();
  Counter too_long = 0, no_memory = 0, queue_full = 0;
  for (int i = 0; i < interface_count(); ++i) {
    too_long += interface_at(i)->rx_too_long;
    no_memory += interface_at(i)->rx_no_memory;
    queue_full += interface_at(i)->rx_queue_full;
  }
  const struct stats_proto& link = lwip_stats.link;
  tessera_log(TESSERA_LOG_INFO, "net-lwip: link rx %llu tx %llu drop %llu (len %llu, memory %llu, queue full %llu)",
              Counter(link.recv), Counter(link.xmit), Counter(link.drop), too_long, no_memory, queue_full);
  log_protocol("etharp", lwip_stats.etharp);
  log_protocol("ip", lwip_stats.ip);
  log_protocol("icmp", lwip_stats.icmp);
  log_protocol("udp", lwip_stats.udp);
  log_protocol("tcp", lwip_stats.tcp);
  int active = count(tcp_active_pcbs, -1);
  int half_open = count(tcp_active_pcbs, SYN_RCVD);
  int time_wait = count(tcp_tw_pcbs, -1);
  int listening = 0;
  for (struct tcp_pcb_listen* pcb = tcp_listen_pcbs.listen_pcbs; pcb; pcb = pcb->next) ++listening;
  tessera_log(TESSERA_LOG_INFO,
              "net-lwip: tcp connections open %d (syn-received %d) time-wait %d listening %d; syn-flood evictions %llu; "
              "sockets %d",
              active, half_open, time_wait, listening, Counter(syn_flood_evictions()), open_socket_count());
  for (int i = 0; i < MEMP_MAX; ++i) {
    const struct stats_mem* pool = lwip_stats.memp[i];
    if (pool && pool->err) {
      tessera_log(TESSERA_LOG_INFO, "net-lwip: pool %s exhausted %llu times (max used %llu of %llu)", kPoolNames[i],
                  Counter(pool->err), Counter(pool->max), Counter(pool->avail));
    }
  }
  UNLOCK_TCPIP_CORE();
}

}  // namespace tessera::lwip

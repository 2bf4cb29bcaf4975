// Keeps a SYN flood from locking a listener out: lwIP counts half-open connections
// (SYN_RCVD) against the listen backlog and refuses new SYNs once it is full, so a
// flood of spoofed SYNs would refuse real clients until the half-open ones time out
// (20 s). When a SYN finds the backlog full, the oldest half-open connection of that
// listener is dropped instead (silently: answering a spoofed address helps nobody). A
// real client completes its handshake within one round trip, long before it becomes
// the oldest, so only a flood of more than a backlog's worth of SYNs per round trip
// can still get in its way.
#include "syn_flood.hh"

#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip_hooks.h"

namespace tessera::lwip {

uint64_t g_evicted = 0;

uint64_t syn_flood_evictions() { return g_evicted; }

}  // namespace tessera::lwip

extern "C" signed char tessera_lwip_tcp_inpacket(struct tcp_pcb* pcb, const struct tcp_hdr* header) {
  if (pcb->state != LISTEN) return ERR_OK;
  if ((TCPH_FLAGS(header) & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN) return ERR_OK;
  auto* listener = reinterpret_cast<struct tcp_pcb_listen*>(pcb);
  if (listener->accepts_pending < listener->backlog) return ERR_OK;
  struct tcp_pcb* oldest = nullptr;
  for (struct tcp_pcb* candidate = tcp_active_pcbs; candidate; candidate = candidate->next) {
    if (candidate->state != SYN_RCVD || candidate->listener != listener) continue;
    if (!oldest || u32_t(tcp_ticks - candidate->tmr) > u32_t(tcp_ticks - oldest->tmr)) oldest = candidate;
  }
  if (oldest) {
    tcp_abandon(oldest, 0);
    ++tessera::lwip::g_evicted;
  }
  return ERR_OK;
}

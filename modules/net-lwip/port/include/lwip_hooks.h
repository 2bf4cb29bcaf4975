/* lwIP hooks (LWIP_HOOK_FILENAME): included by lwIP files that call hooks. */
#ifndef TESSERA_LWIP_HOOKS_H
#define TESSERA_LWIP_HOOKS_H

#ifdef __cplusplus
extern "C" {
#endif

struct tcp_pcb;
struct tcp_hdr;
/* Called for every TCP segment before lwIP processes it for `pcb` (a listener for SYNs):
 * evicts a listener's oldest half-open connection when a SYN finds its backlog full
 * (syn_flood.cc). Always ERR_OK: the segment is processed. */
signed char tessera_lwip_tcp_inpacket(struct tcp_pcb* pcb, const struct tcp_hdr* header);

#ifdef __cplusplus
}
#endif

#endif

#pragma once
#include <stdint.h>

namespace tessera::lwip {

// Half-open connections dropped to let a new SYN in (syn_flood.cc).
uint64_t syn_flood_evictions();

}  // namespace tessera::lwip

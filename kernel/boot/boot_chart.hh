#pragma once
// Timestamps of the boot phases (entry, memory, threads, application main, ...),
// recorded on every boot at the cost of one clock read each, printed with the
// `bootchart` kernel option. Both platforms print the same phase names.
#include <stddef.h>
#include <stdint.h>

namespace tessera::boot_chart {

inline constexpr size_t kMaxPhases = 32;

void reset(uint64_t entry_ns);
// `phase` must be a string literal (it is kept, not copied). Phases past kMaxPhases are dropped.
void record(const char* phase);
// "bootchart: <phase> <microseconds since entry> us" per phase.
void print();

}  // namespace tessera::boot_chart

#include "boot/boot_chart.hh"

#include <tessera/format.hh>
#include <tessera/platform.hh>

namespace tessera::boot_chart {
namespace {

struct Phase {
  const char* name;
  uint64_t at_ns;
};

constinit uint64_t g_entry_ns = 0;
constinit Phase g_phases[kMaxPhases] = {};
constinit size_t g_count = 0;

}  // namespace

void reset(uint64_t entry_ns) {
  g_entry_ns = entry_ns;
  g_count = 0;
  record("entry");
}

void record(const char* phase) {
  if (g_count < kMaxPhases) g_phases[g_count++] = {phase, platform::monotonic_ns()};
}

void print() {
  for (size_t i = 0; i < g_count; ++i) {
    uint64_t us = (g_phases[i].at_ns - g_entry_ns) / 1000;
    tessera::print("bootchart: %-16s %8llu us\n", g_phases[i].name, static_cast<unsigned long long>(us));
  }
}

}  // namespace tessera::boot_chart

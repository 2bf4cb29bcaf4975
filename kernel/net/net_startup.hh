#pragma once
// Bringing networking up at boot (kernel option net.ip), after the boot modules and
// before the application: a driver module for each device found, the stack (net-lwip),
// then the address, static or from DHCP (module net-dhcp). And the counters at the end.
#include <tessera/result.hh>

#include "net/net_config.hh"

namespace tessera {

class NetStartup {
 public:
  // Forgets the previous boot's network devices, stack and state.
  static void reset();
  // Nothing for Mode::kNone. Errors name the module and the device that needed it.
  static Result<void> bring_up(const NetConfig& config);
  // The stack's counters (its log_statistics) and one line per device:
  // "net: eth0 rx 123 frames (4 dropped) tx 99 frames (0 dropped)". Nothing when no
  // network was brought up.
  static void log_statistics();
};

}  // namespace tessera

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
  //
  // When the stack loads: with `on_demand` and a static address, only the drivers load
  // here; the stack (and the address) wait for the first socket call or the first frame
  // a device receives, whichever comes first (a deferred-work item, since a frame
  // arrives in device-line context, where loading may not block). DHCP must talk
  // first, so net.ip=dhcp loads everything now, as does on_demand=false.
  static Result<void> bring_up(const NetConfig& config, bool on_demand = false);
  // Loads the stack (once) and applies a deferred static address; `reason` ("the first
  // socket call") goes to the log. Thread context only.
  static Result<void> load_stack(const char* reason);
  // Whether the stack still waits for its first socket call or frame.
  static bool stack_deferred();
  // The stack's counters (its log_statistics) and one line per device:
  // "net: eth0 rx 123 frames (4 dropped) tx 99 frames (0 dropped)". Nothing when no
  // network was brought up.
  static void log_statistics();
};

}  // namespace tessera

#pragma once
// Exit statuses the kernel itself produces (sysexits.h conventions), so a script can tell
// "the application returned 1" from "the kernel refused the command line".
// Applications own 0..63; platform-vm maps these through isa-debug-exit unchanged.

namespace tessera::exit_status {
inline constexpr int kOk = 0;
inline constexpr int kUsage = 64;        // malformed or unknown kernel option
inline constexpr int kDataError = 65;    // the boot image or its configuration is invalid
inline constexpr int kSoftware = 70;     // kernel panic
inline constexpr int kOsError = 71;      // boot failed: not enough memory, bad boot info
inline constexpr int kInterrupted = 130; // the host asked the guest to stop (Ctrl-C)
}  // namespace tessera::exit_status

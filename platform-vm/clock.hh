#pragma once
// Time in the VM: the TSC, calibrated once at boot, gives monotonic nanoseconds; the CMOS
// RTC, read once at boot, anchors the wall clock. The local APIC timer's rate is measured
// in the same calibration (local_apic.cc needs it to turn nanoseconds into counts).
#include <stdint.h>

namespace tessera::vm::clock {

// Needs the local APIC mapped (its counter is measured alongside the TSC).
void calibrate();

uint64_t monotonic_ns();
uint64_t wall_clock_ns();
uint64_t tsc_hz();
uint64_t apic_timer_hz();
const char* calibration_source();  // for the boot log: "cpuid" or "pit"

}  // namespace tessera::vm::clock

#pragma once
// The local APIC (xAPIC, memory mapped): its one-shot timer is the platform timer.
// TSC-deadline mode is not used: QEMU's TCG CPU models do not offer it, and the count
// mode works everywhere; a deadline beyond the counter's range (about 4 s at QEMU's
// 1 GHz APIC clock) fires early and take_events re-arms it.
#include <stdint.h>

namespace tessera::vm::local_apic {

inline constexpr uintptr_t kDefaultBase = 0xfee00000;

uintptr_t base();  // physical = virtual; page tables map it uncached
// Enables the APIC with the timer masked; call with the APIC page mapped.
void initialize();
uint8_t id();  // this CPU's APIC ID, for interrupt routing
uint32_t current_count();
void start_counting(uint32_t initial_count);  // masked: for calibration
// Interrupt on kTimerVector after `count` ticks; 0 stops the timer.
void arm_one_shot(uint32_t count);

}  // namespace tessera::vm::local_apic

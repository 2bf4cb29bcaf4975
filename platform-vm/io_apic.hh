#pragma once
// The I/O APIC, only to route the serial port's receive interrupt (ISA IRQ 4) to the
// CPU: a byte from the host on the console is how the runner asks the guest to shut
// down (see vm_platform.cc). QEMU's microvm and q35 both put the I/O APIC at the
// architectural default address and wire ISA IRQ 4 to its pin 4 without an override,
// so no ACPI tables are read.
#include <stdint.h>

namespace tessera::vm::io_apic {

inline constexpr uintptr_t kBase = 0xfec00000;

// Delivers edge-triggered pin `pin` as `vector` to the local APIC `apic_id`; call with
// the I/O APIC page mapped.
void route(unsigned pin, uint8_t vector, uint8_t apic_id);

}  // namespace tessera::vm::io_apic

#pragma once
// The I/O APIC: routes the serial port's receive interrupt (ISA IRQ 4; a byte from the
// host on the console is how the runner asks the guest to shut down, see vm_platform.cc)
// and the virtio-mmio windows' interrupts (microvm GSIs, see vm_devices.cc) to the CPU.
// QEMU's microvm and q35 both put the I/O APIC at the architectural default address and
// wire ISA IRQ 4 to its pin 4 without an override, so no ACPI tables are read.
//
// Every pin is edge-triggered. virtio-mmio's line is level-shaped (high while
// InterruptStatus is non-zero), but QEMU's I/O APIC delivers an edge-mode pin each time
// the device (re)asserts it, and the driver acknowledges InterruptStatus before it reads
// the used rings, so nothing is missed; a level-mode pin would re-interrupt as soon as
// the stub sends EOI, before the driver (which runs later, in scheduler context) could
// acknowledge it.
#include <stdint.h>

namespace tessera::vm::io_apic {

inline constexpr uintptr_t kBase = 0xfec00000;

// How many pins (GSIs 0..n-1) this I/O APIC has; call with its page mapped.
unsigned pin_count();
// Delivers edge-triggered pin `pin` as `vector` to the local APIC `apic_id`; call with
// the I/O APIC page mapped.
void route(unsigned pin, uint8_t vector, uint8_t apic_id);

}  // namespace tessera::vm::io_apic

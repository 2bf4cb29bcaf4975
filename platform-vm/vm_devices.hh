#pragma once
// Devices of the VM (vm_devices.cc): the virtio-mmio windows QEMU's microvm declares on
// the command line, PCI configuration space (q35), device mappings, DMA addresses, MSI.
#include <stddef.h>
#include <stdint.h>

namespace tessera::vm::devices {

// Removes the trailing "virtio_mmio.device=SIZE@ADDRESS:GSI" words QEMU appended to
// `command_line` (edited in place) and remembers the windows. nullptr, or a message
// naming the malformed word.
const char* take_declarations(char* command_line);
// Guest RAM as the loader described it (E820 type 1), which map_device_memory refuses.
void note_ram(uint64_t start, uint64_t end);
// Routes each window's GSI through the I/O APIC and probes for PCI; call with the APIC
// pages mapped and the page tables active.
void initialize();
// The device lines whose interrupts arrived since the last call, as an event mask.
uint64_t take_line_events();
// For platform.verbose=1.
void print_summary();

}  // namespace tessera::vm::devices

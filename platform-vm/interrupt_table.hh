#pragma once
// The IDT and the TSS: all 32 exception vectors lead to the fatal exception report
// (exception_report.cc); the timer, serial, device-line and spurious vectors to
// interrupt_stubs.S.
#include <stdint.h>

namespace tessera::vm::interrupt_table {

inline constexpr uint8_t kTimerVector = 0x20;
inline constexpr uint8_t kSerialVector = 0x21;
// Device line N (virtio-mmio window or MSI) arrives on vector kDeviceVectorBase + N.
// 0x28..0x37 stay free for the masked legacy PIC.
inline constexpr uint8_t kDeviceVectorBase = 0x40;
inline constexpr unsigned kDeviceLines = 56;  // event::device_line() has bits 8..63
inline constexpr uint8_t kSpuriousVector = 0xff;

// Loads the IDT and TSS. Interrupts stay disabled; take_events enables them to idle.
void install();

}  // namespace tessera::vm::interrupt_table

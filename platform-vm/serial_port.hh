#pragma once
// The console: a 16550 UART at I/O port 0x3f8 (COM1), written by polling. QEMU passes
// the bytes to its -serial backend unchanged, so the console matches the hosted one.
#include <stddef.h>
#include <stdint.h>

namespace tessera::vm::serial_port {

void initialize();
void write(const char* bytes, size_t length);
void write(const char* text);  // NUL-terminated, for messages before the kernel runs
// printf-style (the kernel's formatter), at most 255 bytes a call: crash reports and the
// platform's own boot messages, which must not depend on the kernel's log.
void print(const char* format, ...) __attribute__((format(printf, 1, 2)));
// Input from the host: interrupt on IRQ 4 when a byte arrives; read them without waiting.
void enable_receive_interrupt();
bool read_byte(uint8_t& byte);

}  // namespace tessera::vm::serial_port

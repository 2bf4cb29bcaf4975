#include "serial_port.hh"

#include <stdarg.h>
#include <stdint.h>
#include <tessera/format.hh>

#include "cpu.hh"

namespace tessera::vm::serial_port {
namespace {

constexpr uint16_t kBase = 0x3f8;
constexpr uint16_t kData = kBase + 0, kInterruptEnable = kBase + 1, kFifoControl = kBase + 2,
                   kLineControl = kBase + 3, kModemControl = kBase + 4, kLineStatus = kBase + 5;
constexpr uint8_t kTransmitterEmpty = 0x20;
constexpr uint8_t kDataReady = 0x01;
// A UART that never drains (no device at the port reads 0xff, which looks ready; a stuck
// one does not) must not hang the kernel: the contract says output may be dropped.
constexpr int kMaxPolls = 100000;

}  // namespace

void initialize() {
  cpu::outb(kInterruptEnable, 0x00);  // polling only
  cpu::outb(kLineControl, 0x80);      // divisor latch
  cpu::outb(kData, 0x01);             // 115200 baud (QEMU ignores the rate anyway)
  cpu::outb(kInterruptEnable, 0x00);
  cpu::outb(kLineControl, 0x03);      // 8N1
  cpu::outb(kFifoControl, 0x07);      // FIFO on and cleared
  cpu::outb(kModemControl, 0x03);     // DTR, RTS
}

void write(const char* bytes, size_t length) {
  for (size_t i = 0; i < length; ++i) {
    for (int polls = 0; polls < kMaxPolls && !(cpu::inb(kLineStatus) & kTransmitterEmpty); ++polls) {
    }
    cpu::outb(kData, uint8_t(bytes[i]));
  }
}

void write(const char* text) { write(text, __builtin_strlen(text)); }

void enable_receive_interrupt() {
  cpu::outb(kModemControl, 0x0b);     // DTR, RTS, OUT2 (gates the IRQ line on PC hardware)
  cpu::outb(kInterruptEnable, 0x01);  // received data available
}

bool read_byte(uint8_t& byte) {
  uint8_t status = cpu::inb(kLineStatus);
  // No UART at all reads 0xff everywhere: that is not data.
  if (status == 0xff || !(status & kDataReady)) return false;
  byte = cpu::inb(kData);
  return true;
}

void print(const char* format, ...) {
  char line[256];
  va_list args;
  va_start(args, format);
  size_t length = vformat(line, sizeof line, format, args);
  va_end(args);
  write(line, length < sizeof line ? length : sizeof line - 1);
}

}  // namespace tessera::vm::serial_port

#include "io_apic.hh"

namespace tessera::vm::io_apic {
namespace {

volatile uint32_t& select_register() { return *reinterpret_cast<volatile uint32_t*>(kBase); }
volatile uint32_t& window_register() { return *reinterpret_cast<volatile uint32_t*>(kBase + 0x10); }

void write(uint32_t index, uint32_t value) {
  select_register() = index;
  window_register() = value;
}

uint32_t read(uint32_t index) {
  select_register() = index;
  return window_register();
}

}  // namespace

unsigned pin_count() { return ((read(1) >> 16) & 0xff) + 1; }  // version register: maximum redirection entry

void route(unsigned pin, uint8_t vector, uint8_t apic_id) {
  uint32_t entry = 0x10 + 2 * pin;
  write(entry, 1u << 16);  // masked while both halves change
  write(entry + 1, uint32_t(apic_id) << 24);
  write(entry, vector);  // fixed delivery, physical destination, edge, active high, unmasked
}

}  // namespace tessera::vm::io_apic

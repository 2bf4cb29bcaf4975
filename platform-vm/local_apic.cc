#include "local_apic.hh"

#include "cpu.hh"
#include "interrupt_table.hh"

// interrupt_stubs.S acknowledges the timer interrupt through this pointer.
extern "C" {
constinit volatile uint32_t* tessera_vm_lapic_eoi = nullptr;
constinit volatile uint64_t tessera_vm_timer_fired = 0;
constinit volatile uint64_t tessera_vm_serial_received = 0;
}

namespace tessera::vm::local_apic {
namespace {

constexpr uint32_t kId = 0x020, kEoi = 0x0b0, kSpurious = 0x0f0, kLvtTimer = 0x320, kInitialCount = 0x380,
                   kCurrentCount = 0x390, kDivideConfig = 0x3e0;
constexpr uint32_t kMasked = 1u << 16;
constexpr uint32_t kApicEnable = 1u << 8;
constexpr uint64_t kMsrGlobalEnable = 1u << 11;

constinit uintptr_t g_base = kDefaultBase;

volatile uint32_t& reg(uint32_t offset) { return *reinterpret_cast<volatile uint32_t*>(g_base + offset); }

}  // namespace

uintptr_t base() {
  g_base = cpu::rdmsr(cpu::kMsrApicBase) & ~uint64_t{0xfff};
  return g_base;
}

void initialize() {
  uint64_t msr = cpu::rdmsr(cpu::kMsrApicBase);
  if (!(msr & kMsrGlobalEnable)) cpu::wrmsr(cpu::kMsrApicBase, msr | kMsrGlobalEnable);
  g_base = msr & ~uint64_t{0xfff};
  tessera_vm_lapic_eoi = &reg(kEoi);
  reg(kSpurious) = kApicEnable | interrupt_table::kSpuriousVector;
  reg(kDivideConfig) = 0xb;  // divide by 1
  reg(kLvtTimer) = kMasked | interrupt_table::kTimerVector;
  reg(kInitialCount) = 0;
}

uint8_t id() { return uint8_t(reg(kId) >> 24); }

uint32_t current_count() { return reg(kCurrentCount); }

void start_counting(uint32_t initial_count) {
  reg(kLvtTimer) = kMasked | interrupt_table::kTimerVector;
  reg(kInitialCount) = initial_count;
}

void arm_one_shot(uint32_t count) {
  reg(kLvtTimer) = interrupt_table::kTimerVector;  // one-shot, unmasked
  reg(kInitialCount) = count;
}

}  // namespace tessera::vm::local_apic

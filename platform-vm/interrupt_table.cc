#include "interrupt_table.hh"

#include <stddef.h>

extern "C" {
extern const uint64_t tessera_vm_exception_stubs[32];
extern const uint64_t tessera_vm_device_stubs[tessera::vm::interrupt_table::kDeviceLines];
void tessera_vm_timer_interrupt();
void tessera_vm_serial_interrupt();
void tessera_vm_spurious_interrupt();
extern uint64_t tessera_gdt[];
}

namespace tessera::vm::interrupt_table {
namespace {

constexpr uint16_t kCodeSelector = 0x08;
constexpr uint16_t kTssSelector = 0x18;
constexpr uint8_t kInterruptGate = 0x8e;  // present, ring 0, 64-bit interrupt gate (IF cleared)

struct [[gnu::packed]] Gate {
  uint16_t offset_low;
  uint16_t selector;
  uint8_t ist;
  uint8_t type;
  uint16_t offset_middle;
  uint32_t offset_high;
  uint32_t reserved;
};
static_assert(sizeof(Gate) == 16);

struct [[gnu::packed]] TaskStateSegment {
  uint32_t reserved0;
  uint64_t rsp[3];
  uint64_t reserved1;
  uint64_t ist[7];
  uint64_t reserved2;
  uint16_t reserved3;
  uint16_t io_map_base;
};
static_assert(sizeof(TaskStateSegment) == 104);

struct [[gnu::packed]] TablePointer {
  uint16_t limit;
  uint64_t base;
};

// Faults that can happen because the current stack is unusable (a stack overflow into a
// guard page raises #PF, and delivering it on the same stack would escalate to a triple
// fault) run on their own stack, so they can still be reported.
constexpr size_t kFaultStackSize = 16 * 1024;
alignas(16) constinit uint8_t g_fault_stack[kFaultStackSize] = {};
constinit TaskStateSegment g_tss = {};
alignas(16) constinit Gate g_idt[256] = {};

void set_gate(uint8_t vector, uint64_t handler, uint8_t ist) {
  g_idt[vector] = Gate{uint16_t(handler), kCodeSelector, ist, kInterruptGate, uint16_t(handler >> 16),
                       uint32_t(handler >> 32), 0};
}

bool uses_fault_stack(unsigned vector) {
  return vector == 2 /* NMI */ || vector == 8 /* #DF */ || vector == 12 /* #SS */ || vector == 14 /* #PF */ ||
         vector == 18 /* #MC */;
}

}  // namespace

void install() {
  for (unsigned vector = 0; vector < 32; ++vector)
    set_gate(uint8_t(vector), tessera_vm_exception_stubs[vector], uses_fault_stack(vector) ? 1 : 0);
  set_gate(kTimerVector, reinterpret_cast<uint64_t>(&tessera_vm_timer_interrupt), 0);
  set_gate(kSerialVector, reinterpret_cast<uint64_t>(&tessera_vm_serial_interrupt), 0);
  for (unsigned line = 0; line < kDeviceLines; ++line)
    set_gate(uint8_t(kDeviceVectorBase + line), tessera_vm_device_stubs[line], 0);
  set_gate(kSpuriousVector, reinterpret_cast<uint64_t>(&tessera_vm_spurious_interrupt), 0);

  g_tss.ist[0] = reinterpret_cast<uint64_t>(g_fault_stack + kFaultStackSize);
  g_tss.io_map_base = sizeof(TaskStateSegment);  // no I/O bitmap
  auto base = reinterpret_cast<uint64_t>(&g_tss);
  uint64_t limit = sizeof(TaskStateSegment) - 1;
  // 64-bit available TSS descriptor (type 9, present), 16 bytes.
  tessera_gdt[kTssSelector / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (uint64_t{0x89} << 40) |
                                  (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
  tessera_gdt[kTssSelector / 8 + 1] = base >> 32;
  asm volatile("ltr %0" : : "r"(kTssSelector));

  TablePointer idt_pointer{sizeof(g_idt) - 1, reinterpret_cast<uint64_t>(g_idt)};
  asm volatile("lidt %0" : : "m"(idt_pointer));
}

}  // namespace tessera::vm::interrupt_table

#include "arch/x86_64/context.hh"

#include <tessera/panic.hh>
#include <tessera/ktl/utility.hh>

#include "lib/sanitizer_detection.hh"

// AddressSanitizer must be told when the stack changes under it, or it reports the
// new stack's frames as wild accesses. The interface is declared here, not included:
// kernel code sees no host headers.
#if TESSERA_ASAN
extern "C" {
void __sanitizer_start_switch_fiber(void** fake_stack_save, const void* bottom, size_t size);
void __sanitizer_finish_switch_fiber(void* fake_stack_save, const void** bottom_old, size_t* size_old);
void __asan_unpoison_memory_region(const volatile void* address, size_t size);
}
#endif

extern "C" {
void tessera_arch_switch(uintptr_t* save_stack_pointer, uintptr_t load_stack_pointer);
void tessera_arch_context_start();
[[noreturn]] void tessera_arch_context_begin(tessera::arch::ContextEntry entry, void* argument);
}

namespace tessera::arch {
namespace {

// The frame tessera_arch_switch pops, lowest address first (see context_switch.S).
struct SwitchFrame {
  uint32_t mxcsr;
  uint16_t x87_control_word;
  uint16_t padding;
  uint64_t r15, r14, r13, r12, rbx, rbp;
  uint64_t return_address;
};
static_assert(sizeof(SwitchFrame) == 64);

// Power-on defaults: all floating-point exceptions masked, round to nearest, and for
// x87 double-extended precision. A new thread starts from these, not from its creator's.
constexpr uint32_t kDefaultMxcsr = 0x1f80;
constexpr uint16_t kDefaultX87ControlWord = 0x037f;

}  // namespace

void prepare_context(Context& context, void* stack_bottom, size_t stack_size, ContextEntry entry, void* argument) {
  auto low = reinterpret_cast<uintptr_t>(stack_bottom);
  uintptr_t top = ktl::align_down(low + stack_size, uintptr_t{16});
  // The frame ends at the aligned top, so after the switch's `ret` the stack pointer is
  // the 16-byte aligned `top` that tessera_arch_context_start expects.
  uintptr_t frame_address = top - sizeof(SwitchFrame);
  if (top < low + sizeof(SwitchFrame) || top > low + stack_size) panic("prepare_context: stack of %zu bytes is too small", stack_size);
#if TESSERA_ASAN
  // The pages may have held another thread's stack whose frames never returned.
  __asan_unpoison_memory_region(stack_bottom, stack_size);
#endif
  auto* frame = reinterpret_cast<SwitchFrame*>(frame_address);
  *frame = SwitchFrame{};
  frame->mxcsr = kDefaultMxcsr;
  frame->x87_control_word = kDefaultX87ControlWord;
  frame->r12 = reinterpret_cast<uint64_t>(entry);
  frame->r13 = reinterpret_cast<uint64_t>(argument);
  frame->rbp = 0;
  frame->return_address = reinterpret_cast<uint64_t>(&tessera_arch_context_start);
  context.stack_pointer = frame_address;
}

void switch_context(Context& from, const Context& to, const void* to_stack_bottom, size_t to_stack_size) {
#if TESSERA_ASAN
  // A context that never comes back (a finished thread) leaks its fake stack here;
  // that only matters with detect_stack_use_after_return, and only per thread.
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, to_stack_bottom, to_stack_size);
  tessera_arch_switch(&from.stack_pointer, to.stack_pointer);
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#else
  (void)to_stack_bottom;
  (void)to_stack_size;
  tessera_arch_switch(&from.stack_pointer, to.stack_pointer);
#endif
}

void forget_stack(void* stack_bottom, size_t stack_size) {
#if TESSERA_ASAN
  __asan_unpoison_memory_region(stack_bottom, stack_size);
#else
  (void)stack_bottom;
  (void)stack_size;
#endif
}

uintptr_t read_thread_pointer() {
  uintptr_t value;
  asm volatile("movq %%fs:0, %0" : "=r"(value));
  return value;
}

uint64_t read_stack_canary() {
  uint64_t value;
  asm volatile("movq %%fs:0x28, %0" : "=r"(value));
  return value;
}

size_t backtrace(uintptr_t frame, uintptr_t stack_low, uintptr_t stack_high, uintptr_t* out, size_t capacity) {
  size_t count = 0;
  // A frame record is [saved rbp, return address]; anything outside the stack, not
  // 8-byte aligned, or not strictly above the previous one means the chain is broken
  // (or the thread's first frame was reached), so the walk stops instead of faulting.
  while (count < capacity) {
    if (frame % sizeof(uintptr_t) != 0 || frame < stack_low) break;
    if (stack_high < 2 * sizeof(uintptr_t) || frame > stack_high - 2 * sizeof(uintptr_t)) break;
    auto* record = reinterpret_cast<const uintptr_t*>(frame);
    uintptr_t return_address = record[1];
    if (return_address == 0) break;
    out[count++] = return_address;
    uintptr_t caller_frame = record[0];
    if (caller_frame <= frame) break;
    frame = caller_frame;
  }
  return count;
}

}  // namespace tessera::arch

// Reached from tessera_arch_context_start on a context's first run.
extern "C" void tessera_arch_context_begin(tessera::arch::ContextEntry entry, void* argument) {
#if TESSERA_ASAN
  // Completes the switch that started this context; there is no fake stack to restore.
  __sanitizer_finish_switch_fiber(nullptr, nullptr, nullptr);
#endif
  entry(argument);
  tessera::panic("a context entry function returned (entry %p)", reinterpret_cast<void*>(entry));
}

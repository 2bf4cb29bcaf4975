#pragma once
// x86-64 execution contexts, shared by every platform: a guest thread's saved state is
// its stack pointer; callee-saved registers, MXCSR and the x87 control word sit on its
// stack. Switching is a plain function call, cheap on both platforms.
#include <stddef.h>
#include <stdint.h>

namespace tessera::arch {

struct Context {
  uintptr_t stack_pointer = 0;
};

using ContextEntry = void (*)(void* argument);

// Prepares `context` so that switching to it runs entry(argument) on the stack
// [stack_bottom, stack_bottom + stack_size). `entry` must never return.
void prepare_context(Context& context, void* stack_bottom, size_t stack_size, ContextEntry entry, void* argument);

// Saves the current context into `from` and resumes `to`. Returns when something
// switches back to `from`. Tells AddressSanitizer about the stack change when built with it.
void switch_context(Context& from, const Context& to, const void* to_stack_bottom, size_t to_stack_size);

// Called before a stack's memory is reused for something else: a context that never
// returned leaves sanitizer bookkeeping (poisoned frames) behind. No-op without ASan.
void forget_stack(void* stack_bottom, size_t stack_size);

// The thread pointer (%fs:0) and the stack-protector canary (%fs:0x28) as guest code sees them.
uintptr_t read_thread_pointer();
uint64_t read_stack_canary();

// Walks the frame-pointer chain starting at `frame` while frames stay inside
// [stack_low, stack_high) and grow upwards; stores up to `capacity` return addresses.
size_t backtrace(uintptr_t frame, uintptr_t stack_low, uintptr_t stack_high, uintptr_t* out, size_t capacity);

}  // namespace tessera::arch

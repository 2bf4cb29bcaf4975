#pragma once
// The kernel's crash report for a CPU exception in guest code, the same on both
// platforms: platform-vm builds it from its trap frame, platform-linux from the host
// signal's ucontext (Linux passes the trap number, error code and faulting address the
// CPU gave), and both print it through here. Writes through `write` only, with no
// allocation and no locks, so a signal handler or a broken kernel can still report.
#include <stddef.h>
#include <stdint.h>

namespace tessera::arch {

struct CpuException {
  uint64_t vector;         // 0..31: #DE 0, #UD 6, #GP 13, #PF 14 ...
  uint64_t error_code;     // as a supervisor-mode fault reports it
  uint64_t fault_address;  // #PF: CR2
  uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp, r8, r9, r10, r11, r12, r13, r14, r15;
  uint64_t rip, rflags;
  // Where the faulting thread's stack lies, when the platform knows (0, 0: a guess).
  uintptr_t stack_low, stack_high;
};

using ReportWriter = void (*)(const char* bytes, size_t length);

// "KERNEL PANIC: CPU exception #PF page fault (vector 14) at rip=... in module+0x..",
// the faulting address for a page fault (and a stack-overflow hint next to the stack
// pointer), the registers, and the frame-pointer backtrace with module frames named.
// `platform_line` (may be null) is one more register line only the platform has.
void print_cpu_exception(const CpuException& exception, const char* platform_line, ReportWriter write);

}  // namespace tessera::arch

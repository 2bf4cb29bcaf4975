#include "arch/x86_64/cpu_exception_report.hh"

#include <stdarg.h>

#include <tessera/format.hh>

#include "arch/x86_64/context.hh"
#include "module/module_symbolizer.hh"

namespace tessera::arch {
namespace {

constexpr const char* kVectorNames[32] = {
    "#DE divide error",         "#DB debug",
    "NMI",                      "#BP breakpoint",
    "#OF overflow",             "#BR bound range exceeded",
    "#UD invalid opcode",       "#NM device not available",
    "#DF double fault",         "coprocessor segment overrun",
    "#TS invalid TSS",          "#NP segment not present",
    "#SS stack-segment fault",  "#GP general protection fault",
    "#PF page fault",           "reserved vector 15",
    "#MF x87 floating-point error", "#AC alignment check",
    "#MC machine check",        "#XM SIMD floating-point exception",
    "#VE virtualization exception", "#CP control protection exception",
    "reserved vector 22",       "reserved vector 23",
    "reserved vector 24",       "reserved vector 25",
    "reserved vector 26",       "reserved vector 27",
    "#HV hypervisor injection", "#VC VMM communication",
    "#SX security exception",   "reserved vector 31"};

constexpr size_t kMaxFrames = 32;
// Without the faulting stack's bounds: the largest stack the kernel uses is the 256 KiB
// boot stack, and a wrong guess only shortens the backtrace.
constexpr uintptr_t kStackSpanGuess = 256 * 1024;
constexpr uint64_t kGuardHintDistance = 8192;

ReportWriter g_write;

void print(const char* format_text, ...) __attribute__((format(printf, 1, 2)));
void print(const char* format_text, ...) {
  char line[256];
  va_list args;
  va_start(args, format_text);
  size_t length = vformat(line, sizeof line, format_text, args);
  va_end(args);
  g_write(line, length < sizeof line ? length : sizeof line - 1);
}

// "  #N 0x..." and, inside a loaded module, "in ramfs+0x1a2b (ramfs_init+0x10)".
void print_frame(size_t index, uintptr_t address, uintptr_t lookup) {
  char where[160];
  if (describe_module_address(lookup, where, sizeof where)) print("  #%zu 0x%lx in %s\n", index, address, where);
  else print("  #%zu 0x%lx\n", index, address);
}

}  // namespace

void print_cpu_exception(const CpuException& e, const char* platform_line, ReportWriter write) {
  g_write = write;
  unsigned vector = unsigned(e.vector) & 31;
  char where[160] = "";
  char in_module[176] = "";
  if (describe_module_address(e.rip, where, sizeof where)) format(in_module, sizeof in_module, " in %s", where);
  print("KERNEL PANIC: CPU exception %s (vector %u) at rip=0x%lx%s, error code 0x%lx\n", kVectorNames[vector], vector,
        e.rip, in_module, e.error_code);
  if (vector == 14) {
    print("  cr2=0x%lx (the faulting address)\n", e.fault_address);
    print("  page fault: %s access, page %s%s%s\n",
          (e.error_code & 0x10) ? "instruction fetch" : (e.error_code & 2) ? "write" : "read",
          (e.error_code & 1) ? "present (protection violation)" : "not present",
          (e.error_code & 8) ? ", reserved bit set" : "", (e.error_code & 0x20) ? ", protection key" : "");
    uint64_t distance = e.fault_address > e.rsp ? e.fault_address - e.rsp : e.rsp - e.fault_address;
    if (!(e.error_code & 0x10) && distance < kGuardHintDistance && e.fault_address < e.rsp + kGuardHintDistance)
      print("  the address is next to the stack pointer: probably a stack overflow into a guard page\n");
  }
  print("registers:\n");
  print("  rax=0x%016lx rbx=0x%016lx rcx=0x%016lx rdx=0x%016lx\n", e.rax, e.rbx, e.rcx, e.rdx);
  print("  rsi=0x%016lx rdi=0x%016lx rbp=0x%016lx rsp=0x%016lx\n", e.rsi, e.rdi, e.rbp, e.rsp);
  print("  r8 =0x%016lx r9 =0x%016lx r10=0x%016lx r11=0x%016lx\n", e.r8, e.r9, e.r10, e.r11);
  print("  r12=0x%016lx r13=0x%016lx r14=0x%016lx r15=0x%016lx\n", e.r12, e.r13, e.r14, e.r15);
  print("  rip=0x%016lx rflags=0x%016lx%s%s\n", e.rip, e.rflags, platform_line ? " " : "",
        platform_line ? platform_line : "");

  // #0 is the faulting instruction; the frame-pointer chain gives its callers.
  uintptr_t frames[kMaxFrames];
  uintptr_t low = e.stack_low ? e.stack_low : e.rsp;
  uintptr_t high = e.stack_high ? e.stack_high : (low + kStackSpanGuess < low ? UINTPTR_MAX : low + kStackSpanGuess);
  size_t count = backtrace(e.rbp, low, high, frames, kMaxFrames);
  print("backtrace (stack 0x%lx..0x%lx):\n", low, high);
  print_frame(0, e.rip, e.rip);
  // Return addresses: look up the call before them, which may end its function.
  for (size_t i = 0; i < count; ++i) print_frame(i + 1, frames[i], frames[i] - 1);
}

}  // namespace tessera::arch

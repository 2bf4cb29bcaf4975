// A CPU exception in the VM is a kernel bug (nothing here expects or recovers from one):
// report it like a panic (what happened, the registers, a frame-pointer backtrace)
// and exit with the panic status.
#include <stdarg.h>
#include <stdint.h>

#include <tessera/exit_status.hh>
#include <tessera/format.hh>
#include <tessera/platform.hh>

#include "arch/x86_64/context.hh"
#include "cpu.hh"
#include "module/module_symbolizer.hh"
#include "serial_port.hh"

namespace tessera::vm {

// Pushed by interrupt_stubs.S, lowest address first.
struct TrapFrame {
  uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
  uint64_t vector, error_code;
  uint64_t rip, cs, rflags, rsp, ss;  // pushed by the CPU
};

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
// The faulting stack's extent is not known here; the largest stack the kernel uses is the
// 256 KiB boot stack, and a wrong guess only shortens the backtrace.
constexpr uintptr_t kStackSpanGuess = 256 * 1024;

constinit bool g_reporting = false;
constexpr uint64_t kGuardHintDistance = 8192;

// "  #N 0x..." and, inside a loaded module, "in ramfs+0x1a2b (ramfs_init+0x10)".
void print_frame(size_t index, uintptr_t address, uintptr_t lookup) {
  char where[160];
  if (describe_module_address(lookup, where, sizeof where))
    serial_port::print("  #%zu 0x%lx in %s\n", index, address, where);
  else
    serial_port::print("  #%zu 0x%lx\n", index, address);
}


void describe_page_fault(uint64_t error_code) {
  serial_port::print("  page fault: %s access, page %s%s%s\n", (error_code & 0x10) ? "instruction fetch" : (error_code & 2) ? "write" : "read",
         (error_code & 1) ? "present (protection violation)" : "not present",
         (error_code & 8) ? ", reserved bit set" : "", (error_code & 0x20) ? ", protection key" : "");
}

}  // namespace
}  // namespace tessera::vm

extern "C" [[noreturn]] void tessera_vm_exception(const tessera::vm::TrapFrame* frame) {
  using namespace tessera;
  using namespace tessera::vm;
  if (g_reporting) {
    serial_port::write("KERNEL PANIC: CPU exception while reporting a CPU exception; exiting\n");
    platform::exit(exit_status::kSoftware);
  }
  g_reporting = true;
  unsigned vector = unsigned(frame->vector) & 31;
  serial_port::print("KERNEL PANIC: CPU exception %s (vector %u) at rip=0x%lx, error code 0x%lx\n", kVectorNames[vector],
         vector, frame->rip, frame->error_code);
  if (vector == 14) {
    uint64_t address = cpu::read_cr2();
    serial_port::print("  cr2=0x%lx (the faulting address)\n", address);
    describe_page_fault(frame->error_code);
    uint64_t distance = address > frame->rsp ? address - frame->rsp : frame->rsp - address;
    if (!(frame->error_code & 1) && distance < kGuardHintDistance)
      serial_port::print("  the address is next to the stack pointer: probably a stack overflow into a guard page\n");
  }
  serial_port::print("registers:\n");
  serial_port::print("  rax=0x%016lx rbx=0x%016lx rcx=0x%016lx rdx=0x%016lx\n", frame->rax, frame->rbx, frame->rcx, frame->rdx);
  serial_port::print("  rsi=0x%016lx rdi=0x%016lx rbp=0x%016lx rsp=0x%016lx\n", frame->rsi, frame->rdi, frame->rbp, frame->rsp);
  serial_port::print("  r8 =0x%016lx r9 =0x%016lx r10=0x%016lx r11=0x%016lx\n", frame->r8, frame->r9, frame->r10, frame->r11);
  serial_port::print("  r12=0x%016lx r13=0x%016lx r14=0x%016lx r15=0x%016lx\n", frame->r12, frame->r13, frame->r14, frame->r15);
  serial_port::print("  rip=0x%016lx rflags=0x%016lx cs=0x%lx ss=0x%lx cr3=0x%lx fs.base=0x%lx\n", frame->rip, frame->rflags,
         frame->cs, frame->ss, cpu::read_cr3(), cpu::rdmsr(cpu::kMsrFsBase));

  // #0 is the faulting instruction; the frame-pointer chain gives its callers.
  uintptr_t frames[kMaxFrames];
  uintptr_t low = frame->rsp;
  uintptr_t high = low + kStackSpanGuess < low ? UINTPTR_MAX : low + kStackSpanGuess;
  size_t count = arch::backtrace(frame->rbp, low, high, frames, kMaxFrames);
  serial_port::print("backtrace (stack 0x%lx..0x%lx):\n", low, high);
  print_frame(0, frame->rip, frame->rip);
  // Return addresses: look up the call before them, which may end its function.
  for (size_t i = 0; i < count; ++i) print_frame(i + 1, frames[i], frames[i] - 1);
  platform::exit(exit_status::kSoftware);
}

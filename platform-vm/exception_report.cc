// A CPU exception in the VM is a kernel bug (nothing here expects or recovers from one):
// report it like a panic, with the report both platforms share
// (kernel/arch/x86_64/cpu_exception_report.hh), and exit with the panic status.
#include <stdarg.h>
#include <stdint.h>

#include <tessera/exit_status.hh>
#include <tessera/format.hh>
#include <tessera/platform.hh>

#include "arch/x86_64/cpu_exception_report.hh"
#include "cpu.hh"
#include "serial_port.hh"

namespace tessera::vm {

// Pushed by interrupt_stubs.S, lowest address first.
struct TrapFrame {
  uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
  uint64_t vector, error_code;
  uint64_t rip, cs, rflags, rsp, ss;  // pushed by the CPU
};

namespace {

constinit bool g_reporting = false;

void write_serial(const char* bytes, size_t length) { serial_port::write(bytes, length); }

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
  const TrapFrame& f = *frame;
  arch::CpuException exception{};
  exception.vector = f.vector;
  exception.error_code = f.error_code;
  exception.fault_address = (f.vector & 31) == 14 ? cpu::read_cr2() : 0;
  exception.rax = f.rax, exception.rbx = f.rbx, exception.rcx = f.rcx, exception.rdx = f.rdx;
  exception.rsi = f.rsi, exception.rdi = f.rdi, exception.rbp = f.rbp, exception.rsp = f.rsp;
  exception.r8 = f.r8, exception.r9 = f.r9, exception.r10 = f.r10, exception.r11 = f.r11;
  exception.r12 = f.r12, exception.r13 = f.r13, exception.r14 = f.r14, exception.r15 = f.r15;
  exception.rip = f.rip, exception.rflags = f.rflags;
  char machine[128];
  format(machine, sizeof machine, "cs=0x%lx ss=0x%lx cr3=0x%lx fs.base=0x%lx", f.cs, f.ss, cpu::read_cr3(),
         cpu::rdmsr(cpu::kMsrFsBase));
  arch::print_cpu_exception(exception, machine, write_serial);
  platform::exit(exit_status::kSoftware);
}

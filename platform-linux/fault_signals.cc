#include "fault_signals.hh"

#include <pthread.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdio>

#include <tessera/exit_status.hh>
#include <tessera/platform.hh>

#include "arch/x86_64/cpu_exception_report.hh"
#include "machine_state.hh"

namespace tessera::linux_host {
namespace {

constexpr size_t kAlternateStackSize = 64 * 1024;
// The page-fault error code's user-mode bit: the guest runs in user mode here and in
// supervisor mode on the VM; the report shows the error code the VM would.
constexpr uint64_t kUserModeBit = 4;

pthread_t g_guest_thread;
FaultSignals* g_installed = nullptr;

void write_console(const char* bytes, size_t length) { platform::console_write(bytes, length); }

void on_fault(int signal, siginfo_t* info, void* context) {
  HostedMachine::Impl* machine = running_machine();
  if (!machine || !pthread_equal(pthread_self(), g_guest_thread)) {
    // Not the guest's: the handler from before takes it when the instruction runs again.
    if (g_installed) g_installed->hand_back(signal);
    else ::signal(signal, SIG_DFL);
    return;
  }
  const greg_t* r = static_cast<ucontext_t*>(context)->uc_mcontext.gregs;
  arch::CpuException e{};
  e.vector = uint64_t(r[REG_TRAPNO]);
  e.error_code = uint64_t(r[REG_ERR]) & ~kUserModeBit;
  e.fault_address = signal == SIGSEGV || signal == SIGBUS ? reinterpret_cast<uint64_t>(info->si_addr) : 0;
  e.rax = r[REG_RAX], e.rbx = r[REG_RBX], e.rcx = r[REG_RCX], e.rdx = r[REG_RDX];
  e.rsi = r[REG_RSI], e.rdi = r[REG_RDI], e.rbp = r[REG_RBP], e.rsp = r[REG_RSP];
  e.r8 = r[REG_R8], e.r9 = r[REG_R9], e.r10 = r[REG_R10], e.r11 = r[REG_R11];
  e.r12 = r[REG_R12], e.r13 = r[REG_R13], e.r14 = r[REG_R14], e.r15 = r[REG_R15];
  e.rip = r[REG_RIP], e.rflags = r[REG_EFL];
  char host[64];
  std::snprintf(host, sizeof host, "signal=%d", signal);
  arch::print_cpu_exception(e, host, write_console);
  // Not platform::exit(): that switches back to the host's context, which a signal handler
  // on the alternate stack must not. The console is flushed, the status is the VM's.
  flush_console(*machine);
  std::fflush(stdout);
  _exit(exit_status::kSoftware);
}

}  // namespace

void FaultSignals::install() {
  if (installed_) return;
  g_guest_thread = pthread_self();
  stack_.assign(kAlternateStackSize, 0);
  stack_t alternate{};
  alternate.ss_sp = stack_.data();
  alternate.ss_size = stack_.size();
  sigaltstack(&alternate, &previous_stack_);
  struct sigaction action{};
  action.sa_sigaction = on_fault;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  for (size_t i = 0; i < 4; ++i) sigaction(kSignals[i], &action, &previous_[i]);
  installed_ = true;
  g_installed = this;
}

void FaultSignals::remove() {
  if (!installed_) return;
  for (size_t i = 0; i < 4; ++i) sigaction(kSignals[i], &previous_[i], nullptr);
  sigaltstack(&previous_stack_, nullptr);
  installed_ = false;
  g_installed = nullptr;
}

void FaultSignals::hand_back(int signal) {
  for (size_t i = 0; i < 4; ++i)
    if (kSignals[i] == signal) sigaction(signal, &previous_[i], nullptr);
}

}  // namespace tessera::linux_host

#pragma once
// While a guest runs, a fault in it (SIGSEGV, SIGBUS, SIGILL, SIGFPE on the thread that
// runs the guest) becomes the kernel's crash report, the one platform-vm prints for a CPU
// exception (kernel/arch/x86_64/cpu_exception_report.hh), and exit status 70; not a bare
// host segfault. The handler runs on an alternate stack, so a guest stack overflow into
// its guard page is reported too. Faults on other host threads keep the host's handling.
#include <signal.h>

#include <vector>

namespace tessera::linux_host {

class FaultSignals {
 public:
  void install();
  void remove();
  // Puts back what handled `signal` before install() (the default action, or a
  // sanitizer's handler), for a fault that is not the guest's.
  void hand_back(int signal);

 private:
  static constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE};
  std::vector<char> stack_;
  stack_t previous_stack_{};
  struct sigaction previous_[4] = {};
  bool installed_ = false;
};

}  // namespace tessera::linux_host

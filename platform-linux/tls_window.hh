#pragma once
// Guest TLS inside a Linux process without touching %fs.
//
// Changing the FS base from user space costs an arch_prctl system call here (no FSGSBASE;
// ~3.6 us), far too much for every guest context switch. Instead all guest threads run on
// one host thread and share its %fs, and the executable's own static TLS block -- which
// holds the kernel's __thread variables -- is the "window": switching guest threads saves
// the window into the outgoing thread's TLS block and loads the incoming one's. The
// canary at %fs:0x28 stays glibc's, which is valid for every guest thread.
#include <cstddef>
#include <cstdint>
#include <tessera/boot_info.hh>

namespace tessera::linux_host {

class TlsWindow {
 public:
  // Finds the executable's PT_TLS segment and the calling host thread's instance of it.
  static TlsWindow for_current_thread();

  tessera::TlsTemplate tls_template() const { return template_; }
  // Bytes copied in each direction on a guest switch.
  size_t size() const { return window_size_; }

  // The platform::switch_thread_pointer contract: save the live window below
  // `outgoing_tp` (unless 0), load the one below `incoming_tp`.
  void switch_to(uintptr_t outgoing_tp, uintptr_t incoming_tp) const;

  // Keep and restore the host's own values around a guest run.
  void save(void* buffer) const;
  void restore(const void* buffer) const;

 private:
  tessera::TlsTemplate template_;
  unsigned char* window_ = nullptr;  // this host thread's executable TLS block
  size_t window_size_ = 0;           // the block rounded up to its alignment, as the TCB offset
};

}  // namespace tessera::linux_host

#pragma once
// A fake lower layer for unit tests of kernel libraries: time only moves when a test
// (or an idle wait) moves it, so timer and scheduler tests are exact and instant.
// Console output is captured; exit() ends the test process with the status (death tests).
#include <cstddef>
#include <cstdint>
#include <string>
#include <tessera/boot_info.hh>
#include <tessera/platform.hh>

namespace tessera::fake {

// Guest RAM for a test: mmap'd, page-aligned, unmapped by the destructor.
class Ram {
 public:
  explicit Ram(size_t bytes);
  ~Ram();
  Ram(const Ram&) = delete;
  Ram& operator=(const Ram&) = delete;
  MemoryRegion region() const { return {reinterpret_cast<uintptr_t>(base_), size_}; }

 private:
  void* base_;
  size_t size_;
};

// Back to time 0, no events, no console output; RAM regions for protect() are forgotten.
void reset();
void add_ram(MemoryRegion region);

uint64_t now_ns();
void advance_ns(uint64_t delta);
// The currently armed timer deadline, or kNoDeadline.
uint64_t armed_deadline();
void raise_events(platform::EventMask events);
// How many times take_events(true) had to idle (advance time to the deadline).
uint64_t idle_count();

std::string console_output();
void clear_console();

// The executable's TLS template, as a platform would put it in BootInfo.
TlsTemplate tls_template();
// Boots the kernel's core pieces (heap over `ram`, log, scheduler on the calling
// thread's stack) the way kernel_main would, for tests that need threads.
void boot_core(const Ram& ram);

}  // namespace tessera::fake

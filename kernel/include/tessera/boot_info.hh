#pragma once
// What a platform hands to kernel_main: where RAM is, where the boot image is,
// the command line, and the TLS template of the kernel image. Plain data, no pointers
// into platform code, so platform-linux and platform-vm fill it the same way.
#include <stddef.h>
#include <stdint.h>

namespace tessera {

struct MemoryRegion {
  uintptr_t start = 0;  // page-aligned
  size_t size = 0;      // multiple of the page size
};

// The thread-local storage template of the kernel image (its PT_TLS segment):
// `initial_size` bytes of .tdata followed by zeroes up to `total_size`. A thread's block
// occupies the align_up(total_size, alignment) bytes just below its thread pointer.
struct TlsTemplate {
  const void* initial_image = nullptr;
  size_t initial_size = 0;
  size_t total_size = 0;
  size_t alignment = 1;
};

struct BootInfo {
  static constexpr size_t kMaxMemoryRegions = 16;

  const char* platform_name = "";       // "linux" or "vm": for the boot banner only
  MemoryRegion memory[kMaxMemoryRegions];
  size_t memory_region_count = 0;
  // The ROFS boot image, mapped read-only: `size` is its exact length in bytes (not
  // rounded to pages); 0 when the platform was given none.
  MemoryRegion boot_image;
  const char* command_line = "";         // NUL-terminated; "key=value ... -- app args"
  TlsTemplate tls;
  // Where kernel_main's own stack lives, so its guard page and bounds are known.
  uintptr_t boot_stack_bottom = 0;
  size_t boot_stack_size = 0;
  // An application compiled into the host executable (benchmarks and host tests):
  // when set, kernel_main runs it as the application instead of the built-in app
  // that the command line names. Always null on platform-vm.
  int (*host_app)(void* context) = nullptr;
  void* host_app_context = nullptr;
};

// The kernel's entry point, called once per boot by the platform on the boot stack.
// It never returns: it ends by calling platform::exit().
[[noreturn]] void kernel_main(const BootInfo& boot_info);

}  // namespace tessera

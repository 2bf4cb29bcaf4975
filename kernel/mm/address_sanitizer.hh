#pragma once
// The kernel heap and page allocator under AddressSanitizer (hosted `asan` preset only):
// they mark through ASan's manual poisoning interface which bytes are handed out, so
// instrumented kernel and module code that touches a freed block, a redzone or a free
// page is reported by ASan at the faulting access. Everywhere else (the VM kernel, the
// default preset) every call here compiles to nothing.
#include <stddef.h>
#include <stdint.h>

#include "lib/sanitizer_detection.hh"

#if TESSERA_ASAN
// ASan's runtime (compiler-rt / libasan): declared here, not included, because the
// kernel never includes host headers.
extern "C" void __asan_poison_memory_region(void const volatile* address, size_t size);
extern "C" void __asan_unpoison_memory_region(void const volatile* address, size_t size);
#endif

namespace tessera::asan {

inline constexpr bool kEnabled = TESSERA_ASAN;

inline void poison(const void* address, size_t size) {
#if TESSERA_ASAN
  __asan_poison_memory_region(address, size);
#else
  (void)address, (void)size;
#endif
}

inline void unpoison(const void* address, size_t size) {
#if TESSERA_ASAN
  __asan_unpoison_memory_region(address, size);
#else
  (void)address, (void)size;
#endif
}

// Remembers who allocated and who freed a heap block, so that an ASan report about it
// can say (printed from ASan's error hook). No-ops without ASan.
void record_allocation(const void* block, size_t size);
void record_free(const void* block);
// A second free of `block`: ASan reports it (the freed block is poisoned), with the
// block's history, and ends the run; without ASan it returns and the heap panics.
void report_double_free(const void* block);

}  // namespace tessera::asan

/* AddressSanitizer's checks in modules, in the hosted `asan` preset only (docs/debugging.md).
 * There, modules are compiled with -fsanitize=kernel-address and outlined checks: before
 * each load and store the module calls one of these, which the kernel exports straight from
 * the host's ASan runtime, so an access to a freed or redzone byte of the kernel heap is
 * reported at the access, in module code as in kernel code. Elsewhere these are neither
 * declared to modules nor exported. */
#ifndef TESSERA_ASAN_API_H
#define TESSERA_ASAN_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void __asan_load1_noabort(uintptr_t address);
void __asan_load2_noabort(uintptr_t address);
void __asan_load4_noabort(uintptr_t address);
void __asan_load8_noabort(uintptr_t address);
void __asan_load16_noabort(uintptr_t address);
void __asan_loadN_noabort(uintptr_t address, size_t size);
void __asan_store1_noabort(uintptr_t address);
void __asan_store2_noabort(uintptr_t address);
void __asan_store4_noabort(uintptr_t address);
void __asan_store8_noabort(uintptr_t address);
void __asan_store16_noabort(uintptr_t address);
void __asan_storeN_noabort(uintptr_t address, size_t size);
/* Around C++ dynamic initialisers (ASan's init-order bookkeeping). */
void __asan_before_dynamic_init(const char* module_name);
void __asan_after_dynamic_init(void);
/* Called before a noreturn call: forgets stack poisoning (none here; kept for the ABI). */
void __asan_handle_no_return(void);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* TESSERA_ASAN_API_H */

#pragma once
// Thread-local storage of loaded modules: every __thread variable of a module works in
// every guest thread, whatever TLS model the module was compiled with.
//
// - Static TLS: a reserve of kStaticReserveSize bytes inside the kernel's own TLS block
//   (a kernel __thread array). A module whose PT_TLS fits is placed there, at a fixed
//   offset from the thread pointer computed at run time, so initial-exec code
//   (R_X86_64_TPOFF64) works, and __tls_get_addr / TLS descriptors answer without
//   allocating. Hosted, the reserve is part of the TLS window copied on guest switches,
//   which is why it is small.
// - Dynamic TLS: modules that do not fit get a per-thread block allocated on the thread's
//   first access (general-dynamic: __tls_get_addr; descriptors: tessera_tlsdesc_dynamic)
//   from the thread's vector of blocks, and freed when the thread's TLS is released or
//   the module unloads. Initial-exec code in such a module is refused at load.
//
// A module's static slot is initialised (.tdata copied, .tbss zeroed) in every live
// thread when the module loads, and in every thread created afterwards through
// thread_created(), which Thread calls when it builds a TLS block.
#include <stddef.h>
#include <stdint.h>
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>

#include "module/elf_image.hh"
#include "module/module.hh"

namespace tessera::module_tls {

inline constexpr size_t kStaticReserveSize = 256;
inline constexpr size_t kStaticReserveAlignment = 64;
// DTV indexes 1..kMaxModules.
inline constexpr size_t kMaxModules = 64;

// The argument of __tls_get_addr, as compilers lay it out (tls_index).
struct TlsIndex {
  uint64_t module;
  uint64_t offset;
};

// Forgets every module's TLS (a new boot): per-thread blocks of an earlier boot are
// abandoned with the heap they came from.
void reset();

// Gives `tls` an id and a place. `needs_static` (the module uses initial-exec TLS) makes
// a full reserve an error (ENOMEM naming the module); without it, a module that does not
// fit goes dynamic. ENOMEM when kMaxModules modules with TLS are loaded.
Result<void> attach(Module::Tls& tls, const ElfImage::TlsSegment& segment, bool needs_static,
                    ktl::StringView module_name);
// Releases the id, the static slot and every thread's dynamic block of the module.
void detach(Module::Tls& tls);

// Thread hooks: a new TLS block (at `thread_pointer`) gets the static modules' initial
// images; a released one frees the dynamic blocks its thread allocated.
void thread_created(uintptr_t thread_pointer);
void thread_released(uintptr_t thread_pointer);

// __tls_get_addr's body: the calling thread's address of `offset` in module `id`'s TLS.
// Panics on an id that names no loaded module (a relocation bug) and when a dynamic
// block cannot be allocated (as glibc aborts).
void* get_address(uint64_t id, uint64_t offset);
// What the kernel exports to modules as "__tls_get_addr".
void* tls_get_addr(TlsIndex* index);

// TLS descriptor resolvers (kernel/arch/x86_64/tls_descriptor.S), written to a
// R_X86_64_TLSDESC's first word; the second word is their argument.
extern "C" void tessera_tlsdesc_static();   // argument: the tp offset itself
extern "C" void tessera_tlsdesc_dynamic();  // argument: encode_dynamic(id, offset)
inline constexpr uint64_t kDescriptorOffsetBits = 40;
constexpr uint64_t encode_dynamic(uint64_t id, uint64_t offset) {
  return (id << kDescriptorOffsetBits) | offset;
}

// Statistics for tests.
size_t static_bytes_in_use();
size_t dynamic_blocks_live();

}  // namespace tessera::module_tls

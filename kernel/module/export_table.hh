#pragma once
// The kernel's export table: the only kernel symbols loaded code can reach, each under a
// C name with an ABI hash of its signature (like Linux's __ksymtab with modversions).
//
// Modules link at build time against a stub shared object, libtessera_kernel.so, generated
// from this table (`tessera module abi-stub`), in which every exported symbol carries an
// ELF symbol version named "TESSERA_<hash as 8 lowercase hex digits>". A module therefore
// records, per imported kernel symbol, the signature hash it was built against; the loader
// refuses a module whose recorded version differs from the running kernel's, naming the
// symbol. Nothing that is not in this table is reachable from a module.
#include <stddef.h>
#include <stdint.h>
#include <tessera/ktl/span.hh>
#include <tessera/ktl/string_view.hh>

namespace tessera {

struct KernelExport {
  const char* name;      // the C name modules use, e.g. "memcpy", "tessera_log"
  const void* address;
  uint32_t abi_hash;     // type_hash of the function's signature (ktl/type_hash.hh)
};

// The soname of the stub modules link against; a DT_NEEDED on it means "the kernel".
inline constexpr const char* kKernelAbiSoname = "libtessera_kernel.so";
// "TESSERA_" + 8 hex digits + NUL.
inline constexpr size_t kAbiVersionNameLength = 16;
// Writes the version name for `abi_hash` into `out` (at least kAbiVersionNameLength + 1 bytes).
void format_abi_version(uint32_t abi_hash, char* out);
// Reads a version name written by format_abi_version; false for anything else (other
// versions such as GLIBC_2.2.5, upper-case digits, wrong length).
bool parse_abi_version(ktl::StringView version, uint32_t& abi_hash);

// Sorted by name, no duplicates.
ktl::Span<const KernelExport> kernel_exports();
const KernelExport* find_kernel_export(ktl::StringView name);

}  // namespace tessera

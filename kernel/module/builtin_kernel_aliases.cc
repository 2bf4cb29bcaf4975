// Never linked into a kernel: compiled only so that the compiler itself writes down, for
// each row of the export list, the symbol of the kernel function behind the C name (a
// C++-mangled name no build script could spell reliably). cmake/TesseraBuiltin.cmake
// copies the two sections out of this object:
//   .tessera.builtin.aliases: "__tessera_kernel_memcpy = <symbol of libc::memcpy>;" lines,
//     a linker script that defines the prefixed names as aliases of the kernel functions;
//   .tessera.builtin.renames: "memcpy __tessera_kernel_memcpy" lines, the objcopy
//     --redefine-syms map applied to each built-in module's undefined references.
// The ASan rows are left out: they name the host runtime's own functions, which a
// built-in module (asan preset, hosted) reaches under their own names.
#include <tessera/module_api.h>

#include "libc/errno.hh"
#include "libc/stdio.hh"
#include "libc/stdlib.hh"
#include "libc/string.hh"
#include "module/api/address_api.hh"
#include "module/api/console_api.hh"
#include "module/api/device_api.hh"
#include "module/api/file_api.hh"
#include "module/api/socket_api.hh"
#include "module/api/thread_api.hh"
#include "module/api/tls_api.hh"
#include "module/api/vfs_api.hh"
#include "module/kernel_export_list.hh"

namespace tessera {

// %p prints the operand's symbol bare; "i" holds because kernel code is not PIC.
#define TESSERA_BUILTIN_ALIAS(c_name, function)                                          \
  asm volatile(".pushsection .tessera.builtin.aliases, \"\", @progbits\n"                \
               ".ascii \"__tessera_kernel_" #c_name " = %p0;\\n\"\n"                     \
               ".popsection\n"                                                           \
               ".pushsection .tessera.builtin.renames, \"\", @progbits\n"                \
               ".ascii \"" #c_name " __tessera_kernel_" #c_name "\\n\"\n"                \
               ".popsection" ::"i"(&function));

[[gnu::used]] void builtin_kernel_aliases() { TESSERA_KERNEL_OWN_EXPORTS(TESSERA_BUILTIN_ALIAS) }

#undef TESSERA_BUILTIN_ALIAS

}  // namespace tessera

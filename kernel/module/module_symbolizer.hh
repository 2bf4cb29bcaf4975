#pragma once
// Names addresses inside loaded modules for crash reports: "ramfs+0x1a2b", plus the
// function containing it ("(ramfs_init+0x10)") from the dynamic symbol table or, for
// hidden functions, the module's full symbol table (images strip DWARF, not .symtab):
// only a function whose extent holds the address, never a nearest-symbol guess. File and
// line: `addr2line -f -e build/.../debug/NAME.so 0xOFFSET`. Safe while panicking: no
// allocation, no locks, reads only validated or bounds-checked bytes.
#include <stddef.h>
#include <stdint.h>

namespace tessera {

// Writes the description into `out` (NUL-terminated) and returns true when `address`
// lies inside a loaded module's mapping; returns false (and writes nothing) otherwise.
bool describe_module_address(uintptr_t address, char* out, size_t capacity);

}  // namespace tessera

#pragma once
// Names addresses inside loaded modules for crash reports: "ramfs+0x1a2b", plus the
// exported function containing it when there is one ("(ramfs_init+0x10)"). Hidden
// functions are not in a module's dynamic symbol table: for those the module offset is
// what `addr2line -f -e build/.../NAME.so 0xOFFSET` resolves. Safe while panicking: no
// allocation, no locks, reads only what the loader validated.
#include <stddef.h>
#include <stdint.h>

namespace tessera {

// Writes the description into `out` (NUL-terminated) and returns true when `address`
// lies inside a loaded module's mapping; returns false (and writes nothing) otherwise.
bool describe_module_address(uintptr_t address, char* out, size_t capacity);

}  // namespace tessera

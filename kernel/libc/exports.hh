#pragma once
// The C names under which the kernel's libc is offered to code it loads. The module
// loader resolves undefined symbols here; nothing is exported to the host linker.
#include <tessera/ktl/string_view.hh>

namespace tessera::libc {

struct LibcSymbol {
  const char* name;
  void* address;
};

// The whole table, sorted by name (strictly ascending, bytewise).
const LibcSymbol* libc_symbols_begin();
const LibcSymbol* libc_symbols_end();

// nullptr when `name` is not exported.
const LibcSymbol* find_libc_symbol(ktl::StringView name);

}  // namespace tessera::libc

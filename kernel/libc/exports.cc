#include "libc/exports.hh"

#include <tessera/ktl/utility.hh>

#include "libc/errno.hh"
#include "libc/stdio.hh"
#include "libc/stdlib.hh"
#include "libc/string.hh"

namespace tessera::libc {
namespace {

// One list feeds both the compile-time order check and the table, so they cannot drift.
// Keep it sorted bytewise ('_' sorts before lowercase letters).
#define TESSERA_LIBC_EXPORTS(X)          \
  X("__errno_location", errno_location) \
  X("aligned_alloc", aligned_alloc)     \
  X("calloc", calloc)                   \
  X("free", free)                       \
  X("malloc", malloc)                   \
  X("memchr", memchr)                   \
  X("memcmp", memcmp)                   \
  X("memcpy", memcpy)                   \
  X("memmove", memmove)                 \
  X("memset", memset)                   \
  X("posix_memalign", posix_memalign)   \
  X("realloc", realloc)                 \
  X("snprintf", snprintf)               \
  X("strcat", strcat)                   \
  X("strchr", strchr)                   \
  X("strcmp", strcmp)                   \
  X("strcpy", strcpy)                   \
  X("strdup", strdup)                   \
  X("strlen", strlen)                   \
  X("strncmp", strncmp)                 \
  X("strncpy", strncpy)                 \
  X("strndup", strndup)                 \
  X("strnlen", strnlen)                 \
  X("strrchr", strrchr)                 \
  X("strstr", strstr)                   \
  X("strtol", strtol)                   \
  X("strtoul", strtoul)                 \
  X("vsnprintf", vsnprintf)

#define TESSERA_NAME_ONLY(name, function) ktl::StringView(name),
constexpr ktl::StringView kNames[] = {TESSERA_LIBC_EXPORTS(TESSERA_NAME_ONLY)};
#undef TESSERA_NAME_ONLY

constexpr bool strictly_sorted() {
  for (size_t i = 1; i < ktl::size(kNames); ++i)
    if (compare(kNames[i - 1], kNames[i]) >= 0) return false;
  return true;
}
static_assert(strictly_sorted(), "TESSERA_LIBC_EXPORTS must be sorted by name, without duplicates");

// Not constexpr only because C++ forbids converting a function's address to void* in a
// constant expression; the addresses are link-time constants, so this is still static
// data with no initialisation code.
#define TESSERA_SYMBOL(name, function) {name, reinterpret_cast<void*>(&function)},
const LibcSymbol kSymbols[] = {TESSERA_LIBC_EXPORTS(TESSERA_SYMBOL)};
#undef TESSERA_SYMBOL
static_assert(ktl::size(kSymbols) == ktl::size(kNames));

}  // namespace

const LibcSymbol* libc_symbols_begin() { return kSymbols; }
const LibcSymbol* libc_symbols_end() { return kSymbols + ktl::size(kSymbols); }

const LibcSymbol* find_libc_symbol(ktl::StringView name) {
  size_t low = 0, high = ktl::size(kSymbols);
  while (low < high) {
    size_t middle = low + (high - low) / 2;
    int order = compare(ktl::StringView(kSymbols[middle].name), name);
    if (order == 0) return &kSymbols[middle];
    if (order < 0) low = middle + 1;
    else high = middle;
  }
  return nullptr;
}

}  // namespace tessera::libc

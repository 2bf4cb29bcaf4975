#include "libc/stdlib.hh"

#include <stdint.h>
#include <tessera/errno.hh>
#include <tessera/ktl/utility.hh>
#include "libc/errno.hh"
#include "libc/string.hh"
#include "mm/heap.hh"

namespace tessera::libc {

// --- Allocation: the kernel heap, with C's errno conventions on top -----------------

void* malloc(size_t size) {
  void* memory = heap().allocate(size);
  if (!memory) set_errno(kENOMEM);
  return memory;
}

void free(void* pointer) { heap().free(pointer); }

void* calloc(size_t count, size_t size) {
  size_t bytes;
  // count * size wrapping around would hand out a block far smaller than asked for.
  if (!ktl::checked_mul(count, size, bytes)) {
    set_errno(kENOMEM);
    return nullptr;
  }
  void* memory = malloc(bytes);
  if (memory) memset(memory, 0, bytes);  // the heap recycles blocks without clearing them
  return memory;
}

void* realloc(void* pointer, size_t size) {
  void* memory = heap().reallocate(pointer, size);
  if (!memory && size != 0) set_errno(kENOMEM);
  return memory;
}

void* aligned_alloc(size_t alignment, size_t size) {
  if (!ktl::is_power_of_two(alignment)) {
    set_errno(kEINVAL);
    return nullptr;
  }
  void* memory = heap().allocate(size, alignment < 16 ? 16 : alignment);
  if (!memory) set_errno(kENOMEM);
  return memory;
}

// Reports through its return value and leaves errno alone, as POSIX specifies.
int posix_memalign(void** out, size_t alignment, size_t size) {
  if (!ktl::is_power_of_two(alignment) || alignment % sizeof(void*) != 0) return kEINVAL;
  void* memory = heap().allocate(size, alignment < 16 ? 16 : alignment);
  if (!memory) return kENOMEM;
  *out = memory;
  return 0;
}

// --- Number parsing ------------------------------------------------------------------

namespace {

struct ParsedNumber {
  unsigned long magnitude = 0;
  bool negative = false;
  bool overflow = false;  // the digits exceeded unsigned long; magnitude is saturated
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

// The digit's value in bases up to 36, or 36 for anything that is not a digit.
int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 36;
}

bool has_hex_prefix(const char* p) { return p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < 16; }

// C's common grammar of strtol/strtoul: spaces, a sign, an optional base prefix, digits.
// Without any digit, nothing is consumed and `*end` is `text` itself.
ParsedNumber parse_number(const char* text, char** end, int base) {
  ParsedNumber result;
  if (end) *end = const_cast<char*>(text);
  if (base < 0 || base == 1 || base > 36) {
    set_errno(kEINVAL);
    return result;
  }
  const char* p = text;
  while (is_space(*p)) ++p;
  if (*p == '+' || *p == '-') result.negative = *p++ == '-';
  if ((base == 0 || base == 16) && has_hex_prefix(p)) {
    base = 16;
    p += 2;
  } else if (base == 0) {
    base = *p == '0' ? 8 : 10;
  }
  const char* first_digit = p;
  for (int digit; (digit = digit_value(*p)) < base; ++p) {
    unsigned long next;
    if (!ktl::checked_mul(result.magnitude, static_cast<unsigned long>(base), next) ||
        !ktl::checked_add(next, static_cast<unsigned long>(digit), next)) {
      result.overflow = true;  // keep consuming digits: `end` must point past all of them
      next = ~0ul;
    }
    result.magnitude = next;
  }
  if (p == first_digit) return ParsedNumber{};
  if (end) *end = const_cast<char*>(p);
  return result;
}

}  // namespace

long strtol(const char* text, char** end, int base) {
  ParsedNumber number = parse_number(text, end, base);
  constexpr unsigned long kMax = __LONG_MAX__;
  if (number.negative) {
    if (number.overflow || number.magnitude > kMax + 1) {
      set_errno(kERANGE);
      return -__LONG_MAX__ - 1;
    }
    return static_cast<long>(0ul - number.magnitude);  // two's complement: exact for LONG_MIN too
  }
  if (number.overflow || number.magnitude > kMax) {
    set_errno(kERANGE);
    return __LONG_MAX__;
  }
  return static_cast<long>(number.magnitude);
}

unsigned long strtoul(const char* text, char** end, int base) {
  ParsedNumber number = parse_number(text, end, base);
  if (number.overflow) {
    set_errno(kERANGE);
    return ~0ul;
  }
  // C: a minus sign negates in unsigned arithmetic, so "-1" is ULONG_MAX.
  return number.negative ? 0ul - number.magnitude : number.magnitude;
}

}  // namespace tessera::libc

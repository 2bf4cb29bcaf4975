// The C functions a freestanding GCC or Clang build calls by name even when the source
// never does: memcpy, memmove, memset, memcmp for struct copies and large initialisers,
// strlen for __builtin_strlen of a string unknown at compile time,
// __stack_chk_fail for -fstack-protector. Linked into the VM kernel only; the hosted
// build gets them from glibc (which is why the kernel library must not define them).
// Compiled with -fno-builtin -fno-tree-loop-distribute-patterns so the loops below are
// not turned back into calls to themselves.
#include <stddef.h>
#include <stdint.h>

#include <tessera/panic.hh>

extern "C" {

void* memcpy(void* destination, const void* source, size_t length) {
  auto* to = static_cast<unsigned char*>(destination);
  const auto* from = static_cast<const unsigned char*>(source);
  asm volatile("rep movsb" : "+D"(to), "+S"(from), "+c"(length) : : "memory");
  return destination;
}

void* memmove(void* destination, const void* source, size_t length) {
  auto* to = static_cast<unsigned char*>(destination);
  const auto* from = static_cast<const unsigned char*>(source);
  if (to <= from || to >= from + length) return memcpy(destination, source, length);
  // Overlapping with the destination above: copy backwards.
  to += length - 1;
  from += length - 1;
  asm volatile("std; rep movsb; cld" : "+D"(to), "+S"(from), "+c"(length) : : "memory");
  return destination;
}

void* memset(void* destination, int value, size_t length) {
  auto* to = static_cast<unsigned char*>(destination);
  asm volatile("rep stosb" : "+D"(to), "+c"(length) : "a"(value) : "memory");
  return destination;
}

int memcmp(const void* left, const void* right, size_t length) {
  const auto* a = static_cast<const unsigned char*>(left);
  const auto* b = static_cast<const unsigned char*>(right);
  for (size_t i = 0; i < length; ++i)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

// __builtin_strlen on a string the compiler cannot see through becomes a call.
size_t strlen(const char* text) {
  size_t length = 0;
  while (text[length]) ++length;
  return length;
}

[[noreturn]] void __stack_chk_fail() { tessera::panic("stack smashing detected (stack-protector canary overwritten)"); }

// A pure virtual function called through a vtable during construction or destruction.
[[noreturn]] void __cxa_pure_virtual() { tessera::panic("pure virtual function called"); }

}  // extern "C"

// Plain, portable implementations: loaded code calls these rarely enough that
// clarity beats hand-tuned assembly, and the word loops keep large copies cheap.
#include "libc/string.hh"

#include <stdint.h>
#include "libc/stdlib.hh"

// GCC turns byte loops into calls to memcpy/memset even with -ffreestanding; the
// global memcpy may itself be built on these functions, so that must not happen here.
#if defined(__GNUC__) && !defined(__clang__)
#define TESSERA_NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define TESSERA_NO_LIBCALLS
#endif

namespace tessera::libc {
namespace {

// A word that may sit at any address and alias anything: plain loads, no libcalls.
using UnalignedWord = uint64_t __attribute__((may_alias, aligned(1)));

unsigned char as_byte(int value) { return static_cast<unsigned char>(value); }

}  // namespace

TESSERA_NO_LIBCALLS void* memcpy(void* destination, const void* source, size_t count) {
  auto* to = static_cast<unsigned char*>(destination);
  auto* from = static_cast<const unsigned char*>(source);
  for (; count >= sizeof(uint64_t); count -= sizeof(uint64_t), to += sizeof(uint64_t), from += sizeof(uint64_t))
    *reinterpret_cast<UnalignedWord*>(to) = *reinterpret_cast<const UnalignedWord*>(from);
  while (count--) *to++ = *from++;
  return destination;
}

TESSERA_NO_LIBCALLS void* memmove(void* destination, const void* source, size_t count) {
  auto* to = static_cast<unsigned char*>(destination);
  auto* from = static_cast<const unsigned char*>(source);
  if (to == from || count == 0) return destination;
  // Copying forwards is safe unless the destination starts inside the source.
  if (to < from || to >= from + count) return memcpy(destination, source, count);
  to += count;
  from += count;
  for (; count >= sizeof(uint64_t); count -= sizeof(uint64_t)) {
    to -= sizeof(uint64_t);
    from -= sizeof(uint64_t);
    // Load the whole word before storing: the ranges overlap.
    uint64_t word = *reinterpret_cast<const UnalignedWord*>(from);
    *reinterpret_cast<UnalignedWord*>(to) = word;
  }
  while (count--) *--to = *--from;
  return destination;
}

TESSERA_NO_LIBCALLS void* memset(void* destination, int value, size_t count) {
  auto* to = static_cast<unsigned char*>(destination);
  uint64_t word = as_byte(value) * 0x0101010101010101ull;
  for (; count >= sizeof(uint64_t); count -= sizeof(uint64_t), to += sizeof(uint64_t))
    *reinterpret_cast<UnalignedWord*>(to) = word;
  while (count--) *to++ = as_byte(value);
  return destination;
}

int memcmp(const void* a, const void* b, size_t count) {
  auto* left = static_cast<const unsigned char*>(a);
  auto* right = static_cast<const unsigned char*>(b);
  for (size_t i = 0; i < count; ++i)
    if (left[i] != right[i]) return left[i] < right[i] ? -1 : 1;
  return 0;
}

void* memchr(const void* memory, int value, size_t count) {
  auto* bytes = static_cast<const unsigned char*>(memory);
  for (size_t i = 0; i < count; ++i)
    if (bytes[i] == as_byte(value)) return const_cast<unsigned char*>(bytes + i);
  return nullptr;
}

size_t strlen(const char* string) {
  size_t length = 0;
  while (string[length]) ++length;
  return length;
}

size_t strnlen(const char* string, size_t max_length) {
  size_t length = 0;
  while (length < max_length && string[length]) ++length;
  return length;
}

int strcmp(const char* a, const char* b) {
  for (;; ++a, ++b) {
    auto left = static_cast<unsigned char>(*a), right = static_cast<unsigned char>(*b);
    if (left != right) return left < right ? -1 : 1;
    if (left == 0) return 0;
  }
}

int strncmp(const char* a, const char* b, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    auto left = static_cast<unsigned char>(a[i]), right = static_cast<unsigned char>(b[i]);
    if (left != right) return left < right ? -1 : 1;
    if (left == 0) return 0;
  }
  return 0;
}

// C: the terminating NUL counts as part of the string, so searching for 0 finds it.
char* strchr(const char* string, int c) {
  char wanted = static_cast<char>(c);
  for (;; ++string) {
    if (*string == wanted) return const_cast<char*>(string);
    if (*string == '\0') return nullptr;
  }
}

char* strrchr(const char* string, int c) {
  char wanted = static_cast<char>(c);
  const char* last = nullptr;
  for (;; ++string) {
    if (*string == wanted) last = string;
    if (*string == '\0') return const_cast<char*>(last);
  }
}

char* strstr(const char* haystack, const char* needle) {
  size_t needle_length = strlen(needle);
  if (needle_length == 0) return const_cast<char*>(haystack);
  for (; *haystack; ++haystack)
    if (*haystack == *needle && strncmp(haystack, needle, needle_length) == 0) return const_cast<char*>(haystack);
  return nullptr;
}

char* strcpy(char* destination, const char* source) {
  char* to = destination;
  while ((*to++ = *source++) != '\0') {
  }
  return destination;
}

// C: copies at most `count` bytes and pads the rest with NULs; no terminator when the
// source is at least `count` long.
TESSERA_NO_LIBCALLS char* strncpy(char* destination, const char* source, size_t count) {
  size_t i = 0;
  for (; i < count && source[i]; ++i) destination[i] = source[i];
  for (; i < count; ++i) destination[i] = '\0';
  return destination;
}

char* strcat(char* destination, const char* source) {
  strcpy(destination + strlen(destination), source);
  return destination;
}

char* strdup(const char* string) { return strndup(string, SIZE_MAX); }

char* strndup(const char* string, size_t max_length) {
  size_t length = strnlen(string, max_length);
  auto* copy = static_cast<char*>(malloc(length + 1));  // malloc sets errno on failure
  if (!copy) return nullptr;
  memcpy(copy, string, length);
  copy[length] = '\0';
  return copy;
}

}  // namespace tessera::libc

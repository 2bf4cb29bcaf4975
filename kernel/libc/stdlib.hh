#pragma once
// <stdlib.h> for loaded code: the allocator (the kernel heap underneath) and number
// parsing. Failures set errno (see errno.hh) as C requires.
#include <stddef.h>

namespace tessera::libc {

void* malloc(size_t size);
void free(void* pointer);
void* calloc(size_t count, size_t size);
void* realloc(void* pointer, size_t size);
void* aligned_alloc(size_t alignment, size_t size);
int posix_memalign(void** out, size_t alignment, size_t size);

long strtol(const char* text, char** end, int base);
unsigned long strtoul(const char* text, char** end, int base);

}  // namespace tessera::libc

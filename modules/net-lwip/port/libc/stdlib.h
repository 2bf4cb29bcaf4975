/* The part of <stdlib.h> lwIP uses (mem.c with MEM_LIBC_MALLOC, netif_find's atoi), served
 * by the kernel's C library. */
#ifndef TESSERA_LWIP_LIBC_STDLIB_H
#define TESSERA_LWIP_LIBC_STDLIB_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
void* malloc(size_t size);
void free(void* pointer);
void* calloc(size_t count, size_t size);
long strtol(const char* text, char** end, int base);
static inline int atoi(const char* text) { return (int)strtol(text, (char**)0, 10); }
#ifdef __cplusplus
}
#endif
#endif

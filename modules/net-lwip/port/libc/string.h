/* The part of <string.h> lwIP uses, served by the kernel's C library (module API exports).
 * Same prototypes as module_api.h's libc block, which lwIP code cannot include (see
 * arch/cc.h). */
#ifndef TESSERA_LWIP_LIBC_STRING_H
#define TESSERA_LWIP_LIBC_STRING_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
void* memcpy(void* destination, const void* source, size_t count);
void* memmove(void* destination, const void* source, size_t count);
void* memset(void* destination, int value, size_t count);
int memcmp(const void* a, const void* b, size_t count);
size_t strlen(const char* string);
int strcmp(const char* a, const char* b);
int strncmp(const char* a, const char* b, size_t count);
char* strncpy(char* destination, const char* source, size_t count);
#ifdef __cplusplus
}
#endif
#endif

#pragma once
// <string.h> for code the kernel loads (modules, applications). C++ names in
// tessera::libc; exports.cc publishes them under their C names to loaded code only,
// so the hosted build never replaces the host's own libc.
#include <stddef.h>

namespace tessera::libc {

void* memcpy(void* destination, const void* source, size_t count);
void* memmove(void* destination, const void* source, size_t count);
void* memset(void* destination, int value, size_t count);
int memcmp(const void* a, const void* b, size_t count);
void* memchr(const void* memory, int value, size_t count);

size_t strlen(const char* string);
size_t strnlen(const char* string, size_t max_length);
int strcmp(const char* a, const char* b);
int strncmp(const char* a, const char* b, size_t count);
char* strchr(const char* string, int c);
char* strrchr(const char* string, int c);
char* strstr(const char* haystack, const char* needle);
char* strcpy(char* destination, const char* source);
char* strncpy(char* destination, const char* source, size_t count);
char* strcat(char* destination, const char* source);
// From the kernel heap; nullptr (errno ENOMEM) when it is exhausted.
char* strdup(const char* string);
char* strndup(const char* string, size_t max_length);

}  // namespace tessera::libc

/* lwIP includes <stdio.h> for snprintf (lwip_itoa, statistics display). */
#ifndef TESSERA_LWIP_LIBC_STDIO_H
#define TESSERA_LWIP_LIBC_STDIO_H
#include <stdarg.h>
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
int snprintf(char* buffer, size_t capacity, const char* format, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char* buffer, size_t capacity, const char* format, va_list args);
#ifdef __cplusplus
}
#endif
#endif

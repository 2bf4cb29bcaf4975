/* lwIP's compiler and platform glue for Tessera (freestanding, x86-64, little endian).
 * lwIP sees only the compiler's headers, the module API and the few libc headers in
 * ../../libc, so it cannot pick up a host's definitions by accident. */
#ifndef TESSERA_LWIP_ARCH_CC_H
#define TESSERA_LWIP_ARCH_CC_H

/* The libc block of module_api.h also declares Linux's socket types, which collide with
 * lwIP's own (struct sockaddr, AF_INET...): lwIP code gets the libc subset from ../libc. */
#ifndef TESSERA_MODULE_API_NO_LIBC
#define TESSERA_MODULE_API_NO_LIBC
#endif
#include <tessera/module_api.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BYTE_ORDER LITTLE_ENDIAN
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_LIMITS_H 1
#define LWIP_NO_CTYPE_H 1
#define LWIP_NO_UNISTD_H 1

#define X8_F "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

#define INT_MAX __INT_MAX__
#define SSIZE_MAX __LONG_MAX__
typedef long ssize_t;

/* lwIP's errno values are Linux's (lwip/errno.h with LWIP_PROVIDE_ERRNO); errno itself is
 * the calling thread's, the kernel's. */
#define LWIP_PROVIDE_ERRNO 1
int* __errno_location(void);
#define errno (*__errno_location())

#define LWIP_PLATFORM_DIAG(message) tessera_lwip_diag message
#define LWIP_PLATFORM_ASSERT(message) tessera_panic("net-lwip: assertion \"%s\" failed at %s:%d", message, __FILE__, __LINE__)
void tessera_lwip_diag(const char* format, ...) __attribute__((format(printf, 1, 2)));

/* ISNs and ephemeral ports come from the kernel's random source. */
uint32_t tessera_lwip_random(void);
#define LWIP_RAND() tessera_lwip_random()

#ifdef __cplusplus
}
#endif

#endif /* TESSERA_LWIP_ARCH_CC_H */

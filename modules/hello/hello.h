/* What the hello module exports, for modules and applications that depend on it. */
#ifndef TESSERA_MODULES_HELLO_H
#define TESSERA_MODULES_HELLO_H

#ifdef __cplusplus
extern "C" {
#endif

/* "Hello from the hello module", with a count of calls so far appended. */
const char* hello_greeting(void);

#ifdef __cplusplus
}
#endif

#endif

/* The sample module: proves the path from a CMake declaration to a loaded module whose
 * init runs, whose export other objects call, and whose exit runs at unload. */
#include <tessera/module_api.h>

#include "hello.h"

static char greeting[64];
static unsigned calls;

TESSERA_MODULE_EXPORT const char* hello_greeting(void) {
  ++calls;
  snprintf(greeting, sizeof greeting, "Hello from the hello module (call %u)", calls);
  return greeting;
}

TESSERA_MODULE_EXPORT int hello_init(void) {
  tessera_log(TESSERA_LOG_INFO, "hello: init");
  return 0;
}

TESSERA_MODULE_EXPORT void hello_exit(void) {
  tessera_log(TESSERA_LOG_INFO, "hello: exit after %u greetings", calls);
}

/* Test fixture: an application that links against virtio-net (DEPENDS), so that on a
 * kernel with virtio-net built in its import binds to the built-in module. Prints where
 * it bound; the test compares with the kernel executable's symbol. */
#include <tessera/module_api.h>

#include "virtio_net.h"

TESSERA_MODULE_EXPORT int main(int argc, char** argv) {
  tessera_printf("builtin-import: virtio_net_interrupt at %p\n", (void*)&virtio_net_interrupt);
  return 0;
}

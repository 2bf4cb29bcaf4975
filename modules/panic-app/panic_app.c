/* `tessera run -- app=panic-app`: main -> panic_app_fail -> tessera_panic. main is exported
 * and so named in the backtrace; panic_app_fail is hidden and shows as panic-app+OFFSET,
 * which addr2line resolves on build/.../apps/panic-app.so. */
#include <tessera/module_api.h>

__attribute__((noinline)) void panic_app_fail(int depth) {
  tessera_panic("panic-app: failing on purpose at depth %d", depth);
}

TESSERA_MODULE_EXPORT int main(int argc, char** argv) {
  (void)argv;
  tessera_printf("panic-app: about to panic inside a module\n");
  panic_app_fail(argc);
  return 0;
}

/* `tessera run IMAGE -- app=hello-app a b` prints argv[0..2] and exits with status 3. */
#include <tessera/module_api.h>

TESSERA_MODULE_EXPORT int main(int argc, char** argv) {
  tessera_printf("hello-app: %d argument%s\n", argc, argc == 1 ? "" : "s");
  for (int i = 0; i < argc; ++i) tessera_printf("  argv[%d] = %s\n", i, argv[i]);
  return argc;
}

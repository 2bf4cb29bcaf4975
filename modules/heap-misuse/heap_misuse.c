/* One heap mistake on purpose, chosen by argv[1]. Under the asan preset the kernel heap's
 * poisoning and the module's own ASan checks report it at the faulting access; elsewhere
 * the mistake may go unnoticed (double free excepted: the heap itself panics). */
#include <tessera/module_api.h>

__attribute__((noinline)) static char* allocate_block(size_t size) {
  char* block = malloc(size);
  memset(block, 'x', size);
  return block;
}

__attribute__((noinline)) static int misuse(const char* kind) {
  volatile char* block = allocate_block(40);
  if (strcmp(kind, "use-after-free") == 0) {
    free((void*)block);
    return block[8];
  }
  if (strcmp(kind, "overflow") == 0) return block[40];
  if (strcmp(kind, "underflow") == 0) return block[-1];
  if (strcmp(kind, "double-free") == 0) {
    free((void*)block);
    free((void*)block);
    return 0;
  }
  tessera_printf("heap-misuse: unknown kind '%s'\n", kind);
  return -1;
}

TESSERA_MODULE_EXPORT int main(int argc, char** argv) {
  if (argc < 2) {
    tessera_printf("heap-misuse: usage: app=heap-misuse -- use-after-free|overflow|underflow|double-free\n");
    return 64;
  }
  tessera_printf("heap-misuse: %s\n", argv[1]);
  int value = misuse(argv[1]);
  tessera_printf("heap-misuse: no report for '%s' (read %d)\n", argv[1], value);
  return 1;
}

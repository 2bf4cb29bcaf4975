/* One CPU fault on purpose, chosen by argv[1], so that tests can compare the kernel's crash
 * report across platforms. Every fault happens in a function of this module, two calls
 * deep, so the report has module frames to name. */
#include <tessera/module_api.h>

static const unsigned read_only_word = 0x600df00du;
/* A `ret` in writable data: jumping here must fault on the fetch, not return. */
static unsigned char data_code[16] = {0xc3};

__attribute__((noinline)) static unsigned long recurse(unsigned long depth) {
  volatile unsigned char frame[512];
  frame[0] = (unsigned char)depth;
  if (depth > 100000000ul) return frame[0];
  return recurse(depth + 1) + frame[0];
}

static void overflow_the_stack(void* unused) {
  (void)unused;
  tessera_printf("fault-app: recursing on thread %llu until its guard page\n",
                 (unsigned long long)tessera_thread_id());
  (void)recurse(0);
}

__attribute__((noinline)) static void fault(const char* kind) {
  if (strcmp(kind, "null") == 0) {
    (void)*(volatile unsigned long*)0;
  } else if (strcmp(kind, "write-rodata") == 0) {
    *(volatile unsigned*)&read_only_word = 0;
  } else if (strcmp(kind, "execute-data") == 0) {
    ((void (*)(void))(void*)data_code)();
  } else if (strcmp(kind, "stack-overflow") == 0) {
    tessera_thread* thread;
    if (tessera_thread_create(&thread, "overflow", overflow_the_stack, 0) == 0) tessera_thread_join(thread);
  } else if (strcmp(kind, "invalid-opcode") == 0) {
    __asm__ volatile("ud2");
  } else if (strcmp(kind, "divide") == 0) {
    volatile unsigned zero = 0;
    __asm__ volatile("divl %1" : : "a"(1u), "r"(zero), "d"(0u));
  }
}

__attribute__((noinline)) static void make_fault(const char* kind) {
  fault(kind);
  __asm__ volatile("" ::: "memory"); /* keeps this frame: not a tail call */
}

TESSERA_MODULE_EXPORT int main(int argc, char** argv) {
  if (argc < 2) {
    tessera_printf("fault-app: usage: app=fault-app -- null|write-rodata|execute-data|stack-overflow|invalid-opcode|divide\n");
    return 64;
  }
  tessera_printf("fault-app: %s\n", argv[1]);
  make_fault(argv[1]);
  tessera_printf("fault-app: no fault for '%s'\n", argv[1]);
  return 1;
}

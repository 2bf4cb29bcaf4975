/* `app=lazy-app` makes no call into lazy-probe: the module must never load.
 * `app=lazy-app -- call [FIRST]` calls each of its functions twice through the PLT,
 * FIRST (sum8 by default, mix, varargs, doubles or big) first: that call loads it.
 * `-- pointer` makes the first call through a function pointer (a GOT slot) instead.
 * Every result is checked against what this side computes from the same arguments:
 * exit status 0 when all arrived intact, 1 otherwise. */
#include <stdarg.h>
#include <tessera/module_api.h>

#include "lazy_probe.h"

static int failures;

static void check(const char* what, int ok) {
  tessera_printf("lazy-app: %s: %s\n", what, ok ? "ok" : "WRONG");
  if (!ok) ++failures;
}

/* Doubles are compared exactly: every value here is a small binary fraction. */
static void call_sum8(int round) {
  int64_t a = round, b = -2, c = 3, d = 1LL << 40, e = 5, f = -6, g = 7000000000LL, h = 8;
  check("8 integer arguments, 2 on the stack",
        lazy_probe_sum8(a, b, c, d, e, f, g, h) == a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h);
}

static void call_mix(int round) {
  int64_t checksum = 0;
  double mixed = lazy_probe_mix(7, 1.5, "pointer", 2.25f, 42 + round, -0.125, &checksum);
  check("ints, doubles, a float and pointers interleaved",
        mixed == 1.5 * 2 + 2.25 * 3 + -0.125 * 4 && checksum == 7 * 1000 + 7 * 100 + 42 + round);
}

static void call_varargs(int round) {
  double varsum = lazy_probe_varsum("ididdddddddiiiii", (int64_t)round, 0.5, (int64_t)2, 0.25, 1.0, 2.0, 3.0, 4.0,
                                    5.0, 6.0, 7.0, (int64_t)3, (int64_t)4, (int64_t)5, (int64_t)6, (int64_t)7);
  check("varargs: 9 doubles (%al = 8, one on the stack) and 7 integers", varsum == round + 0.5 + 2 + 0.25 + 28 + 25);
}

static void call_doubles(int round) {
  double doubles = lazy_probe_doubles(0.5 * round, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5);
  check("10 doubles, 2 on the stack",
        doubles == 0.5 * round + 2 * 1.5 + 3 * 2.5 + 4 * 3.5 + 5 * 4.5 + 6 * 5.5 + 7 * 6.5 + 8 * 7.5 + 9 * 8.5 +
                       10 * 9.5);
}

static void call_big(int round) {
  struct lazy_probe_block block = {{1, 2, 3, 4}};
  check("a 32-byte struct by value on the stack after 6 integers",
        lazy_probe_big(round, 2, 3, 4, 5, 6, block, 9) == round + 20 + 10 + 200 + 3000 + 40000 + 900000);
}

static const struct {
  const char* name;
  void (*call)(int round);
} calls[] = {{"sum8", call_sum8}, {"mix", call_mix}, {"varargs", call_varargs}, {"doubles", call_doubles},
             {"big", call_big}};
#define CALL_COUNT (int)(sizeof calls / sizeof calls[0])

/* Every function once, starting with calls[first]: the one whose call loads the module. */
static void round_of_calls(int round, int first) {
  for (int i = 0; i < CALL_COUNT; ++i) calls[(first + i) % CALL_COUNT].call(round);
}

TESSERA_MODULE_EXPORT int main(int argc, char** argv) {
  if (argc < 2) {
    tessera_printf("lazy-app: no call into lazy-probe\n");
    return 0;
  }
  int through_pointer = strcmp(argv[1], "pointer") == 0;
  int first = argc > 2 ? -1 : 0;
  for (int i = 0; argc > 2 && i < CALL_COUNT; ++i)
    if (strcmp(argv[2], calls[i].name) == 0) first = i;
  if ((!through_pointer && strcmp(argv[1], "call") != 0) || first < 0) {
    tessera_printf("lazy-app: usage: lazy-app [call [sum8|mix|varargs|doubles|big] | pointer]\n");
    return 2;
  }
  if (through_pointer) {
    /* The GOT slot holds the stub: the address the application sees for the function,
     * stable before and after the load. */
    int64_t (*address)(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t) = lazy_probe_sum8;
    check("first call through a function pointer", address(1, 1, 1, 1, 1, 1, 1, 1) == 36);
    check("the function's address is the same after the load", address == lazy_probe_sum8);
  } else {
    tessera_printf("lazy-app: first call: %s\n", calls[first].name);
  }
  round_of_calls(1, first);
  round_of_calls(2, first);
  int64_t inits = 0;
  int64_t count = lazy_probe_calls(&inits);
  int64_t expected = 2 * CALL_COUNT + (through_pointer ? 1 : 0);
  tessera_printf("lazy-app: lazy-probe counted %lld calls, its init ran %lld time(s)\n", (long long)count,
                 (long long)inits);
  check("one load, every call arrived", count == expected && inits == 1);
  if (failures) {
    tessera_printf("lazy-app: %d check(s) failed\n", failures);
    return 1;
  }
  tessera_printf("lazy-app: all calls returned what was passed\n");
  return 0;
}

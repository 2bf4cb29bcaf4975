/* The lazy-probe test module: each function recomputes from its arguments what the
 * caller computed itself, so a register or stack slot clobbered on the way through a lazy
 * stub shows up as a mismatch. Its init refuses to start when /etc/lazy-probe-fail exists
 * on the image: the failing lazy load the tests need. */
#include <stdarg.h>
#include <tessera/module_api.h>

#include "lazy_probe.h"

static int64_t calls;
static int64_t inits;

TESSERA_MODULE_EXPORT int64_t lazy_probe_sum8(int64_t a, int64_t b, int64_t c, int64_t d, int64_t e, int64_t f,
                                              int64_t g, int64_t h) {
  ++calls;
  return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h;
}

TESSERA_MODULE_EXPORT double lazy_probe_mix(int32_t i, double x, const char* text, float y, int64_t j, double z,
                                            int64_t* out) {
  ++calls;
  *out = i * 1000 + (int64_t)strlen(text) * 100 + j;
  return x * 2 + y * 3 + z * 4;
}

TESSERA_MODULE_EXPORT double lazy_probe_varsum(const char* kinds, ...) {
  ++calls;
  va_list args;
  va_start(args, kinds);
  double sum = 0;
  for (const char* kind = kinds; *kind; ++kind) {
    if (*kind == 'i') sum += (double)va_arg(args, int64_t);
    else sum += va_arg(args, double);
  }
  va_end(args);
  return sum;
}

TESSERA_MODULE_EXPORT double lazy_probe_doubles(double x0, double x1, double x2, double x3, double x4, double x5,
                                                double x6, double x7, double x8, double x9) {
  ++calls;
  return x0 + 2 * x1 + 3 * x2 + 4 * x3 + 5 * x4 + 6 * x5 + 7 * x6 + 8 * x7 + 9 * x8 + 10 * x9;
}

TESSERA_MODULE_EXPORT int64_t lazy_probe_big(int64_t a, int64_t b, int64_t c, int64_t d, int64_t e, int64_t f,
                                             struct lazy_probe_block block, int64_t last) {
  ++calls;
  return a + b + c + d + e + f + block.words[0] * 10 + block.words[1] * 100 + block.words[2] * 1000 +
         block.words[3] * 10000 + last * 100000;
}

TESSERA_MODULE_EXPORT int64_t lazy_probe_calls(int64_t* init_count) {
  *init_count = inits;
  return calls;
}

TESSERA_MODULE_EXPORT int lazy_probe_init(void) {
  struct tessera_stat status;
  if (tessera_vfs_stat("/etc/lazy-probe-fail", &status) == 0) {
    tessera_log(TESSERA_LOG_ERROR, "lazy-probe: init refused: /etc/lazy-probe-fail is on the image");
    return -5; /* EIO */
  }
  ++inits;
  tessera_log(TESSERA_LOG_INFO, "lazy-probe: init");
  return 0;
}

TESSERA_MODULE_EXPORT void lazy_probe_exit(void) {
  tessera_log(TESSERA_LOG_INFO, "lazy-probe: exit after %lld calls", (long long)calls);
}

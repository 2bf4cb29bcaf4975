/* What the lazy-probe test module exports (modules/lazy-probe). */
#ifndef TESSERA_MODULES_LAZY_PROBE_H
#define TESSERA_MODULES_LAZY_PROBE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Passed by value: in memory (on the stack), never in registers. */
struct lazy_probe_block {
  int64_t words[4];
};

/* a + 2b + 3c + ... + 8h: two of the eight arguments travel on the stack. */
int64_t lazy_probe_sum8(int64_t a, int64_t b, int64_t c, int64_t d, int64_t e, int64_t f, int64_t g, int64_t h);
/* Integers, a pointer and floating point interleaved; writes a checksum to *out. */
double lazy_probe_mix(int32_t i, double x, const char* text, float y, int64_t j, double z, int64_t* out);
/* Sums the varargs described by `kinds`: 'i' an int64_t, 'd' a double. */
double lazy_probe_varsum(const char* kinds, ...);
/* Ten doubles: eight in registers, two on the stack; returns sum of (k+1)*x_k. */
double lazy_probe_doubles(double x0, double x1, double x2, double x3, double x4, double x5, double x6, double x7,
                          double x8, double x9);
/* A block by value after six integer registers' worth of arguments. */
int64_t lazy_probe_big(int64_t a, int64_t b, int64_t c, int64_t d, int64_t e, int64_t f,
                       struct lazy_probe_block block, int64_t last);
/* How many calls the functions above took, and how many times the module's init ran. */
int64_t lazy_probe_calls(int64_t* inits);

#ifdef __cplusplus
}
#endif

#endif

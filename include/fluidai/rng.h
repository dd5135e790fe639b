/* Counter-based random numbers (public).
 *
 * Philox4x32-10 keyed by (seed, stream, index): a draw depends only on those
 * three numbers, never on thread count, call order or backend.  Key =
 * (seed low word, seed high word); counter = (index low, index high, stream,
 * 0).  With stream 0 and index 0 the first block equals the first four
 * outputs of cuRAND's host Philox4_32_10 generator seeded with `seed`.
 * The arithmetic is in kernels/rng_core.h (FAI_HD); these are host wrappers.
 * Uniforms are odd multiples of 2^-53 in (0,1): 52 random bits, the most that
 * fit strictly inside the interval on an even grid. */
#ifndef FLUIDAI_RNG_H
#define FLUIDAI_RNG_H

#include "fluidai/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Streams in use; each consumer of randomness owns one so draws never overlap. */
enum fai_rng_stream {
  FAI_STREAM_TEST = 0,          /* tests and examples */
  FAI_STREAM_ISL_SURVIVAL = 1,  /* per (snapshot, candidate ISL) Bernoulli survival */
  FAI_STREAM_FAILURE_DRAW = 2,  /* per (draw, snapshot, link) failure realisations */
  FAI_STREAM_WORKLOAD = 3,      /* task arrivals, users, requests */
  FAI_STREAM_ACTIVATION = 4,    /* MoE expert activation draws */
  FAI_STREAM_GENERATOR = 5      /* synthetic instance generators */
};

void fai_rng_block(uint64_t seed, uint32_t stream, uint64_t index, uint32_t out[4]);
double fai_rng_uniform(uint64_t seed, uint32_t stream, uint64_t index);      /* (0,1), 52 bits */
double fai_rng_normal(uint64_t seed, uint32_t stream, uint64_t index);       /* N(0,1), Box-Muller */
double fai_rng_exponential(uint64_t seed, uint32_t stream, uint64_t index);  /* Exp(1) */

/* Zipf(s) over ranks 1..n by inversion of a host-built CDF table. */
typedef struct fai_zipf {
  int n;        /* number of ranks */
  double s;     /* exponent (>= 0) */
  double *cdf;  /* [n], cdf[n-1] == 1 */
} fai_zipf;
int fai_zipf_init(fai_zipf *z, int n, double s);  /* 0 ok, -1 bad args or no memory */
void fai_zipf_free(fai_zipf *z);
int fai_zipf_draw(const fai_zipf *z, uint64_t seed, uint32_t stream, uint64_t index); /* 1..n */

#ifdef __cplusplus
}
#endif
#endif

/* Host wrappers around kernels/rng_core.h, and the Zipf CDF table. */
#include "fluidai/rng.h"

#include <math.h>
#include <stdlib.h>

#include "rng_core.h"

void fai_rng_block(uint64_t seed, uint32_t stream, uint64_t index, uint32_t out[4]) {
  fai_rng_block_hd(seed, stream, index, out);
}

double fai_rng_uniform(uint64_t seed, uint32_t stream, uint64_t index) {
  return fai_rng_u01_hd(seed, stream, index);
}

double fai_rng_normal(uint64_t seed, uint32_t stream, uint64_t index) {
  return fai_rng_normal_hd(seed, stream, index);
}

double fai_rng_exponential(uint64_t seed, uint32_t stream, uint64_t index) {
  return fai_rng_exp_hd(seed, stream, index);
}

/* P(k) = k^-s / H(n,s).  Partial sums are accumulated in index order (a fixed
 * summation order, so the table does not depend on threads) and each is
 * divided by the same total; rounding is monotonic, so the table stays
 * nondecreasing and no entry exceeds 1.  The last entry is then set to
 * exactly 1 so that every u in (0,1) lands on a rank.  O(n) time, n doubles. */
int fai_zipf_init(fai_zipf *z, int n, double s) {
  double total = 0.0;
  int k;
  if (!z) return -1;
  z->n = 0;
  z->s = 0.0;
  z->cdf = NULL;
  if (n < 1 || !isfinite(s) || s < 0.0) return -1;
  z->cdf = (double *)malloc((size_t)n * sizeof *z->cdf);
  if (!z->cdf) return -1;
  for (k = 1; k <= n; ++k) {
    const double w = pow((double)k, -s);
    total += w;
    z->cdf[k - 1] = total; /* unnormalised partial sum for now */
  }
  for (k = 0; k < n; ++k) z->cdf[k] /= total;
  z->cdf[n - 1] = 1.0;
  z->n = n;
  z->s = s;
  return 0;
}

void fai_zipf_free(fai_zipf *z) {
  if (!z) return;
  free(z->cdf);
  z->cdf = NULL;
  z->n = 0;
}

int fai_zipf_draw(const fai_zipf *z, uint64_t seed, uint32_t stream, uint64_t index) {
  return fai_zipf_draw_hd(z->cdf, z->n, fai_rng_u01_hd(seed, stream, index));
}

/* Philox4x32-10 counter-based generator and the draws built on it (internal,
 * shared by gcc and nvcc).
 *
 * A draw is a pure function of (seed, stream, index): key = (seed low word,
 * seed high word), counter = (index low word, index high word, stream, 0).
 * The block function uses only 32x32->64 multiplies, xors and adds on
 * unsigned integers, so host and device produce the same bits, and so do the
 * uniforms (one exact multiply-add of dyadic numbers, see
 * fai_rng_words_to_u01_hd).
 *
 * The exponential and normal draws call log, cos and sqrt.  sqrt is correctly
 * rounded on both sides, but CUDA's double log and cos are specified to within
 * 1 and 2 ulp, so those draws agree between host and device only to a few ulp
 * (relative ~1e-15); compare them with a tolerance, never bit for bit.
 *
 * Reference: Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as
 * 1, 2, 3", SC11 (2011); known-answer vectors in tests/test_rng.c. */
#ifndef FLUIDAI_RNG_CORE_H
#define FLUIDAI_RNG_CORE_H

#include <math.h>

#include "fluidai/common.h"

#define FAI_PHILOX_M0 0xD2511F53u /* multiplier applied to counter word 0 */
#define FAI_PHILOX_M1 0xCD9E8D57u /* multiplier applied to counter word 2 */
#define FAI_PHILOX_W0 0x9E3779B9u /* key[0] bump per round: golden ratio */
#define FAI_PHILOX_W1 0xBB67AE85u /* key[1] bump per round: sqrt(3) - 1 */

/* One Philox S-box round on x (in place) with round key k.  The 64-bit
 * product is formed in uint64_t, so no compiler intrinsic is needed and
 * nvcc emits mul.wide.u32 / mul.hi.u32 with identical results. */
FAI_HD void fai__philox4x32_round(uint32_t x[4], uint32_t k0, uint32_t k1) {
  const uint64_t p0 = (uint64_t)FAI_PHILOX_M0 * (uint64_t)x[0];
  const uint64_t p1 = (uint64_t)FAI_PHILOX_M1 * (uint64_t)x[2];
  const uint32_t hi0 = (uint32_t)(p0 >> 32);
  const uint32_t lo0 = (uint32_t)p0;
  const uint32_t hi1 = (uint32_t)(p1 >> 32);
  const uint32_t lo1 = (uint32_t)p1;
  const uint32_t y0 = hi1 ^ x[1] ^ k0;
  const uint32_t y2 = hi0 ^ x[3] ^ k1;
  x[0] = y0;
  x[1] = lo1;
  x[2] = y2;
  x[3] = lo0;
}

/* Philox4x32 with 10 rounds: out = philox(ctr, key).  out may alias ctr. */
FAI_HD void fai_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]) {
  uint32_t x[4];
  uint32_t k0 = key[0];
  uint32_t k1 = key[1];
  int r;
  x[0] = ctr[0];
  x[1] = ctr[1];
  x[2] = ctr[2];
  x[3] = ctr[3];
  for (r = 0; r < 10; ++r) {
    if (r > 0) {
      k0 += FAI_PHILOX_W0; /* wraps mod 2^32 by definition */
      k1 += FAI_PHILOX_W1;
    }
    fai__philox4x32_round(x, k0, k1);
  }
  out[0] = x[0];
  out[1] = x[1];
  out[2] = x[2];
  out[3] = x[3];
}

/* The 128-bit block for (seed, stream, index). */
FAI_HD void fai_rng_block_hd(uint64_t seed, uint32_t stream, uint64_t index, uint32_t out[4]) {
  uint32_t ctr[4];
  uint32_t key[2];
  ctr[0] = (uint32_t)index;
  ctr[1] = (uint32_t)(index >> 32);
  ctr[2] = stream;
  ctr[3] = 0u;
  key[0] = (uint32_t)seed;
  key[1] = (uint32_t)(seed >> 32);
  fai_philox4x32_10(ctr, key, out);
}

/* Two 32-bit words -> uniform in the open interval (0,1).
 *
 * x = hi·2^32 + lo; j = x >> 12 (the top 52 bits); u = (j + 0.5)·2^-52,
 * i.e. the odd multiples (2j+1)·2^-53 of 2^-53.  j + 0.5 < 2^52 needs at most
 * 53 significant bits, so the sum and the power-of-two scaling are exact:
 * every result is exactly representable, 2^-53 <= u <= 1 - 2^-53, never 0 or
 * 1, each of the 2^52 values equally likely, and the set is symmetric under
 * u -> 1 - u.  Using all 53 high bits with a half-step offset would not be
 * exact: for j >= 2^52 the value (j + 0.5)·2^-53 falls between doubles, the
 * round-to-nearest-even result collides with its neighbours, and the top one
 * rounds to 1.0.  (No set of 2^53 equally spaced doubles fits inside (0,1).) */
FAI_HD double fai_rng_words_to_u01_hd(uint32_t lo, uint32_t hi) {
  const uint64_t x = ((uint64_t)hi << 32) | (uint64_t)lo;
  const uint64_t j = x >> 12;
  return ((double)j + 0.5) * (1.0 / 4503599627370496.0); /* 2^-52 */
}

/* Uniform in (0,1) from words 0 and 1 of the block; bit-identical on host
 * and device. */
FAI_HD double fai_rng_u01_hd(uint64_t seed, uint32_t stream, uint64_t index) {
  uint32_t b[4];
  fai_rng_block_hd(seed, stream, index, b);
  return fai_rng_words_to_u01_hd(b[0], b[1]);
}

/* Two independent uniforms in (0,1) from one block: the returned one from
 * words 0,1 (equal to fai_rng_u01_hd), *second from words 2,3. */
FAI_HD double fai_rng_u01_pair_hd(uint64_t seed, uint32_t stream, uint64_t index, double *second) {
  uint32_t b[4];
  fai_rng_block_hd(seed, stream, index, b);
  *second = fai_rng_words_to_u01_hd(b[2], b[3]);
  return fai_rng_words_to_u01_hd(b[0], b[1]);
}

/* Exp(1) = -log(u), u = fai_rng_u01_hd(...) in (0,1), so the result is finite
 * and positive (at most 53·ln 2 ~ 36.7).  Host/device agree to ~1 ulp. */
FAI_HD double fai_rng_exp_hd(uint64_t seed, uint32_t stream, uint64_t index) {
  return -log(fai_rng_u01_hd(seed, stream, index));
}

/* N(0,1) by Box-Muller on the block's pair (u1, u2):
 * sqrt(-2 log u1)·cos(2π u2).  Only the cosine branch is used, so one block
 * gives one normal and the draw stays a function of (seed, stream, index).
 * u1 in (0,1) keeps the radius finite (|z| < 8.6).  Host/device agree to a
 * few ulp. */
FAI_HD double fai_rng_normal_hd(uint64_t seed, uint32_t stream, uint64_t index) {
  double u2;
  const double u1 = fai_rng_u01_pair_hd(seed, stream, index, &u2);
  return sqrt(-2.0 * log(u1)) * cos(FAI_TWO_PI * u2);
}

/* Zipf rank by inversion of a CDF table cdf[0..n-1] (nondecreasing, cdf[n-1]
 * == 1): the lowest rank k in 1..n with cdf[k-1] >= u.  O(log n).  For u in
 * (0,1) the answer is always in range; a u above cdf[n-1] returns n. */
FAI_HD int fai_zipf_draw_hd(const double *cdf, int n, double u) {
  int lo = 0;     /* invariant: every index < lo has cdf < u */
  int hi = n - 1; /* invariant: cdf[hi] >= u, or hi == n-1 */
  while (lo < hi) {
    const int mid = lo + (hi - lo) / 2;
    if (cdf[mid] >= u)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo + 1;
}

#endif

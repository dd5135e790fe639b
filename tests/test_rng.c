/* Philox4x32-10 generator: published known answers, the cuRAND mapping,
 * the open-interval uniform construction, distribution sanity, determinism. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "fluidai/rng.h"
#include "rng_core.h"

#ifdef FAI_HAVE_CURAND
#include <curand.h>
#endif

#define TWO_M53 (1.0 / 9007199254740992.0) /* 2^-53 */

/* Random123's tests/kat_vectors, philox4x32 10 lines: counter[4] key[2]
 * -> output[4] (the same three lines are in DEShawResearch/Random123-Boost's
 * known-answer test "from the original Random123 distribution"). */
struct philox_kat {
  uint32_t ctr[4];
  uint32_t key[2];
  uint32_t out[4];
};
static const struct philox_kat philox_kats[] = {
    {{0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u},
     {0x00000000u, 0x00000000u},
     {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}},
    {{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
     {0xffffffffu, 0xffffffffu},
     {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}},
    /* hex digits of pi */
    {{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
     {0xa4093822u, 0x299f31d0u},
     {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}},
};

Test(rng, philox4x32_10_reproduces_random123_known_answer_vectors) {
  size_t i;
  int w;
  for (i = 0; i < sizeof philox_kats / sizeof philox_kats[0]; ++i) {
    const struct philox_kat *k = &philox_kats[i];
    uint32_t out[4];
    uint32_t inplace[4];
    fai_philox4x32_10(k->ctr, k->key, out);
    for (w = 0; w < 4; ++w)
      cr_expect_eq(out[w], k->out[w], "kat %zu word %d: got %08x, want %08x", i, w, out[w],
                   k->out[w]);
    /* out may alias ctr */
    for (w = 0; w < 4; ++w) inplace[w] = k->ctr[w];
    fai_philox4x32_10(inplace, k->key, inplace);
    for (w = 0; w < 4; ++w) cr_expect_eq(inplace[w], k->out[w], "kat %zu in place, word %d", i, w);
  }
}

Test(rng, block_keys_by_seed_and_counts_by_index_then_stream) {
  const uint64_t seed = 0xa4093822299f31d0ull;
  const uint64_t index = 0x85a308d3243f6a88ull;
  const uint32_t stream = 0x13198a2eu;
  const uint32_t ctr[4] = {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0u};
  const uint32_t key[2] = {0x299f31d0u, 0xa4093822u};
  uint32_t want[4];
  uint32_t got[4];
  int w;
  fai_philox4x32_10(ctr, key, want);
  fai_rng_block(seed, stream, index, got);
  for (w = 0; w < 4; ++w) cr_expect_eq(got[w], want[w], "word %d", w);
  /* all-zero triple is the first Random123 vector */
  fai_rng_block(0, 0, 0, got);
  for (w = 0; w < 4; ++w) cr_expect_eq(got[w], philox_kats[0].out[w], "zero block word %d", w);
}

#ifdef FAI_HAVE_CURAND
static const uint64_t curand_seeds[] = {0x0123456789ABCDEFull, 0ull, 42ull};

/* Creates a host Philox generator with the given seed, ordering and offset
 * (in 32-bit outputs) and fills out[n]; returns the first failing status. */
static curandStatus_t curand_philox_host(uint64_t seed, int ordering, unsigned long long offset,
                                         unsigned int *out, size_t n) {
  curandGenerator_t g;
  curandStatus_t st = curandCreateGeneratorHost(&g, CURAND_RNG_PSEUDO_PHILOX4_32_10);
  if (st != CURAND_STATUS_SUCCESS) return st;
  st = curandSetPseudoRandomGeneratorSeed(g, (unsigned long long)seed);
  if (st == CURAND_STATUS_SUCCESS && ordering >= 0)
    st = curandSetGeneratorOrdering(g, (curandOrdering_t)ordering);
  if (st == CURAND_STATUS_SUCCESS && offset) st = curandSetGeneratorOffset(g, offset);
  if (st == CURAND_STATUS_SUCCESS) st = curandGenerate(g, out, n);
  curandDestroyGenerator(g);
  return st;
}
#endif

/* The statement in rng.h: stream 0, index 0 is cuRAND's first four outputs. */
Test(rng, block_equals_first_four_outputs_of_curand_host_philox) {
#ifndef FAI_HAVE_CURAND
  cr_skip(
      "cuRAND cross-check not built: FAI_HAVE_CURAND undefined (no CUDA toolkit with "
      "curand.h found by the Makefile)");
#else
  size_t s;
  int w;
  for (s = 0; s < sizeof curand_seeds / sizeof curand_seeds[0]; ++s) {
    unsigned int cu[8];
    uint32_t b[4];
    const curandStatus_t st = curand_philox_host(curand_seeds[s], -1, 0, cu, 8);
    cr_assert_eq(st, CURAND_STATUS_SUCCESS, "cuRAND host generator failed: status %d", (int)st);
    fai_rng_block(curand_seeds[s], 0, 0, b);
    for (w = 0; w < 4; ++w)
      cr_expect_eq(b[w], cu[w], "seed %016llx word %d: fai %08x, cuRAND %08x",
                   (unsigned long long)curand_seeds[s], w, b[w], cu[w]);
  }
#endif
}

/* Beyond the first block, cuRAND's host generator (CUDA 13.0, default and
 * LEGACY orderings alike) runs 65536 subsequences side by side: its 32-bit
 * output q (after a generator offset o, q counts from o) is word q mod 4 of
 * fai_rng_block(seed, p mod 65536, p div 65536) with p = q div 4.  Pinned with
 * CURAND_ORDERING_PSEUDO_LEGACY, which cuRAND promises never to change. */
Test(rng, curand_host_philox_output_p_is_block_of_stream_p_mod_65536) {
#ifndef FAI_HAVE_CURAND
  cr_skip(
      "cuRAND cross-check not built: FAI_HAVE_CURAND undefined (no CUDA toolkit with "
      "curand.h found by the Makefile)");
#else
  const size_t nblocks = 3 * 65536 + 5;
  const uint64_t seed = curand_seeds[0];
  static const size_t probe[] = {0, 1, 2, 15, 65535, 65536, 65537, 131071, 131072, 196612};
  unsigned int *cu = (unsigned int *)malloc(4 * nblocks * sizeof *cu);
  unsigned int shifted[8];
  uint32_t b[4];
  curandStatus_t st;
  size_t i;
  int w;
  cr_assert_not_null(cu, "out of memory");
  st = curand_philox_host(seed, CURAND_ORDERING_PSEUDO_LEGACY, 0, cu, 4 * nblocks);
  cr_assert_eq(st, CURAND_STATUS_SUCCESS, "cuRAND host generator failed: status %d", (int)st);
  for (i = 0; i < sizeof probe / sizeof probe[0]; ++i) {
    const size_t p = probe[i];
    fai_rng_block(seed, (uint32_t)(p % 65536), (uint64_t)(p / 65536), b);
    for (w = 0; w < 4; ++w)
      cr_expect_eq(b[w], cu[4 * p + (size_t)w], "block %zu word %d: fai %08x, cuRAND %08x", p, w,
                   b[w], cu[4 * p + (size_t)w]);
  }
  /* the generator offset counts 32-bit outputs of that flat sequence */
  st = curand_philox_host(seed, CURAND_ORDERING_PSEUDO_LEGACY, 4 * 65536 + 3, shifted, 8);
  cr_assert_eq(st, CURAND_STATUS_SUCCESS, "cuRAND offset run failed: status %d", (int)st);
  for (i = 0; i < 8; ++i) cr_expect_eq(shifted[i], cu[4 * 65536 + 3 + i], "offset output %zu", i);
  free(cu);
#endif
}

Test(rng, u01_construction_stays_strictly_inside_zero_one_at_extreme_words) {
  const double lo = fai_rng_words_to_u01_hd(0u, 0u);
  const double hi = fai_rng_words_to_u01_hd(0xffffffffu, 0xffffffffu);
  cr_expect(lo > 0.0 && lo == TWO_M53, "all-zero words: %a, want 0x1p-53", lo);
  cr_expect(hi < 1.0 && hi == 1.0 - TWO_M53, "all-one words: %a, want 1 - 0x1p-53", hi);
  /* the low 12 bits of the 64-bit word are dropped, the next one counts */
  cr_expect_eq(fai_rng_words_to_u01_hd(0x00000fffu, 0u), TWO_M53, "low 12 bits ignored");
  cr_expect_eq(fai_rng_words_to_u01_hd(0x00001000u, 0u), 3.0 * TWO_M53, "bit 12 is the lsb");
  cr_expect_eq(fai_rng_words_to_u01_hd(0u, 0x80000000u), 0.5 + TWO_M53, "top bit is 1/2");
  cr_expect_eq(fai_rng_words_to_u01_hd(0xffffffffu, 0x7fffffffu), 0.5 - TWO_M53, "just below 1/2");
}

Test(rng, u01_values_are_odd_multiples_of_2_pow_minus_53_and_symmetric) {
  uint64_t i;
  for (i = 0; i < 100000; ++i) {
    uint32_t b[4];
    double u, m;
    fai_rng_block(7, FAI_STREAM_TEST, i, b);
    u = fai_rng_words_to_u01_hd(b[0], b[1]);
    m = u * 9007199254740992.0; /* exact: power-of-two scaling */
    cr_assert(u > 0.0 && u < 1.0, "index %llu: u = %a", (unsigned long long)i, u);
    cr_assert(m == floor(m) && fmod(m, 2.0) == 1.0, "index %llu: u = %a not on the grid",
              (unsigned long long)i, u);
    /* complementing the words maps u to exactly 1 - u */
    cr_assert_eq(fai_rng_words_to_u01_hd(~b[0], ~b[1]), 1.0 - u, "index %llu",
                 (unsigned long long)i);
  }
}

Test(rng, pair_draws_words_0_1_then_2_3_of_the_same_block) {
  uint64_t i;
  for (i = 0; i < 1000; ++i) {
    uint32_t b[4];
    double second = -1.0;
    const double first = fai_rng_u01_pair_hd(99, 3, i, &second);
    fai_rng_block(99, 3, i, b);
    cr_assert_eq(first, fai_rng_words_to_u01_hd(b[0], b[1]), "index %llu", (unsigned long long)i);
    cr_assert_eq(second, fai_rng_words_to_u01_hd(b[2], b[3]), "index %llu", (unsigned long long)i);
    cr_assert_eq(first, fai_rng_uniform(99, 3, i), "index %llu", (unsigned long long)i);
  }
}

Test(rng, host_wrappers_return_the_core_functions_bits) {
  uint64_t i;
  for (i = 0; i < 1000; ++i) {
    double u2;
    const double u1 = fai_rng_u01_pair_hd(5, 2, i, &u2);
    cr_assert_eq(fai_rng_uniform(5, 2, i), fai_rng_u01_hd(5, 2, i));
    cr_assert_eq(fai_rng_exponential(5, 2, i), -log(u1));
    cr_assert_eq(fai_rng_normal(5, 2, i), sqrt(-2.0 * log(u1)) * cos(FAI_TWO_PI * u2));
  }
}

/* Sample moments of n draws of f(seed, stream, index), index = 0..n-1. */
struct moments {
  double mean, var, skew, exkurt;
};
static struct moments sample_moments(double (*f)(uint64_t, uint32_t, uint64_t), uint64_t seed,
                                     uint32_t stream, uint64_t n) {
  double s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0;
  struct moments m;
  uint64_t i;
  for (i = 0; i < n; ++i) s1 += f(seed, stream, i);
  m.mean = s1 / (double)n;
  for (i = 0; i < n; ++i) {
    const double d = f(seed, stream, i) - m.mean;
    s2 += d * d;
    s3 += d * d * d;
    s4 += d * d * d * d;
  }
  m.var = s2 / (double)(n - 1);
  m.skew = (s3 / (double)n) / pow(s2 / (double)n, 1.5);
  m.exkurt = (s4 / (double)n) / ((s2 / (double)n) * (s2 / (double)n)) - 3.0;
  return m;
}

#define N_STAT 1000000

/* 5-sigma bands: sd(mean) = sqrt(var/N); sd(sample var) = sqrt((mu4 - var^2)/N). */
Test(rng, uniform_mean_and_variance_within_5_sigma) {
  const struct moments m = sample_moments(fai_rng_uniform, 20240601, FAI_STREAM_TEST, N_STAT);
  const double sd_mean = sqrt(1.0 / 12.0 / N_STAT);
  const double sd_var = sqrt((1.0 / 80.0 - 1.0 / 144.0) / N_STAT);
  cr_expect(fabs(m.mean - 0.5) < 5.0 * sd_mean, "mean %.8f", m.mean);
  cr_expect(fabs(m.var - 1.0 / 12.0) < 5.0 * sd_var, "variance %.8f, want %.8f", m.var, 1.0 / 12.0);
}

Test(rng, uniform_histogram_passes_chi_square) {
  enum { BINS = 100 };
  long count[BINS] = {0};
  const double expect = (double)N_STAT / BINS;
  double chi2 = 0.0;
  uint64_t i;
  int b;
  for (i = 0; i < N_STAT; ++i) ++count[(int)(fai_rng_uniform(11, FAI_STREAM_TEST, i) * BINS)];
  for (b = 0; b < BINS; ++b) chi2 += (count[b] - expect) * (count[b] - expect) / expect;
  /* df = 99, sd = 14: 99 + 6 sd */
  cr_expect(chi2 < 183.0, "chi-square %.1f over %d bins", chi2, BINS);
}

Test(rng, normal_moments_within_5_sigma) {
  const struct moments m = sample_moments(fai_rng_normal, 31337, FAI_STREAM_TEST, N_STAT);
  cr_expect(fabs(m.mean) < 5.0 * sqrt(1.0 / N_STAT), "mean %.6f", m.mean);
  cr_expect(fabs(m.var - 1.0) < 5.0 * sqrt(2.0 / N_STAT), "variance %.6f", m.var);
  cr_expect(fabs(m.skew) < 5.0 * sqrt(6.0 / N_STAT), "skewness %.6f", m.skew);
  cr_expect(fabs(m.exkurt) < 5.0 * sqrt(24.0 / N_STAT), "excess kurtosis %.6f", m.exkurt);
}

Test(rng, normal_tail_fractions_match_phi) {
  long beyond1 = 0, beyond2 = 0;
  uint64_t i;
  for (i = 0; i < N_STAT; ++i) {
    const double z = fabs(fai_rng_normal(8, FAI_STREAM_TEST, i));
    beyond1 += z > 1.0;
    beyond2 += z > 2.0;
  }
  /* P(|Z| > 1) = erfc(1/sqrt 2), P(|Z| > 2) = erfc(sqrt 2); binomial 5 sigma */
  {
    const double p1 = erfc(1.0 / sqrt(2.0)), p2 = erfc(sqrt(2.0));
    cr_expect(fabs(beyond1 - N_STAT * p1) < 5.0 * sqrt(N_STAT * p1 * (1 - p1)), "|z|>1: %ld",
              beyond1);
    cr_expect(fabs(beyond2 - N_STAT * p2) < 5.0 * sqrt(N_STAT * p2 * (1 - p2)), "|z|>2: %ld",
              beyond2);
  }
}

Test(rng, exponential_mean_and_variance_within_5_sigma) {
  const struct moments m = sample_moments(fai_rng_exponential, 4242, FAI_STREAM_TEST, N_STAT);
  cr_expect(fabs(m.mean - 1.0) < 5.0 * sqrt(1.0 / N_STAT), "mean %.6f", m.mean);
  /* mu4 of Exp(1) is 9 */
  cr_expect(fabs(m.var - 1.0) < 5.0 * sqrt(8.0 / N_STAT), "variance %.6f", m.var);
}

Test(rng, zipf_init_rejects_bad_arguments) {
  fai_zipf z;
  cr_expect_eq(fai_zipf_init(&z, 0, 1.0), -1, "n = 0");
  cr_expect_null(z.cdf, "no table after a rejected init");
  cr_expect_eq(fai_zipf_init(&z, -3, 1.0), -1, "n < 0");
  cr_expect_eq(fai_zipf_init(&z, 10, -0.5), -1, "s < 0");
  cr_expect_eq(fai_zipf_init(&z, 10, NAN), -1, "s = NaN");
  cr_expect_eq(fai_zipf_init(&z, 10, INFINITY), -1, "s = inf");
  cr_expect_eq(fai_zipf_init(NULL, 10, 1.0), -1, "z = NULL");
  fai_zipf_free(&z);
  fai_zipf_free(NULL);
}

Test(rng, zipf_cdf_is_nondecreasing_and_ends_at_exactly_one) {
  static const int ns[] = {1, 2, 7, 1000};
  static const double ss[] = {0.0, 0.5, 1.0, 2.5};
  size_t a, b;
  for (a = 0; a < sizeof ns / sizeof ns[0]; ++a)
    for (b = 0; b < sizeof ss / sizeof ss[0]; ++b) {
      fai_zipf z;
      int k;
      cr_assert_eq(fai_zipf_init(&z, ns[a], ss[b]), 0, "n %d s %g", ns[a], ss[b]);
      cr_expect_eq(z.n, ns[a]);
      cr_expect_eq(z.s, ss[b]);
      cr_expect_eq(z.cdf[z.n - 1], 1.0, "n %d s %g: last %a", ns[a], ss[b], z.cdf[z.n - 1]);
      cr_expect(z.cdf[0] > 0.0, "n %d s %g", ns[a], ss[b]);
      for (k = 1; k < z.n; ++k)
        cr_expect(z.cdf[k] >= z.cdf[k - 1], "n %d s %g: cdf[%d] < cdf[%d]", ns[a], ss[b], k, k - 1);
      if (ss[b] == 0.0) /* uniform */
        cr_expect(fabs(z.cdf[0] - 1.0 / ns[a]) < 1e-15, "n %d: cdf[0] %g", ns[a], z.cdf[0]);
      fai_zipf_free(&z);
      cr_expect_null(z.cdf);
    }
}

Test(rng, zipf_draw_returns_lowest_rank_whose_cdf_reaches_u) {
  static const double cdf[] = {0.25, 0.5, 0.5, 0.75, 1.0};
  cr_expect_eq(fai_zipf_draw_hd(cdf, 5, TWO_M53), 1);
  cr_expect_eq(fai_zipf_draw_hd(cdf, 5, 0.25), 1, "cdf == u counts");
  cr_expect_eq(fai_zipf_draw_hd(cdf, 5, 0.2500001), 2);
  cr_expect_eq(fai_zipf_draw_hd(cdf, 5, 0.5), 2, "rank 3 has zero mass");
  cr_expect_eq(fai_zipf_draw_hd(cdf, 5, 0.5000001), 4);
  cr_expect_eq(fai_zipf_draw_hd(cdf, 5, 0.75), 4);
  cr_expect_eq(fai_zipf_draw_hd(cdf, 5, 1.0 - TWO_M53), 5);
  cr_expect_eq(fai_zipf_draw_hd(cdf, 1, 0.9), 1, "n = 1");
}

Test(rng, zipf_frequencies_match_pmf_chi_square) {
  enum { N = 50 };
  const double s = 1.2;
  long count[N] = {0};
  double norm = 0.0, chi2 = 0.0;
  fai_zipf z;
  uint64_t i;
  int k;
  cr_assert_eq(fai_zipf_init(&z, N, s), 0);
  for (i = 0; i < N_STAT; ++i) {
    const int r = fai_zipf_draw(&z, 777, FAI_STREAM_WORKLOAD, i);
    cr_assert(r >= 1 && r <= N, "rank %d out of range", r);
    ++count[r - 1];
  }
  for (k = 1; k <= N; ++k) norm += pow(k, -s);
  for (k = 1; k <= N; ++k) {
    const double e = N_STAT * pow(k, -s) / norm;
    chi2 += (count[k - 1] - e) * (count[k - 1] - e) / e;
  }
  /* df = 49, sd = 9.9: 49 + 6 sd */
  cr_expect(chi2 < 109.0, "chi-square %.1f over %d ranks", chi2, N);
  fai_zipf_free(&z);
}

Test(rng, same_triple_gives_same_draw_and_streams_seeds_indices_differ) {
  uint64_t i;
  int same_stream = 0, same_seed = 0, same_index = 0;
  for (i = 0; i < 10000; ++i) {
    uint32_t a[4], b[4], c[4], d[4], e[4];
    fai_rng_block(123, FAI_STREAM_ISL_SURVIVAL, i, a);
    fai_rng_block(123, FAI_STREAM_ISL_SURVIVAL, i, b);
    fai_rng_block(123, FAI_STREAM_FAILURE_DRAW, i, c);
    fai_rng_block(124, FAI_STREAM_ISL_SURVIVAL, i, d);
    fai_rng_block(123, FAI_STREAM_ISL_SURVIVAL, i + 1, e);
    cr_assert(a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3], "index %llu",
              (unsigned long long)i);
    cr_assert_eq(fai_rng_uniform(123, 1, i), fai_rng_uniform(123, 1, i));
    cr_assert_eq(fai_rng_normal(123, 1, i), fai_rng_normal(123, 1, i));
    same_stream += a[0] == c[0] && a[1] == c[1];
    same_seed += a[0] == d[0] && a[1] == d[1];
    same_index += a[0] == e[0] && a[1] == e[1];
  }
  cr_expect_eq(same_stream, 0, "streams 1 and 2 share %d of 10000 draws", same_stream);
  cr_expect_eq(same_seed, 0, "seeds 123 and 124 share %d of 10000 draws", same_seed);
  cr_expect_eq(same_index, 0, "consecutive indices repeat %d times", same_index);
}

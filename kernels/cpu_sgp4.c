/* The cpu backend's SGP4 block: each stage of sgp4_core.h as one loop over
 * a block of satellites at one snapshot, which gcc vectorises (`omp simd`;
 * check with -fopt-info-vec), the lanes' intermediate state in local arrays
 * (~25 KiB, in L1).
 *
 * Built with -fno-trapping-math (Makefile): under the default
 * -ftrapping-math gcc will not if-convert a select whose arm it has sunk
 * into a branch (a subtraction "could trap"), and so vectorises none of
 * these loops except with AVX-512 masking.  The flag changes no rounding
 * (no re-association, no contraction, no reciprocals: those are other
 * flags); it only lets operations whose exceptions nobody reads run
 * unconditionally.  The test suite compares this file's output with
 * fai__sgp4_ecef's (built with the default flags) byte for byte. */
#include "cpu_sgp4.h"

#include <math.h>

#include "sgp4_core.h"

/* Runtime dispatch to wider vectors where the CPU has them.  The clones run
 * the same IEEE operations in the same order (no FMA: -ffp-contract=off), so
 * their bits are the default clone's.  -DFAI_SGP4_NO_CLONES builds the
 * baseline (SSE2) code only, e.g. to time it. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(FAI_SGP4_NO_CLONES)
#define CPU_SGP4_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CPU_SGP4_CLONES
#endif

CPU_SGP4_CLONES
void fai__cpu_sgp4_block(const fai_sgp4_batch *bp, int j0, int nb, int t, double dt_min,
                         double cg, double sg, double *pos, double *vel, double *pos_teme,
                         int8_t *code) {
  enum { B = FAI_CPU_SGP4_BLOCK };
  /* A local copy: its array pointers are visibly loop-invariant. */
  const fai_sgp4_batch bl = *bp;
  const fai_sgp4_batch *b = &bl;
  double am[B], nm[B], axnl[B], aynl[B], u[B], node[B], err1[B];
  double eo1[B], sineo1[B], coseo1[B], tem5[B], more[B];
  double p[3][B], v[3][B], te[3][B], cd[B];
  int l, k;
#pragma omp simd
  for (l = 0; l < nb; ++l) {
    const int j = j0 + l;
    err1[l] = fai_sgp4_secular(b, j, dt_min - b->epoch_min[j], &am[l], &nm[l], &axnl[l],
                               &aynl[l], &u[l], &node[l]);
    eo1[l] = u[l];
    sineo1[l] = 0.0;
    coseo1[l] = 0.0;
    tem5[l] = 9999.9;
  }
  /* Newton on Kepler's equation until every lane has converged: extra steps
   * leave a converged lane unchanged, so each lane gets the scalar loop's
   * result. */
  for (k = 0; k < FAI_SGP4_KEPLER_MAX; ++k) {
    double any = 0.0;
#pragma omp simd
    for (l = 0; l < nb; ++l)
      more[l] = fai_sgp4_kepler_step(u[l], axnl[l], aynl[l], &eo1[l], &sineo1[l], &coseo1[l],
                                     &tem5[l]);
    for (l = 0; l < nb; ++l) any = more[l] > any ? more[l] : any;
    if (any == 0.0) break;
  }
#pragma omp simd
  for (l = 0; l < nb; ++l) {
    const int j = j0 + l;
    double rx, ry, rz, vx, vy, vz;
    const double e2 = fai_sgp4_short_period(b, j, am[l], nm[l], axnl[l], aynl[l], node[l],
                                            sineo1[l], coseo1[l], &rx, &ry, &rz, &vx, &vy, &vz);
    cd[l] = err1[l] != 0.0 ? 1.0 : e2;
    fai_sgp4_to_ecef(cg, sg, rx, ry, rz, vx, vy, vz, &p[0][l], &v[0][l], &te[0][l], B);
  }
  for (l = 0; l < nb; ++l) {
    const int j = j0 + l;
    const size_t row = (size_t)t * (size_t)b->n_out + (size_t)(b->out_index ? b->out_index[j] : j);
    const int bad = cd[l] != 0.0;
    for (k = 0; k < 3; ++k) {
      pos[3 * row + k] = bad ? NAN : p[k][l];
      if (vel) vel[3 * row + k] = bad ? NAN : v[k][l];
      if (pos_teme) pos_teme[3 * row + k] = bad ? NAN : te[k][l];
    }
    if (code) code[row] = (int8_t)cd[l];
  }
}

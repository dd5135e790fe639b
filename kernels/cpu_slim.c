/* The cpu backend's SlimCaching ops.  moe_latency: an OpenMP loop over
 * (placement, user) items calling fai_mc_user (kernels/cache_core.h); each
 * item writes its own per-layer values and user sum, and placement totals
 * add users in index order afterwards.  moe_gains: an OpenMP loop over
 * (node, layer, mask) items calling fai_mc_gain.  The bytes do not depend on
 * the thread count; long batches run in chunks polling fai_interrupted(). */
#include <omp.h>
#include <stdlib.h>

#include "cache_core.h"
#include "cpu_slim.h"
#include "fluidai/log.h"

#define CPU_CHUNK_MOE (1 << 12) /* (placement, user) items per interrupt poll */

fai_status fai_cpu_moe_latency(const fai_backend *be, const fai_moe_view *v, int n_place,
                               const uint8_t *x, double *lat, double *total, fai_error *err) {
  const int nt = be->threads > 0 ? be->threads : omp_get_max_threads();
  fai_status st = fai__moe_view_check("moe_latency", v, n_place, err);
  if (st != FAI_OK) return st;
  const int64_t n = (int64_t)n_place * v->U;
  const size_t xs = (size_t)v->V * v->L * v->E;
  if (n == 0) {
    for (int c = 0; c < n_place && total; c++) total[c] = 0.0;
    return FAI_OK;
  }
  double *su = malloc((size_t)n * sizeof *su);
  if (!su) return fai_error_set(err, FAI_ENOMEM, "moe_latency: cannot allocate %lld values", (long long)n);
  for (int64_t c0 = 0; c0 < n; c0 += CPU_CHUNK_MOE) {
    const int64_t c1 = c0 + CPU_CHUNK_MOE < n ? c0 + CPU_CHUNK_MOE : n;
    if (fai_interrupted()) {
      free(su);
      return fai_error_set(err, FAI_EINTR, "moe_latency interrupted after %lld of %lld items",
                           (long long)c0, (long long)n);
    }
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (c1 - c0 > 1)
    for (int64_t i = c0; i < c1; i++) {
      const int64_t c = i / v->U;
      const int u = (int)(i % v->U);
      su[i] = fai_mc_user(v, u, x + (size_t)c * xs, lat ? lat + (size_t)i * v->L : NULL);
    }
  }
  if (total)
    for (int c = 0; c < n_place; c++) {
      double s = 0.0;
      for (int u = 0; u < v->U; u++) s += v->w[u] * su[(size_t)c * v->U + u];
      total[c] = s;
    }
  free(su);
  return FAI_OK;
}

#define CPU_CHUNK_MOE_GAINS (1 << 14) /* (node, layer, mask) items per interrupt poll */

fai_status fai_cpu_moe_gains(const fai_backend *be, const fai_moe_view *v, const double *cur,
                             int64_t n, const int *node, const int *layer, const uint64_t *mask,
                             double *gain, fai_error *err) {
  const int nt = be->threads > 0 ? be->threads : omp_get_max_threads();
  fai_status st = fai__moe_view_check("moe_gains", v, 0, err);
  if (st != FAI_OK) return st;
  if (n < 0 || (n > 0 && (!cur || !node || !layer || !mask || !gain)))
    return fai_error_set(err, FAI_EINVAL, "moe_gains: bad arguments");
  for (int64_t c0 = 0; c0 < n; c0 += CPU_CHUNK_MOE_GAINS) {
    const int64_t c1 = c0 + CPU_CHUNK_MOE_GAINS < n ? c0 + CPU_CHUNK_MOE_GAINS : n;
    if (fai_interrupted())
      return fai_error_set(err, FAI_EINTR, "moe_gains interrupted after %lld of %lld items", (long long)c0,
                           (long long)n);
#pragma omp parallel for num_threads(nt) schedule(dynamic, 64) if (c1 - c0 > 64)
    for (int64_t q = c0; q < c1; q++) gain[q] = fai_mc_gain(v, cur, node[q], layer[q], mask[q]);
  }
  return FAI_OK;
}

/* Per-item arithmetic of cache placement evaluation (internal; gcc and nvcc).
 *
 * Two items, each O(links of the item) with no transcendental functions:
 *   * fai_cc_user_hit(t, k): Σ_i p[k][i] · [some cache m holding i reaches k
 *     in snapshot t] — H_t is (1/K) Σ_k of it, summed in k order;
 *   * fai_cc_gain(m, i): Σ_t Σ_{links (t,m,k)} p[k][i] · a · (1 − covered)
 *     — the hit-ratio gain of adding i to m times T·K, given the requests
 *     already served (bit (t·K + k)·I + i of `covered`).
 * The backend operations cache_gains and cache_eval (kernels/cpu_backend.c,
 * kernels/cuda_backend.cu) call them over the same flat arrays (fai_cc_view
 * lists every array a device copy needs); solvers/caching/ calls them
 * directly only for single items. */
#ifndef FLUIDAI_CACHE_CORE_H
#define FLUIDAI_CACHE_CORE_H

#include "fluidai/backend.h"
#include "fluidai/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The flat arrays (struct fai_cache_view in fluidai/backend.h). */
typedef fai_cache_view fai_cc_view;

FAI_HD int fai_cc_bit(const uint32_t *bits, int64_t b) {
  return (int)((bits[b >> 5] >> (b & 31)) & 1u);
}

/* Can link e (user k) deliver model i in time? */
FAI_HD int fai_cc_deliver(const fai_cc_view *v, int64_t e, int k, int i) {
  if (v->link_rate_bps) return v->link_rate_bps[e] >= v->req_rate_bps[(size_t)k * v->I + i];
  return fai_cc_bit(v->link_mask + (size_t)e * v->mask_words, i);
}

/* Served request mass of user k in snapshot t under placement x[M][I]. */
FAI_HD double fai_cc_user_hit(const fai_cc_view *v, int t, int k, const uint8_t *x) {
  const int64_t b = v->tk_off[(size_t)t * v->K + k], e_end = v->tk_off[(size_t)t * v->K + k + 1];
  const double *pk = v->p + (size_t)k * v->I;
  double s = 0.0;
  for (int i = 0; i < v->I; i++) {
    if (pk[i] == 0.0) continue;
    for (int64_t q = b; q < e_end; q++) {
      const int64_t e = v->tk_link[q];
      if (x[(size_t)v->link_server[e] * v->I + i] && fai_cc_deliver(v, e, k, i)) {
        s += pk[i];
        break;
      }
    }
  }
  return s;
}

/* Unnormalised marginal gain of placing model i on cache m (× T·K).
 * covered may be NULL (nothing served yet). */
FAI_HD double fai_cc_gain(const fai_cc_view *v, int m, int i, const uint32_t *covered) {
  double s = 0.0;
  for (int t = 0; t < v->T; t++) {
    const int64_t e0 = v->tm_off[(size_t)t * v->M + m], e1 = v->tm_off[(size_t)t * v->M + m + 1];
    for (int64_t e = e0; e < e1; e++) {
      const int k = v->link_user[e];
      const double pk = v->p[(size_t)k * v->I + i];
      if (pk == 0.0 || !fai_cc_deliver(v, e, k, i)) continue;
      if (covered && fai_cc_bit(covered, ((int64_t)t * v->K + k) * v->I + i)) continue;
      s += pk;
    }
  }
  return s;
}

/* Unnormalised request mass of model i that cache m's links reach at all
 * (coverage only, ignoring latency): the popularity baseline's score. */
FAI_HD double fai_cc_demand(const fai_cc_view *v, int m, int i) {
  double s = 0.0;
  for (int t = 0; t < v->T; t++) {
    const int64_t e0 = v->tm_off[(size_t)t * v->M + m], e1 = v->tm_off[(size_t)t * v->M + m + 1];
    for (int64_t e = e0; e < e1; e++) s += v->p[(size_t)v->link_user[e] * v->I + i];
  }
  return s;
}

/* Checks shared by both backends (argument shapes only). */
static inline fai_status fai__cache_view_check(const char *op, const fai_cc_view *v, int64_t n,
                                               fai_error *err) {
  if (!v || v->T < 0 || v->M < 0 || v->K < 0 || v->I < 0 || n < 0)
    return fai_error_set(err, FAI_EINVAL, "%s: bad dimensions", op);
  if ((int64_t)v->T * v->M > 0 && !v->tm_off)
    return fai_error_set(err, FAI_EINVAL, "%s: missing link index", op);
  if (!v->link_rate_bps && !v->link_mask && v->tm_off && v->tm_off[(size_t)v->T * v->M] > 0)
    return fai_error_set(err, FAI_EINVAL, "%s: links have neither rates nor masks", op);
  return FAI_OK;
}

#ifdef __cplusplus
}
#endif
#endif

/* Per-item arithmetic of cache placement evaluation (internal; gcc and nvcc).
 *
 * Two items, each O(links of the item) with no transcendental functions:
 *   * fai_cc_user_hit(t, k): Σ_i p[k][i] · [some cache m holding i reaches k
 *     in snapshot t] — H_t is (1/K) Σ_k of it, summed in k order;
 *   * fai_cc_gain(m, i): Σ_t Σ_{links (t,m,k)} p[k][i] · a · (1 − covered)
 *     — the hit-ratio gain of adding i to m times T·K, given the requests
 *     already served (bit (t·K + k)·I + i of `covered`).
 * Today OpenMP loops in solvers/caching/ call them; a cuda backend will call
 * the same functions from kernels over the same flat arrays (fai_cc_view
 * lists every array a device copy needs). */
#ifndef FLUIDAI_CACHE_CORE_H
#define FLUIDAI_CACHE_CORE_H

#include "fluidai/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fai_cc_view {
  int T, M, K, I;
  int mask_words;               /* (I + 31) / 32 */
  const int64_t *tm_off;        /* [T·M + 1] */
  const int *link_user;         /* [E] */
  const int *link_server;       /* [E] */
  const double *link_rate_bps;  /* [E] or NULL (then link_mask) */
  const uint32_t *link_mask;    /* [E][mask_words] or NULL */
  const double *req_rate_bps;   /* [K][I] */
  const int64_t *tk_off;        /* [T·K + 1] */
  const int64_t *tk_link;       /* [E] */
  const double *p;              /* [K][I] */
} fai_cc_view;

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

#ifdef __cplusplus
}
#endif
#endif

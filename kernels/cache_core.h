/* Per-item arithmetic of cache placement evaluation (internal; gcc and nvcc).
 *
 * Two items, each O(links of the item) with no transcendental functions:
 *   * fai_cc_user_hit(t, k): Σ_i p[k][i] · [some cache m holding i reaches k
 *     in snapshot t] — H_t is (1/K) Σ_k of it, summed in k order;
 *   * fai_cc_gain(m, i): Σ_t Σ_{links (t,m,k)} p[k][i] · a · (1 − covered)
 *     — the hit-ratio gain of adding i to m times T·K, given the requests
 *     already served (bit (i·T + t)·K + k of `covered`: model-major, so one
 *     gain reads one model's T·K bits, not bits I apart across T·K·I).
 * The backend operations cache_gains and cache_eval (kernels/cpu_backend.c,
 * kernels/cuda_backend.cu) call them over the same flat arrays (fai_cc_view
 * lists every array a device copy needs); solvers/caching/ calls them
 * directly only for single items.  The SlimCaching part (fai_mc_*, below)
 * evaluates MoE expert placements the same way. */
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
      if (covered && fai_cc_bit(covered, ((int64_t)i * v->T + t) * v->K + k)) continue;
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

/* ---- SlimCaching: expected MoE latency (fai_moe_view in fluidai/backend.h) ----
 *
 * Per (user, layer): τ_{u,l,e}(x) for the layer's experts, then the expected
 * layer latency Σ_S π_{u,l}(S) · max_{e∈S} τ_{u,l,e}.  Minima and maxima are
 * comparisons (no fmin/fmax: identical on host and device for the finite or
 * +INFINITY values involved).  The backend op moe_latency runs
 * fai_mc_user over (placement, user) items; solvers/caching/slim_solve.c
 * calls fai_mc_user_gain for single greedy gains. */

#define FAI_MC_MAX_EXPERTS 64 /* experts per layer (sets are 64-bit masks) */

/* Index of the lowest set bit of b != 0. */
FAI_HD int fai_mc_ctz(uint64_t b) {
#ifdef __CUDA_ARCH__
  return __ffsll((long long)b) - 1;
#else
  return __builtin_ctzll(b);
#endif
}

/* cur[e] = τ_{u,l,e}(x) for e < E; x is [V][L][E]. */
FAI_HD void fai_mc_access(const fai_moe_view *v, int u, int l, const uint8_t *x, double *cur) {
  const double far = v->tau_far[(size_t)u * v->L + l];
  for (int e = 0; e < v->E; e++) {
    double t = far;
    for (int n = 0; n < v->V; n++)
      if (x[((size_t)n * v->L + l) * v->E + e]) {
        const double tn = v->tau[((size_t)u * v->V + n) * v->L + l];
        if (tn < t) t = tn;
      }
    cur[e] = t;
  }
}

/* Adds layer l of user u under x to the running sum acc (each term
 * π(S)·max added in set order) and returns it; *alone (may be NULL) gets
 * the layer's own expected latency, the same terms summed from 0. */
FAI_HD double fai_mc_layer(const fai_moe_view *v, int u, int l, const uint8_t *x, double acc,
                           double *alone) {
  double cur[FAI_MC_MAX_EXPERTS], own = 0.0;
  const size_t ul = (size_t)u * v->L + l;
  fai_mc_access(v, u, l, x, cur);
  for (int64_t q = v->set_off[ul]; q < v->set_off[ul + 1]; q++) {
    double m = 0.0;
    for (uint64_t b = v->set_mask[q]; b; b &= b - 1) {
      const double t = cur[fai_mc_ctz(b)];
      if (t > m) m = t;
    }
    acc += v->set_prob[q] * m;
    own += v->set_prob[q] * m;
  }
  if (alone) *alone = own;
  return acc;
}

/* Σ_l expected latency of user u under x, accumulated over layers and sets
 * in index order; lat_l (may be NULL) gets the L per-layer values. */
FAI_HD double fai_mc_user(const fai_moe_view *v, int u, const uint8_t *x, double *lat_l) {
  double su = 0.0;
  for (int l = 0; l < v->L; l++) su = fai_mc_layer(v, u, l, x, su, lat_l ? lat_l + l : NULL);
  return su;
}

/* Latency reduction for user u (unweighted) of adding the experts `mask` of
 * layer l on a node u reaches in nt seconds, given cu[e] = τ_{u,l,e}(X).
 * qu (may be NULL): the layer's marginals q_{u,l,·}, giving the K = 1
 * surrogate Σ_e q (cu − nt)^+ instead of the exact set expectation. */
FAI_HD double fai_mc_user_gain(const fai_moe_view *v, int u, int l, double nt, const double *cu,
                               uint64_t mask, const double *qu) {
  uint64_t better = 0;
  double s = 0.0;
  for (uint64_t b = mask; b; b &= b - 1) {
    const int e = fai_mc_ctz(b);
    if (nt < cu[e]) better |= 1ull << e;
  }
  if (!better) return 0.0;
  if (qu) {
    for (uint64_t b = better; b; b &= b - 1) {
      const int e = fai_mc_ctz(b);
      s += qu[e] * (cu[e] - nt);
    }
    return s;
  }
  {
    const size_t ul = (size_t)u * v->L + l;
    for (int64_t q = v->set_off[ul]; q < v->set_off[ul + 1]; q++) {
      const uint64_t S = v->set_mask[q];
      double old = 0.0, nw = 0.0;
      if (!(S & better)) continue;
      for (uint64_t b = S; b; b &= b - 1) {
        const int e = fai_mc_ctz(b);
        const double a = cu[e], c = (better >> e & 1u) ? nt : cu[e];
        if (a > old) old = a;
        if (c > nw) nw = c;
      }
      s += v->set_prob[q] * (old - nw);
    }
  }
  return s;
}

/* Σ_u w_u · fai_mc_user_gain over every user (in index order) of adding
 * `mask` of layer l on node n, cur = τ(X) as [U][L][E].  A user that cannot
 * reach n faster than its current latencies adds exactly +0.0. */
FAI_HD double fai_mc_gain(const fai_moe_view *v, const double *cur, int n, int l, uint64_t mask) {
  double g = 0.0;
  for (int u = 0; u < v->U; u++)
    g += v->w[u] * fai_mc_user_gain(v, u, l, v->tau[((size_t)u * v->V + n) * v->L + l],
                                    cur + ((size_t)u * v->L + l) * v->E, mask, NULL);
  return g;
}

static inline fai_status fai__moe_view_check(const char *op, const fai_moe_view *v, int n_place,
                                             fai_error *err) {
  if (!v || v->U < 0 || v->V < 0 || v->L < 0 || v->E < 0 || v->E > FAI_MC_MAX_EXPERTS || n_place < 0)
    return fai_error_set(err, FAI_EINVAL, "%s: bad dimensions", op);
  if ((int64_t)v->U * v->L > 0 && (!v->w || !v->tau_far || !v->set_off || (v->V > 0 && !v->tau)))
    return fai_error_set(err, FAI_EINVAL, "%s: missing instance arrays", op);
  if ((int64_t)v->U * v->L > 0 && v->set_off[(size_t)v->U * v->L] > 0 && (!v->set_mask || !v->set_prob))
    return fai_error_set(err, FAI_EINVAL, "%s: missing activation sets", op);
  return FAI_OK;
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

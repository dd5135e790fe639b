/* TrimCaching-Spec (PAPERS §1.3): caches one after another; on each, every
 * union S of the models' shared-block sets is tried, the models whose shared
 * blocks lie in S compete in a 0/1 knapsack over their private bytes with
 * capacity Q_m − |S|, and the best (S, knapsack) is placed.  Within one cache
 * the marginal gains of different models add up (a request (k, i) depends
 * only on where i is), so each knapsack is exact up to its DP:
 *   --dp value:  value-scaling FPTAS, (1−ε)-optimal (Ibarra–Kim/Lawler);
 *   --dp weight: exact DP over capacity in units of unit_bytes.
 * A β-optimal choice per cache gives β/(1+β) of the optimum overall, hence
 * (1−ε)/(2−ε) >= (1−ε)/2.  Cost per cache: O(K·I·T) gains plus
 * O(|unions|·n²/ε) (value) or O(|unions|·n·Q/unit) (weight); the unions are
 * independent and run in parallel, the best is picked in index order. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "caching_internal.h"

#define SPEC_MAX_SHARED 26            /* 2^26-bit union bitmap = 8 MiB */
#define SPEC_DP_MAX_BITS (1ll << 28)  /* choice table per knapsack (32 MiB) */

typedef struct knap {
  int n;                /* items */
  const int *item;      /* model indices */
  const double *v;      /* values (by model) */
  const int64_t *w;     /* private bytes (by model) */
} knap;

/* Fill leftover capacity with unchosen items, best value first (ties: lower
 * index): never lowers the value, keeps feasibility. */
static double fill_rest(const knap *kp, int64_t cap, uint8_t *take, int64_t used) {
  double extra = 0;
  for (;;) {
    int best = -1;
    for (int q = 0; q < kp->n; q++) {
      const int i = kp->item[q];
      if (take[q] || used + kp->w[i] > cap) continue;
      if (best < 0 || kp->v[i] > kp->v[kp->item[best]]) best = q;
    }
    if (best < 0) return extra;
    take[best] = 1;
    used += kp->w[kp->item[best]];
    extra += kp->v[kp->item[best]];
  }
}

/* Value-scaling FPTAS.  Returns the value of `take` (true values) or -1 when
 * the table would be too large. */
static double knap_value(const knap *kp, int64_t cap, double eps, uint8_t *take) {
  const int n = kp->n;
  memset(take, 0, (size_t)n);
  if (n == 0) return 0;
  double vmax = 0;
  for (int q = 0; q < n; q++) vmax = fmax(vmax, kp->v[kp->item[q]]);
  const double mu = eps * vmax / n;
  int64_t V = 0;
  int64_t *sv = malloc((size_t)n * sizeof *sv);
  if (!sv) return -1;
  for (int q = 0; q < n; q++) V += (sv[q] = (int64_t)floor(kp->v[kp->item[q]] / mu));
  if ((V + 1) * n > SPEC_DP_MAX_BITS) {
    free(sv);
    return -1;
  }
  int64_t *A = malloc((size_t)(V + 1) * sizeof *A);
  uint8_t *keep = calloc((size_t)(((V + 1) * n + 7) / 8), 1);
  if (!A || !keep) {
    free(sv);
    free(A);
    free(keep);
    return -1;
  }
  A[0] = 0;
  for (int64_t t = 1; t <= V; t++) A[t] = INT64_MAX;
  for (int q = 0; q < n; q++) {
    const int64_t w = kp->w[kp->item[q]];
    for (int64_t t = V; t >= sv[q]; t--) {
      const int64_t prev = A[t - sv[q]];
      if (prev == INT64_MAX || prev + w > cap) continue;
      if (prev + w < A[t]) {
        A[t] = prev + w;
        const int64_t b = (int64_t)q * (V + 1) + t;
        keep[b >> 3] |= (uint8_t)(1u << (b & 7));
      }
    }
  }
  int64_t t = V;
  while (t > 0 && A[t] > cap) t--;
  int64_t used = 0;
  for (int q = n - 1; q >= 0 && t > 0; q--) {
    const int64_t b = (int64_t)q * (V + 1) + t;
    if ((keep[b >> 3] >> (b & 7)) & 1) {
      take[q] = 1;
      t -= sv[q];
      used += kp->w[kp->item[q]];
    }
  }
  free(sv);
  free(A);
  free(keep);
  double val = 0;
  for (int q = 0; q < n; q++)
    if (take[q]) val += kp->v[kp->item[q]];
  return val + fill_rest(kp, cap, take, used);
}

/* Exact DP over capacity in units (sizes rounded up, capacity down).
 * Returns the value of `take` or -1 when the table would be too large. */
static double knap_weight(const knap *kp, int64_t cap, int64_t unit, uint8_t *take) {
  const int n = kp->n;
  memset(take, 0, (size_t)n);
  if (n == 0) return 0;
  const int64_t C = cap / unit;
  if ((C + 1) * n > SPEC_DP_MAX_BITS) return -1;
  double *best = calloc((size_t)C + 1, sizeof *best);
  uint8_t *keep = calloc((size_t)(((C + 1) * n + 7) / 8), 1);
  int64_t *wu = malloc((size_t)n * sizeof *wu);
  if (!best || !keep || !wu) {
    free(best);
    free(keep);
    free(wu);
    return -1;
  }
  for (int q = 0; q < n; q++) {
    const int64_t w = kp->w[kp->item[q]];
    wu[q] = (w + unit - 1) / unit;
    const double v = kp->v[kp->item[q]];
    for (int64_t c = C; c >= wu[q]; c--)
      if (best[c - wu[q]] + v > best[c]) {
        best[c] = best[c - wu[q]] + v;
        const int64_t b = (int64_t)q * (C + 1) + c;
        keep[b >> 3] |= (uint8_t)(1u << (b & 7));
      }
  }
  int64_t c = C, used = 0;
  for (int q = n - 1; q >= 0; q--) {
    const int64_t b = (int64_t)q * (C + 1) + c;
    if ((keep[b >> 3] >> (b & 7)) & 1) {
      take[q] = 1;
      c -= wu[q];
      used += kp->w[kp->item[q]];
    }
  }
  free(best);
  free(keep);
  free(wu);
  double val = 0;
  for (int q = 0; q < n; q++)
    if (take[q]) val += kp->v[kp->item[q]];
  return val + fill_rest(kp, cap, take, used);
}

static int64_t gcd64(int64_t a, int64_t b) {
  while (b) {
    const int64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

static const double *g_dem;
static int cmp_dem(const void *a, const void *b) {
  const int x = *(const int *)a, y = *(const int *)b;
  if (g_dem[x] != g_dem[y]) return g_dem[x] > g_dem[y] ? -1 : 1;
  return (x > y) - (x < y);
}

/* Items of union S on a cache: models with v > 0, shared part inside S and
 * private bytes within cap.  Returns the count. */
static int items_of(int I, const uint64_t *sigma, const double *v, const int64_t *w, uint64_t S,
                    int64_t cap, int *item) {
  int n = 0;
  for (int i = 0; i < I; i++)
    if (v[i] > 0 && (sigma[i] & ~S) == 0 && w[i] <= cap) item[n++] = i;
  return n;
}

fai_status fai__trim_spec(const fai_cache_instance *inst, const fai_trim_params *p, uint8_t *x,
                          fai_error *err) {
  const fai_library *lib = &inst->lib;
  const int M = inst->M, I = inst->I, J = lib->n_blocks;
  fai_status st = FAI_OK;
  int *users = malloc((size_t)J * sizeof *users + 1);
  int *sidx = malloc((size_t)J * sizeof *sidx + 1);
  uint64_t *sigma = calloc((size_t)I, sizeof *sigma);
  int64_t *w = calloc((size_t)I, sizeof *w);
  double *v = malloc((size_t)I * sizeof *v);
  int *order = malloc((size_t)M * sizeof *order);
  double *dem = calloc((size_t)M, sizeof *dem);
  int *ms = malloc((size_t)I * sizeof *ms), *is = malloc((size_t)I * sizeof *is);
  uint32_t *covered = fai__cover_alloc(inst);
  uint8_t *bitmap = NULL;
  uint64_t *unions = NULL;
  int64_t *usize = NULL;
  double *uval = NULL;
  int *bitems = NULL;
  uint8_t *btake = NULL;
  int64_t nu = 0;
  fai_cc_view view;
  fai__cache_view(inst, &view);
  if (!users || !sidx || !sigma || !w || !v || !order || !dem || !ms || !is || !covered) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  /* Shared blocks and each model's shared mask and private bytes. */
  fai_library_block_users(lib, users);
  int js = 0;
  for (int j = 0; j < J; j++) sidx[j] = users[j] >= 2 ? js++ : -1;
  const int limit = p->max_shared < SPEC_MAX_SHARED ? p->max_shared : SPEC_MAX_SHARED;
  if (js > limit) {
    st = fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, "--algo spec",
                          "the library has %d shared blocks; spec enumerates unions of up to 2^%d "
                          "combinations and is limited to %d (--max-shared, at most %d): use "
                          "--algo gen for the general case",
                          js, js, limit, SPEC_MAX_SHARED);
    goto cleanup;
  }
  int64_t shared_bytes[SPEC_MAX_SHARED];
  for (int j = 0; j < J; j++)
    if (sidx[j] >= 0) shared_bytes[sidx[j]] = lib->block_bytes[j];
  for (int i = 0; i < I; i++)
    for (int q = lib->model_off[i]; q < lib->model_off[i + 1]; q++) {
      const int j = lib->model_blocks[q];
      if (sidx[j] >= 0)
        sigma[i] |= 1ull << sidx[j];
      else
        w[i] += lib->block_bytes[j];
    }
  /* Every union of shared sets (closure of {∅} under S ∪ σ_i), ascending. */
  bitmap = calloc(((size_t)1 << js) / 8 + 1, 1);
  if (!bitmap) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  /* Grow the list: O(I·|unions|), not O(I·2^J_s). */
  int64_t ucap = 1024;
  unions = malloc((size_t)ucap * sizeof *unions);
  if (!unions) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  bitmap[0] = 1;
  unions[nu++] = 0;
  for (int i = 0; i < I; i++) {
    const int64_t n0 = nu;
    for (int64_t u = 0; u < n0; u++) {
      const uint64_t U = unions[u] | sigma[i];
      if ((bitmap[U >> 3] >> (U & 7)) & 1) continue;
      bitmap[U >> 3] |= (uint8_t)(1u << (U & 7));
      if (nu == ucap) {
        uint64_t *nb = realloc(unions, (size_t)(2 * ucap) * sizeof *unions);
        if (!nb) {
          st = fai_error_set(err, FAI_ENOMEM, "out of memory");
          goto cleanup;
        }
        unions = nb;
        ucap *= 2;
      }
      unions[nu++] = U;
    }
  }
  /* Ascending order: read the bitmap back. */
  usize = malloc((size_t)nu * sizeof *usize);
  uval = malloc((size_t)nu * sizeof *uval);
  bitems = malloc((size_t)I * sizeof *bitems);
  btake = malloc((size_t)I + 1);
  if (!usize || !uval || !bitems || !btake) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  nu = 0;
  for (uint64_t S = 0; S < (1ull << js); S++)
    if ((bitmap[S >> 3] >> (S & 7)) & 1) {
      int64_t sz = 0;
      for (int b = 0; b < js; b++)
        if ((S >> b) & 1) sz += shared_bytes[b];
      unions[nu] = S;
      usize[nu++] = sz;
    }
  /* Capacity unit of the weight DP. */
  int64_t unit = p->unit_bytes;
  if (p->dp == FAI_TRIM_DP_WEIGHT && unit <= 0) {
    int64_t g = 0, qmax = 1;
    for (int j = 0; j < J; j++)
      if (lib->block_bytes[j] > 0) g = gcd64(lib->block_bytes[j], g);
    /* Capacities need not be multiples: floor(Q/unit) loses nothing when
     * every size is a multiple of the unit. */
    for (int m = 0; m < M; m++)
      if (inst->capacity_bytes[m] > qmax) qmax = inst->capacity_bytes[m];
    unit = g > 0 ? g : 1;
    while (qmax / unit > ((int64_t)1 << 22)) unit *= 2;
  }

  /* Cache order. */
  for (int m = 0; m < M; m++) order[m] = m;
  if (p->order_demand) {
    for (int m = 0; m < M; m++) {
      for (int i = 0; i < I; i++) ms[i] = m, is[i] = i;
      fai__gains(&view, NULL, I, ms, is, v, p->threads);
      for (int i = 0; i < I; i++) dem[m] += v[i];
    }
    g_dem = dem;
    qsort(order, (size_t)M, sizeof *order, cmp_dem);
  }

  const int nt = p->threads > 0 ? p->threads : omp_get_max_threads();
  for (int r = 0; r < M; r++) {
    if (fai_interrupted()) {
      st = fai_error_set(err, FAI_EINTR, "interrupted; the caches filled so far are kept");
      goto cleanup;
    }
    const int m = order[r];
    const int64_t Q = inst->capacity_bytes[m];
    for (int i = 0; i < I; i++) ms[i] = m, is[i] = i;
    fai__gains(&view, covered, I, ms, is, v, p->threads);
    int failed = 0;
#pragma omp parallel num_threads(nt) if (nu * (int64_t)I > 4096)
    {
      int *item = malloc((size_t)I * sizeof *item);
      uint8_t *take = malloc((size_t)I + 1);
#pragma omp for schedule(dynamic, 1)
      for (int64_t u = 0; u < nu; u++) {
        uval[u] = -1;
        if (usize[u] > Q) continue;
        if (!item || !take) {
#pragma omp atomic write
          failed = 1;
          continue;
        }
        const int64_t cap = Q - usize[u];
        knap kp = {items_of(I, sigma, v, w, unions[u], cap, item), item, v, w};
        const double val = p->dp == FAI_TRIM_DP_VALUE ? knap_value(&kp, cap, p->eps, take)
                                                      : knap_weight(&kp, cap, unit, take);
        if (val < 0) {
#pragma omp atomic write
          failed = 1;
        }
        uval[u] = val;
      }
      free(item);
      free(take);
    }
    if (failed) {
      st = fai_error_set(err, FAI_ENOMEM,
                         "spec: a knapsack table exceeds %lld bits or memory ran out (cache %d); "
                         "raise --eps, use --dp value, or --algo gen",
                         (long long)SPEC_DP_MAX_BITS, m);
      goto cleanup;
    }
    /* Best union in index order (ties: the first), then its set again. */
    int64_t bu = -1;
    for (int64_t u = 0; u < nu; u++)
      if (uval[u] >= 0 && (bu < 0 || uval[u] > uval[bu])) bu = u;
    if (bu < 0 || !(uval[bu] > 0)) continue;
    const int64_t cap = Q - usize[bu];
    knap kp = {items_of(I, sigma, v, w, unions[bu], cap, bitems), bitems, v, w};
    if (p->dp == FAI_TRIM_DP_VALUE)
      knap_value(&kp, cap, p->eps, btake);
    else
      knap_weight(&kp, cap, unit, btake);
    for (int q = 0; q < kp.n; q++)
      if (btake[q]) {
        x[(size_t)m * I + bitems[q]] = 1;
        fai__cover_add(&view, covered, m, bitems[q]);
      }
  }
cleanup:
  free(users);
  free(sidx);
  free(sigma);
  free(w);
  free(v);
  free(order);
  free(dem);
  free(ms);
  free(is);
  free(covered);
  free(bitmap);
  free(unions);
  free(usize);
  free(uval);
  free(bitems);
  free(btake);
  return st;
}

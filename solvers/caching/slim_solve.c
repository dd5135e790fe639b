/* SlimCaching algorithms (PAPERS §2.3–2.4) and the exact MILP (§2.2).
 *
 * State shared by the algorithms: cur[u][l][e] = τ_{u,l,e}(X), the latency
 * at which user u currently reaches expert (l, e).  A gain only needs the
 * activation sets of (u, l) for the users that can reach the node, so one
 * gain costs O(users of v · sets of (u, l) · K).  Parallel loops write one
 * output per item and reduce in index order: results do not depend on the
 * thread count.  The per-(user, layer) arithmetic (gains, expected layer
 * latency) is in kernels/cache_core.h; whole placements are evaluated in
 * batches by the backend op moe_latency (g1's candidates, sgd's passes, the
 * result and the empty cache) and sgd's exact per-layer tables (every
 * feasible expert set of every layer of a node: up to L·2^E gains) by the op
 * moe_gains, so plans do not depend on the backend.  g1's single-expert
 * gains and the greedy tables stay host loops over the same core: a few
 * hundred gains per step, too few to pay for a device round trip. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/rng.h"
#include "fluidai/slimcache.h"
#include "cache_core.h"

static const char *const ALGO_NAMES[] = {"g1", "sgd", "sgd-fast", "popular", "random", "g1-marginal", "milp"};

const char *fai_slim_algo_name(fai_slim_algo a) {
  return (unsigned)a < sizeof ALGO_NAMES / sizeof ALGO_NAMES[0] ? ALGO_NAMES[a] : "?";
}

int fai_slim_algo_parse(const char *s, fai_slim_algo *out) {
  for (int i = 0; i < (int)(sizeof ALGO_NAMES / sizeof ALGO_NAMES[0]); i++)
    if (!strcmp(s, ALGO_NAMES[i])) {
      *out = (fai_slim_algo)i;
      return 0;
    }
  return -1;
}

void fai_slim_params_init(fai_slim_params *p) {
  p->algo = FAI_SLIM_SGD;
  p->enum_depth = 1;
  p->eps = 0.1;
  p->exact_max_experts = 12;
  p->time_limit_s = 0;
  p->seed = 1;
  p->threads = 0;
  p->be = NULL;
}

typedef struct ctx {
  const fai_slim_instance *si;
  fai_moe_view view;
  fai_backend be;      /* evaluates whole placements */
  int nthreads;
  int *uoff, *ulist;   /* users that reach node v: ulist[uoff[v] .. uoff[v+1]) */
  double *q;           /* [U][L][E] marginal activation probabilities */
} ctx;

#define TAU(s, u, v, l) ((s)->tau[((size_t)(u) * (s)->V + (v)) * (s)->L + (l)])
#define XI(s, v, l, e) (((size_t)(v) * (s)->L + (l)) * (s)->E + (e))
#define CI(s, u, l, e) (((size_t)(u) * (s)->L + (l)) * (s)->E + (e))

static void ctx_free(ctx *c) {
  free(c->uoff);
  free(c->ulist);
  free(c->q);
}

static fai_status ctx_init(ctx *c, const fai_slim_instance *si, int threads, const fai_backend *be,
                           fai_error *err) {
  memset(c, 0, sizeof *c);
  c->si = si;
  c->view = fai_slim_view(si);
  c->nthreads = threads > 0 ? threads : omp_get_max_threads();
  if (be) c->be = *be;
  else {
    fai_status st = fai_backend_select(FAI_BACKEND_CPU, threads, &c->be, err);
    if (st != FAI_OK) return st;
  }
  c->uoff = calloc((size_t)si->V + 1, sizeof *c->uoff);
  c->ulist = malloc((size_t)si->V * si->U * sizeof *c->ulist + 1);
  c->q = calloc((size_t)si->U * si->L * si->E, sizeof *c->q);
  if (!c->uoff || !c->ulist || !c->q) {
    ctx_free(c);
    return fai_error_set(err, FAI_ENOMEM, "out of memory");
  }
  int n = 0;
  for (int v = 0; v < si->V; v++) {
    for (int u = 0; u < si->U; u++) {
      int useful = 0;
      for (int l = 0; l < si->L; l++) useful |= TAU(si, u, v, l) < si->tau_far[(size_t)u * si->L + l];
      if (useful) c->ulist[n++] = u;
    }
    c->uoff[v + 1] = n;
  }
  for (int u = 0; u < si->U; u++)
    for (int l = 0; l < si->L; l++)
      for (int64_t s = si->set_off[(size_t)u * si->L + l]; s < si->set_off[(size_t)u * si->L + l + 1]; s++)
        for (uint64_t b = si->set_mask[s]; b; b &= b - 1) c->q[CI(si, u, l, __builtin_ctzll(b))] += si->set_prob[s];
  return FAI_OK;
}

static void cur_init(const fai_slim_instance *si, double *cur) {
  for (int u = 0; u < si->U; u++)
    for (int l = 0; l < si->L; l++)
      for (int e = 0; e < si->E; e++) cur[CI(si, u, l, e)] = si->tau_far[(size_t)u * si->L + l];
}

static void place(const ctx *c, uint8_t *x, int64_t *rem, double *cur, int v, int l, int e) {
  const fai_slim_instance *si = c->si;
  x[XI(si, v, l, e)] = 1;
  rem[v] -= si->expert_bytes[l];
  for (int j = c->uoff[v]; j < c->uoff[v + 1]; j++) {
    const int u = c->ulist[j];
    double *t = &cur[CI(si, u, l, e)];
    *t = fmin(*t, TAU(si, u, v, l));
  }
}

/* Latency reduction of adding the experts `mask` of layer l on node v.
 * marginal: the K = 1 surrogate Σ w q (cur − τ)^+ instead. */
static double gain_mask(const ctx *c, const double *cur, int v, int l, uint64_t mask, int marginal) {
  const fai_slim_instance *si = c->si;
  double g = 0.0;
  for (int j = c->uoff[v]; j < c->uoff[v + 1]; j++) {
    const int u = c->ulist[j];
    g += si->w[u] * fai_mc_user_gain(&c->view, u, l, TAU(si, u, v, l), cur + CI(si, u, l, 0), mask,
                                     marginal ? c->q + CI(si, u, l, 0) : NULL);
  }
  return g;
}

/* Mean per-token latency of n placements xs[n][V][L][E] on the backend. */
static fai_status eval_batch(const ctx *c, int n, const uint8_t *xs, double *lat, fai_error *err) {
  return c->be.moe_latency(&c->be, &c->view, n, xs, NULL, lat, err);
}

/* Surrogate cost Σ_u w_u Σ_{l,e} q cur (g1-marginal's own objective). */
static double marginal_cost(const ctx *c, const double *cur) {
  const fai_slim_instance *si = c->si;
  double s = 0.0;
  for (int u = 0; u < si->U; u++) {
    double su = 0.0;
    for (size_t i = CI(si, u, 0, 0); i < CI(si, u + 1, 0, 0); i++) su += c->q[i] * cur[i];
    s += si->w[u] * su;
  }
  return s;
}

/* --- G1: greedy with partial enumeration ------------------------------------------------ */

/* Greedy from the state (x, rem, cur); density: ΔF/s_l, else ΔF.  Gains of
 * layer l change only when an expert of layer l is placed, so only those are
 * recomputed (exact re-evaluation each step: K >= 2 gains can grow). */
static void greedy_run(const ctx *c, uint8_t *x, int64_t *rem, double *cur, double *G, int density, int marginal) {
  const fai_slim_instance *si = c->si;
  const int64_t n = (int64_t)si->V * si->L * si->E;
#pragma omp parallel for schedule(dynamic, 16) num_threads(c->nthreads)
  for (int64_t i = 0; i < n; i++) {
    const int v = (int)(i / ((int64_t)si->L * si->E)), l = (int)(i / si->E % si->L), e = (int)(i % si->E);
    G[i] = x[i] ? 0.0 : gain_mask(c, cur, v, l, 1ull << e, marginal);
  }
  for (;;) {
    int64_t best = -1;
    double bs = 0.0;
    for (int64_t i = 0; i < n; i++) {
      if (x[i] || !(G[i] > 1e-15)) continue;
      const int v = (int)(i / ((int64_t)si->L * si->E)), l = (int)(i / si->E % si->L);
      if (si->expert_bytes[l] > rem[v]) continue;
      const double sc = density ? G[i] / (double)si->expert_bytes[l] : G[i];
      if (sc > bs) {
        bs = sc;
        best = i;
      }
    }
    if (best < 0) break;
    const int v = (int)(best / ((int64_t)si->L * si->E)), l = (int)(best / si->E % si->L), e = (int)(best % si->E);
    place(c, x, rem, cur, v, l, e);
    const int64_t m = (int64_t)si->V * si->E;
#pragma omp parallel for schedule(dynamic, 16) num_threads(c->nthreads)
    for (int64_t j = 0; j < m; j++) {
      const int vv = (int)(j / si->E), ee = (int)(j % si->E);
      const size_t i = XI(si, vv, l, ee);
      G[i] = x[i] ? 0.0 : gain_mask(c, cur, vv, l, 1ull << ee, marginal);
    }
  }
}

/* Candidates of solve_g1 evaluated per backend call (bounded to ~64 MB). */
#define G1_BATCH_MAX 256

static fai_status solve_g1(const ctx *c, const fai_slim_params *p, int marginal, uint8_t *xbest, fai_error *err) {
  const fai_slim_instance *si = c->si;
  const int64_t n = (int64_t)si->V * si->L * si->E, nc = (int64_t)si->U * si->L * si->E;
  int64_t nb = n > 0 ? ((int64_t)64 << 20) / n : G1_BATCH_MAX;
  nb = marginal ? 1 : nb < 1 ? 1 : nb > G1_BATCH_MAX ? G1_BATCH_MAX : nb;
  uint8_t *xb = malloc((size_t)(n > 0 ? n : 1) * (size_t)nb);
  double *lat = malloc((size_t)nb * sizeof *lat);
  int64_t *rem = malloc((size_t)si->V * sizeof *rem);
  double *cur = malloc((size_t)nc * sizeof *cur), *G = malloc((size_t)n * sizeof *G);
  fai_status st = FAI_OK;
  if (!xb || !lat || !rem || !cur || !G) {
    free(xb), free(lat), free(rem), free(cur), free(G);
    return fai_error_set(err, FAI_ENOMEM, "out of memory");
  }
  const int d = p->enum_depth < 0 ? 0 : p->enum_depth > 2 ? 2 : p->enum_depth;
  double best = INFINITY;
  int fill = 0;
  /* Candidates are kept in seed order and judged in that order (first
   * strictly better by 1e-15 wins), in batches for the backend. */
#define G1_FLUSH()                                                       \
  do {                                                                   \
    if (fill > 0 && (st = eval_batch(c, fill, xb, lat, err)) != FAI_OK) goto out; \
    for (int k = 0; k < fill; k++)                                       \
      if (lat[k] < best - 1e-15) {                                       \
        best = lat[k];                                                   \
        memcpy(xbest, xb + (size_t)k * n, (size_t)n);                    \
      }                                                                  \
    fill = 0;                                                            \
  } while (0)
  /* Seeds: ∅, then {i} (d >= 1) and {i, j}, i < j (d = 2), when they fit. */
  for (int64_t a = -1; a < (d >= 1 ? n : 0); a++)
    for (int64_t b = (d >= 2 && a >= 0) ? a : n - 1; b < n; b++) {
      const int64_t seeds[2] = {a, (d >= 2 && a >= 0 && b > a) ? b : -1};
      for (int density = 0; density < 2; density++) {
        uint8_t *x = xb + (size_t)fill * n;
        memset(x, 0, (size_t)n);
        for (int v = 0; v < si->V; v++) rem[v] = si->node_bytes[v];
        cur_init(si, cur);
        int ok = 1;
        for (int k = 0; k < 2 && ok; k++) {
          if (seeds[k] < 0) continue;
          const int v = (int)(seeds[k] / ((int64_t)si->L * si->E)), l = (int)(seeds[k] / si->E % si->L),
                    e = (int)(seeds[k] % si->E);
          if (si->expert_bytes[l] > rem[v]) ok = 0;
          else place(c, x, rem, cur, v, l, e);
        }
        if (!ok) break;
        greedy_run(c, x, rem, cur, G, density, marginal);
        if (marginal) {
          const double val = marginal_cost(c, cur);
          if (val < best - 1e-15) {
            best = val;
            memcpy(xbest, x, (size_t)n);
          }
        } else if (++fill == nb) {
          G1_FLUSH();
        }
      }
    }
  G1_FLUSH();
#undef G1_FLUSH
out:
  free(xb), free(lat), free(rem), free(cur), free(G);
  return st;
}

/* --- SGD: node by node, per-layer tables, convolution ------------------------------------- */

static double node_mean_latency(const fai_slim_instance *si, int v) {
  double s = 0.0;
  for (int u = 0; u < si->U; u++)
    for (int l = 0; l < si->L; l++) {
      const double t = TAU(si, u, v, l), f = si->tau_far[(size_t)u * si->L + l];
      s += t < f ? t : f;
    }
  return s;
}

static int64_t gcd64(int64_t a, int64_t b) {
  while (b) {
    const int64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/* Exact tables of node v (E <= exact_max_experts), layers in chunks of lc:
 * the gains of every feasible expert set (free experts, at most cmax[l])
 * come from the backend op moe_gains in one call per chunk; g[l][k] is the
 * best set of k experts (mask order breaks ties: first strictly better). */
typedef struct exact_buf {
  int lc;                 /* layers per backend call */
  double *scratch;        /* [lc][2^E] gains, -1: infeasible set */
  int *node, *layer;      /* [lc·2^E] items */
  uint64_t *mask;
  double *gain;
} exact_buf;

static fai_status exact_tables(const ctx *c, const double *cur, const uint8_t *x, int v, const int *cmax,
                               double *g, uint64_t *mk, exact_buf *b, fai_error *err) {
  const fai_slim_instance *si = c->si;
  const int E = si->E, L = si->L;
  const int64_t nm = (int64_t)1 << E;
  for (int l0 = 0; l0 < L; l0 += b->lc) {
    const int l1 = l0 + b->lc < L ? l0 + b->lc : L;
    int64_t n = 0;
    for (int l = l0; l < l1; l++) {
      uint64_t avail = 0;
      for (int e = 0; e < E; e++)
        if (!x[XI(si, v, l, e)]) avail |= 1ull << e;
      double *sc = b->scratch + (size_t)(l - l0) * nm;
      for (int64_t m = 0; m < nm; m++) {
        sc[m] = -1.0;
        if (((uint64_t)m & ~avail) || __builtin_popcountll((uint64_t)m) > cmax[l]) continue;
        b->node[n] = v, b->layer[n] = l, b->mask[n] = (uint64_t)m;
        n++;
      }
    }
    fai_status st = c->be.moe_gains(&c->be, &c->view, cur, n, b->node, b->layer, b->mask, b->gain, err);
    if (st != FAI_OK) return st;
    for (int64_t q = 0; q < n; q++) b->scratch[(size_t)(b->layer[q] - l0) * nm + b->mask[q]] = b->gain[q];
    for (int l = l0; l < l1; l++) {
      const double *sc = b->scratch + (size_t)(l - l0) * nm;
      double *gl = g + (size_t)l * (E + 1);
      uint64_t *ml = mk + (size_t)l * (E + 1);
      for (int k = 0; k <= cmax[l]; k++) gl[k] = -1.0, ml[k] = 0;
      gl[0] = 0.0;
      for (int64_t m = 1; m < nm; m++) {
        const int k = __builtin_popcountll((uint64_t)m);
        if (sc[m] > gl[k]) gl[k] = sc[m], ml[k] = (uint64_t)m;
      }
      for (int k = 1; k <= cmax[l]; k++)
        if (gl[k] < 0) gl[k] = gl[k - 1], ml[k] = ml[k - 1];  /* fewer free experts than slots */
    }
  }
  return FAI_OK;
}

/* Greedy per-layer table of node v (E above exact_max_experts): g[c] and its
 * expert set mask[c], c = 0..cmax, adding the best expert each step. */
static void layer_table(const ctx *c, const double *cur, const uint8_t *x, int v, int l, int cmax, double *g,
                        uint64_t *mk) {
  const fai_slim_instance *si = c->si;
  const int E = si->E;
  for (int k = 0; k <= cmax; k++) g[k] = -1.0, mk[k] = 0;
  g[0] = 0.0;
  uint64_t avail = 0;
  for (int e = 0; e < E; e++)
    if (!x[XI(si, v, l, e)]) avail |= 1ull << e;
  {
    uint64_t m = 0;
    for (int k = 1; k <= cmax; k++) {
      int be = -1;
      double bg = -1.0;
      for (int e = 0; e < E; e++) {
        if (!(avail >> e & 1u) || (m >> e & 1u)) continue;
        const double gg = gain_mask(c, cur, v, l, m | 1ull << e, 0);
        if (gg > bg) bg = gg, be = e;
      }
      if (be < 0) {
        g[k] = g[k - 1], mk[k] = m;
        continue;
      }
      m |= 1ull << be;
      g[k] = bg, mk[k] = m;
    }
  }
}

static fai_status solve_sgd(const ctx *c, const fai_slim_params *p, int fast, uint8_t *x, fai_error *err) {
  const fai_slim_instance *si = c->si;
  const int L = si->L, E = si->E;
  fai_status st = FAI_OK;
  int *order = malloc((size_t)si->V * sizeof *order);
  double *key = malloc((size_t)si->V * sizeof *key);
  double *cur = malloc((size_t)si->U * L * E * sizeof *cur);
  int64_t *rem = malloc((size_t)si->V * sizeof *rem);
  double *g = malloc((size_t)L * (E + 1) * sizeof *g);
  uint64_t *mk = malloc((size_t)L * (E + 1) * sizeof *mk);
  int64_t *rk = malloc((size_t)L * (E + 1) * sizeof *rk);
  int *cmax = malloc((size_t)L * sizeof *cmax);
  int *pick = malloc((size_t)L * sizeof *pick);
  const int exact = E <= p->exact_max_experts;
  const int64_t nm = exact ? (int64_t)1 << E : 1;
  exact_buf eb;
  eb.lc = (int)(((int64_t)1 << 20) / nm);
  eb.lc = eb.lc < 1 ? 1 : eb.lc > L ? L : eb.lc;
  const size_t ni = exact ? (size_t)eb.lc * (size_t)nm : 1;
  eb.scratch = malloc(ni * sizeof *eb.scratch);
  eb.node = malloc(ni * sizeof *eb.node);
  eb.layer = malloc(ni * sizeof *eb.layer);
  eb.mask = malloc(ni * sizeof *eb.mask);
  eb.gain = malloc(ni * sizeof *eb.gain);
  double *DP = NULL;
  int *CH = NULL;
  int64_t *H = NULL;
  const size_t nx = (size_t)si->V * L * E;
  uint8_t *xpass = malloc(2 * (nx ? nx : 1)), *xt = xpass;
  if (!xpass || !order || !key || !cur || !rem || !g || !mk || !rk || !cmax || !pick || !eb.scratch || !eb.node || !eb.layer ||
      !eb.mask || !eb.gain) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  /* Devices first, then servers by ascending mean access latency (ties: index). */
  int no = 0;
  for (int u = 0; u < si->U; u++) order[no++] = si->N + u;
  for (int n = 0; n < si->N; n++) key[n] = node_mean_latency(si, n);
  for (int n = 0; n < si->N; n++) {
    int k = no;
    order[no++] = n;
    while (k > si->U && key[order[k - 1]] > key[n]) {
      order[k] = order[k - 1];
      order[--k] = n;
    }
  }
  /* Two passes: the order above, then servers before devices (with K >= 2 a
   * device slot alone is worthless until its co-activated partners are near,
   * so the second order often wins); keep the lower latency. */
  for (int pass = 0; pass < 2; pass++) {
  xt = xpass + (size_t)pass * nx;
  memset(xt, 0, nx);
  cur_init(si, cur);
  for (int v = 0; v < si->V; v++) rem[v] = si->node_bytes[v];
  for (int oi = 0; oi < si->V; oi++) {
    const int v = order[pass ? (oi + si->U) % si->V : oi];
    if (c->uoff[v] == c->uoff[v + 1] || rem[v] <= 0) continue;
    int any = 0;
    for (int l = 0; l < L; l++) {
      const int64_t fit = rem[v] / si->expert_bytes[l];
      cmax[l] = fit < E ? (int)fit : E;
      pick[l] = 0;
    }
    if (exact) {
      /* Exact tables: every feasible set's gain on the backend. */
      if ((st = exact_tables(c, cur, xt, v, cmax, g, mk, &eb, err)) != FAI_OK) goto cleanup;
    } else {
      /* Greedy tables are independent per layer and read only shared state,
       * so the layers run in parallel, each writing its own slice. */
#pragma omp parallel for schedule(dynamic, 1) num_threads(c->nthreads)
      for (int l = 0; l < L; l++)
        layer_table(c, cur, xt, v, l, cmax[l], g + (size_t)l * (E + 1), mk + (size_t)l * (E + 1));
    }
    for (int l = 0; l < L; l++) any |= cmax[l] > 0;
    if (!any) continue;
    if (!fast) {
      /* (max,+) convolution over capacity in units of the gcd of sizes
       * (doubled until ≤ 2^16 units; sizes then round up: still feasible). */
      int64_t unit = 0;
      for (int l = 0; l < L; l++) unit = gcd64(unit, si->expert_bytes[l]);
      int64_t C = rem[v] / unit;
      while (C > 65536) unit *= 2, C = rem[v] / unit;
      DP = malloc((size_t)(L + 1) * (C + 1) * sizeof *DP);
      CH = malloc((size_t)L * (C + 1) * sizeof *CH);
      if (!DP || !CH) {
        st = fai_error_set(err, FAI_ENOMEM, "capacity DP of %lld units: out of memory", (long long)C);
        goto cleanup;
      }
      for (int64_t b = 0; b <= C; b++) DP[b] = 0.0;
      for (int l = 0; l < L; l++) {
        const int64_t wl = (si->expert_bytes[l] + unit - 1) / unit;
        const double *gl = g + (size_t)l * (E + 1);
        double *prev = DP + (size_t)l * (C + 1), *next = prev + (C + 1);
        int *ch = CH + (size_t)l * (C + 1);
#pragma omp parallel for schedule(static) num_threads(c->nthreads)
        for (int64_t b = 0; b <= C; b++) {
          double bv = prev[b];
          int bc = 0;
          for (int k = 1; k <= cmax[l] && (int64_t)k * wl <= b; k++) {
            const double val = prev[b - (int64_t)k * wl] + gl[k];
            if (val > bv + 1e-15) bv = val, bc = k;
          }
          next[b] = bv;
          ch[b] = bc;
        }
      }
      int64_t b = C;
      for (int l = L - 1; l >= 0; l--) {
        pick[l] = CH[(size_t)l * (C + 1) + b];
        b -= (int64_t)pick[l] * ((si->expert_bytes[l] + unit - 1) / unit);
      }
      free(DP), free(CH);
      DP = NULL, CH = NULL;
    } else {
      /* Value domain: round g_l to multiples of δ = ε·g_max/L; H_l(t) = least
       * bytes reaching rounded value t, (min,+) convolution; loss ≤ L·δ = ε·g_max ≤ ε·OPT. */
      double gmax = 0.0;
      for (int l = 0; l < L; l++) gmax = fmax(gmax, g[(size_t)l * (E + 1) + cmax[l]]);
      if (!(gmax > 1e-15)) continue;
      const double delta = p->eps * gmax / L;
      /* Rounded levels rk[l][k] = ⌊g_l(k)/δ⌋, once per node (not per DP cell). */
      int64_t Tm = 0;
      for (int l = 0; l < L; l++) {
        for (int k = 0; k <= cmax[l]; k++) rk[(size_t)l * (E + 1) + k] = (int64_t)floor(g[(size_t)l * (E + 1) + k] / delta);
        Tm += rk[(size_t)l * (E + 1) + cmax[l]];
      }
      H = malloc((size_t)(L + 1) * (Tm + 1) * sizeof *H);
      CH = malloc((size_t)L * (Tm + 1) * sizeof *CH);
      if (!H || !CH) {
        st = fai_error_set(err, FAI_ENOMEM, "value DP of %lld levels: out of memory", (long long)Tm);
        goto cleanup;
      }
      for (int64_t t = 0; t <= Tm; t++) H[t] = t ? INT64_MAX : 0;
      /* Levels above the first l layers' total are unreachable (INT64_MAX). */
      int64_t reach = 0;
      for (int l = 0; l < L; l++) {
        const int64_t *rl = rk + (size_t)l * (E + 1);
        const int64_t *prev = H + (size_t)l * (Tm + 1);
        int64_t *next = H + (size_t)(l + 1) * (Tm + 1);
        int *ch = CH + (size_t)l * (Tm + 1);
        reach += rl[cmax[l]];
        for (int64_t t = reach + 1; t <= Tm; t++) next[t] = INT64_MAX, ch[t] = 0;
        const int64_t top = reach < Tm ? reach : Tm;
#pragma omp parallel for schedule(static) num_threads(c->nthreads) if (top > 4096)
        for (int64_t t = 0; t <= top; t++) {
          int64_t bv = prev[t];
          int bc = 0;
          for (int k = 1; k <= cmax[l]; k++) {
            const int64_t r = rl[k];
            if (r > t || prev[t - r] == INT64_MAX) continue;
            const int64_t val = prev[t - r] + (int64_t)k * si->expert_bytes[l];
            if (val < bv) bv = val, bc = k;
          }
          next[t] = bv;
          ch[t] = bc;
        }
      }
      int64_t t = Tm;
      while (t > 0 && H[(size_t)L * (Tm + 1) + t] > rem[v]) t--;
      for (int l = L - 1; l >= 0; l--) {
        pick[l] = CH[(size_t)l * (Tm + 1) + t];
        t -= rk[(size_t)l * (E + 1) + pick[l]];
      }
      free(H), free(CH);
      H = NULL, CH = NULL;
    }
    for (int l = 0; l < L; l++)
      for (uint64_t b = mk[(size_t)l * (E + 1) + pick[l]]; b; b &= b - 1) place(c, xt, rem, cur, v, l, __builtin_ctzll(b));
  }
  }
  {
    /* Both passes in one backend call; the second must win by 1e-15. */
    double lat[2];
    if ((st = eval_batch(c, 2, xpass, lat, err)) != FAI_OK) goto cleanup;
    memcpy(x, xpass + (lat[1] < lat[0] - 1e-15 ? nx : 0), nx);
  }
cleanup:
  free(order), free(key), free(cur), free(rem), free(g), free(mk), free(rk), free(cmax), free(pick);
  free(eb.scratch), free(eb.node), free(eb.layer), free(eb.mask), free(eb.gain);
  free(DP), free(CH), free(H), free(xpass);
  return st;
}

/* --- baselines ---------------------------------------------------------------------------- */

typedef struct { double k; int i; } scored;
static int cmp_scored(const void *a, const void *b) {
  const scored *x = a, *y = b;
  if (x->k != y->k) return x->k > y->k ? -1 : 1;
  return x->i - y->i;
}

static fai_status solve_simple(const ctx *c, const fai_slim_params *p, int random, uint8_t *x, fai_error *err) {
  const fai_slim_instance *si = c->si;
  const int LE = si->L * si->E;
  scored *s = malloc((size_t)LE * sizeof *s);
  if (!s) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  for (int v = 0; v < si->V; v++) {
    if (c->uoff[v] == c->uoff[v + 1]) continue;
    for (int i = 0; i < LE; i++) {
      double k = 0.0;
      if (random) k = fai_rng_uniform(p->seed, FAI_STREAM_WORKLOAD, (5ull << 56) | ((uint64_t)v * (uint64_t)LE + (uint64_t)i));
      else
        for (int j = c->uoff[v]; j < c->uoff[v + 1]; j++) k += si->w[c->ulist[j]] * c->q[(size_t)c->ulist[j] * LE + i];
      s[i].k = k;
      s[i].i = i;
    }
    qsort(s, (size_t)LE, sizeof *s, cmp_scored);
    int64_t rem = si->node_bytes[v];
    for (int j = 0; j < LE; j++) {
      const int l = s[j].i / si->E;
      if (!random && !(s[j].k > 0)) break;
      if (si->expert_bytes[l] <= rem) {
        x[(size_t)v * LE + s[j].i] = 1;
        rem -= si->expert_bytes[l];
      }
    }
  }
  free(s);
  return FAI_OK;
}

/* --- MILP --------------------------------------------------------------------------------- */

fai_status fai_slim_milp_build(const fai_slim_instance *si, glp_prob *lp, fai_error *err) {
  const int V = si->V, L = si->L, E = si->E;
  glp_set_prob_name(lp, "slimcaching");
  glp_set_obj_dir(lp, GLP_MIN);
  int64_t smax = 1;
  for (int l = 0; l < L; l++) smax = si->expert_bytes[l] > smax ? si->expert_bytes[l] : smax;
  const int nx = V * L * E;
  glp_add_cols(lp, nx);
  char name[96];
  for (int v = 0; v < V; v++)
    for (int l = 0; l < L; l++)
      for (int e = 0; e < E; e++) {
        const int j = (int)XI(si, v, l, e) + 1;
        snprintf(name, sizeof name, "x_%d_%d_%d", v, l, e);
        glp_set_col_name(lp, j, name);
        glp_set_col_kind(lp, j, GLP_BV);
      }
  /* Capacity rows (sizes in units of the largest expert). */
  int *ind = malloc((size_t)(V + L * E + 2) * sizeof *ind);
  double *val = malloc((size_t)(V + L * E + 2) * sizeof *val);
  int *ycol = malloc((size_t)V * E * sizeof *ycol);
  if (!ind || !val || !ycol) {
    free(ind), free(val), free(ycol);
    return fai_error_set(err, FAI_ENOMEM, "out of memory");
  }
  for (int v = 0; v < V; v++) {
    const int r = glp_add_rows(lp, 1);
    snprintf(name, sizeof name, "cap_%d", v);
    glp_set_row_name(lp, r, name);
    glp_set_row_bnds(lp, r, GLP_UP, 0.0, (double)si->node_bytes[v] / (double)smax);
    int n = 0;
    for (int l = 0; l < L; l++)
      for (int e = 0; e < E; e++) ind[++n] = (int)XI(si, v, l, e) + 1, val[n] = (double)si->expert_bytes[l] / (double)smax;
    glp_set_mat_row(lp, r, n, ind, val);
  }
  for (int u = 0; u < si->U; u++)
    for (int l = 0; l < L; l++) {
      const int64_t s0 = si->set_off[(size_t)u * L + l], s1 = si->set_off[(size_t)u * L + l + 1];
      uint64_t used = 0;
      for (int64_t q = s0; q < s1; q++) used |= si->set_mask[q];
      const double far = si->tau_far[(size_t)u * L + l] * 1e3;
      for (int e = 0; e < E; e++) {
        for (int v = 0; v < V; v++) ycol[v * E + e] = 0;
        if (!(used >> e & 1u)) continue;
        int n = 0;
        for (int v = 0; v < V; v++) {
          if (!(TAU(si, u, v, l) * 1e3 < far)) continue;
          const int j = glp_add_cols(lp, 1);
          snprintf(name, sizeof name, "y_%d_%d_%d_%d", u, v, l, e);
          glp_set_col_name(lp, j, name);
          glp_set_col_bnds(lp, j, GLP_DB, 0.0, 1.0);
          ycol[v * E + e] = j;
          const int r = glp_add_rows(lp, 1);
          snprintf(name, sizeof name, "yx_%d_%d_%d_%d", u, v, l, e);
          glp_set_row_name(lp, r, name);
          glp_set_row_bnds(lp, r, GLP_UP, 0.0, 0.0);
          int i2[3] = {0, j, (int)XI(si, v, l, e) + 1};
          double v2[3] = {0, 1.0, -1.0};
          glp_set_mat_row(lp, r, 2, i2, v2);
          ind[++n] = j, val[n] = 1.0;
        }
        if (n > 1) {
          const int r = glp_add_rows(lp, 1);
          snprintf(name, sizeof name, "one_%d_%d_%d", u, l, e);
          glp_set_row_name(lp, r, name);
          glp_set_row_bnds(lp, r, GLP_UP, 0.0, 1.0);
          glp_set_mat_row(lp, r, n, ind, val);
        }
      }
      for (int64_t q = s0; q < s1; q++) {
        const int jt = glp_add_cols(lp, 1);
        snprintf(name, sizeof name, "T_%d_%d_%lld", u, l, (long long)(q - s0));
        glp_set_col_name(lp, jt, name);
        glp_set_col_bnds(lp, jt, GLP_LO, 0.0, 0.0);
        glp_set_obj_coef(lp, jt, si->w[u] * si->set_prob[q]);
        for (uint64_t b = si->set_mask[q]; b; b &= b - 1) {
          const int e = __builtin_ctzll(b);
          int n = 0;
          ind[++n] = jt, val[n] = 1.0;
          for (int v = 0; v < V; v++)
            if (ycol[v * E + e]) ind[++n] = ycol[v * E + e], val[n] = far - TAU(si, u, v, l) * 1e3;
          const int r = glp_add_rows(lp, 1);
          snprintf(name, sizeof name, "lat_%d_%d_%lld_%d", u, l, (long long)(q - s0), e);
          glp_set_row_name(lp, r, name);
          glp_set_row_bnds(lp, r, GLP_LO, far, 0.0);
          glp_set_mat_row(lp, r, n, ind, val);
        }
      }
    }
  free(ind), free(val), free(ycol);
  return FAI_OK;
}

static fai_status solve_milp(const fai_slim_instance *si, const fai_slim_params *p, fai_slim_result *r, fai_error *err) {
  glp_prob *lp = glp_create_prob();
  fai_status st = fai_slim_milp_build(si, lp, err);
  fai_milp_result res;
  if (st == FAI_OK) st = fai_milp_solve(lp, p->time_limit_s, &res, err);
  if (st == FAI_OK) {
    r->outcome = res.outcome;
    r->bound_s = isfinite(res.bound) ? res.bound * 1e-3 : NAN;
    if (isfinite(res.objective)) {
      const int n = si->V * si->L * si->E;
      for (int j = 0; j < n; j++) r->x[j] = glp_mip_col_val(lp, j + 1) > 0.5;
    }
  }
  glp_delete_prob(lp);
  return st;
}

fai_status fai_slim_solve(const fai_slim_instance *si, const fai_slim_params *p, fai_slim_result *out,
                          fai_error *err) {
  memset(out, 0, sizeof *out);
  out->bound_s = NAN;
  out->outcome = FAI_OUTCOME_COMPLETE;
  if (p->algo == FAI_SLIM_SGD_FAST && !(p->eps > 0 && p->eps <= 1))
    return fai_error_set(err, FAI_EINVAL, "eps %g; expected 0 < eps <= 1", p->eps);
  const size_t n = (size_t)si->V * si->L * si->E;
  out->x = calloc(n ? n : 1, 1);
  if (!out->x) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  const double t0 = omp_get_wtime();
  ctx c;
  fai_status st = ctx_init(&c, si, p->threads, p->be, err);
  if (st != FAI_OK) {
    ctx_free(&c);
    fai_slim_result_free(out);
    return st;
  }
  switch (p->algo) {
    case FAI_SLIM_G1: st = solve_g1(&c, p, 0, out->x, err); break;
    case FAI_SLIM_G1_MARGINAL: st = solve_g1(&c, p, 1, out->x, err); break;
    case FAI_SLIM_SGD: st = solve_sgd(&c, p, 0, out->x, err); break;
    case FAI_SLIM_SGD_FAST: st = solve_sgd(&c, p, 1, out->x, err); break;
    case FAI_SLIM_POPULAR: st = solve_simple(&c, p, 0, out->x, err); break;
    case FAI_SLIM_RANDOM: st = solve_simple(&c, p, 1, out->x, err); break;
    case FAI_SLIM_MILP: st = solve_milp(si, p, out, err); break;
    default: st = fai_error_set(err, FAI_EINVAL, "unknown algorithm %d", (int)p->algo);
  }
  out->seconds = omp_get_wtime() - t0;
  /* The result and the empty cache in one backend call. */
  uint8_t *two = st == FAI_OK ? calloc(2 * (n ? n : 1), 1) : NULL;
  double lat[2];
  if (st == FAI_OK && !two) st = fai_error_set(err, FAI_ENOMEM, "out of memory");
  if (st == FAI_OK) {
    memcpy(two, out->x, n);
    st = eval_batch(&c, 2, two, lat, err);
  }
  free(two);
  ctx_free(&c);
  if (st != FAI_OK) {
    fai_slim_result_free(out);
    return st;
  }
  out->latency_s = lat[0];
  out->base_latency_s = lat[1];
  return FAI_OK;
}

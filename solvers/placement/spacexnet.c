/* Space-XNet solver (PAPERS.md §3): timeline and failure draws, ring
 * subnets and gateways, expected path latency d̄, sorted matching and the
 * baselines, Monte Carlo token latency, and the plan document.
 *
 * Work and where it runs:
 *   links per failure draw     be->links (rules.draw = r), T·L_links judgements per draw
 *   d̄ (pass 1)                be->sssp from the 2L gateways of the ring gateway sets on
 *                              every (draw, snapshot) graph, or be->apsp for comparison
 *   token latency (pass 2)     be->sssp from the 3L gateways of all methods, then an
 *                              OpenMP loop over graphs: each graph's tokens in order
 * Graph g = r·T + t (draw-major, so a partial run covers whole draws first).
 * Every reduction runs in graph order on one thread, so the plan's bytes do
 * not depend on the thread count or the backend. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <omp.h>

#include "fluidai/json.h"
#include "fluidai/orbitgen.h"
#include "fluidai/rng.h"
#include "fluidai/spacexnet.h"
#include "rng_core.h"

#define N_SETS 3   /* gateway sets: 0 central/medoid, 1 random ring, 2 RandPlace */
#define TAG(k) ((uint64_t)(k) << 50)

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void fai_sxn_params_init(fai_sxn_params *p) {
  memset(p, 0, sizeof *p);
  p->planes = 33;
  p->sats_per_plane = 32;
  p->phasing = 0;
  p->altitude_m = 550e3;
  p->inclination_rad = 87.0 * FAI_DEG;
  p->snapshots = 200;
  p->step_s = 0;
  p->max_pointing_rate_rad_s = 0.12;
  p->survival_p = 0.95;
  p->isl_rate_bps = 100e9;
  p->failure_draws = 10;
  p->seed = 1;
  p->layers = 32;
  p->experts = 8;
  p->top_k = 2;
  p->arc = 0;
  p->gateway = FAI_SXN_GW_CENTER;
  p->experts_per_satellite = 1;
  p->unreachable_penalty_s = 1.0;
  p->flops_per_s = 7.28e9;
  p->d_model = 4096;
  p->d_ff = 11008;
  p->vocab = 32000;
  p->n_ctx = 512;
  p->token_bytes = 0;
  p->hop_delay_s = 0;
  p->dirichlet_alpha = 0.5;
  p->datasets = 1;
  p->tokens = 20000;
  p->paths = FAI_SXN_PATHS_DIJKSTRA;
  p->snap_chunk = 32;
  p->export_layer = -1;
}

/* Method → gateway set. */
static int set_of(int m) {
  switch (m) {
    case FAI_SXN_RANDPLACE: return 2;
    case FAI_SXN_RANDINTRA:
    case FAI_SXN_NOCG: return 1;
    default: return 0;
  }
}

typedef struct ctx {
  const fai_sxn_params *p;
  const fai_backend *be;
  int P, S, N, T, R, G, L, E, K, arc, nsub, cap, D;
  int n_links;
  const fai_timeline *tl;
  uint8_t *alive;      /* [R][T][n_links] */
  double edge_extra_s; /* per-hop transmission + processing */
  int *members;        /* [L][nsub] */
  int *gw;             /* [N_SETS][L] */
  int *experts;        /* [D][M][L][E] satellite of each expert */
  double *dbar;        /* [2][L][nsub] expected latency per ring gateway set */
  fai_sxn_activation *act; /* [D] */
  double t_gw, t_exp, t_head;
  /* CSR scratch for one chunk. */
  int64_t *edge_off;
  int *row_ptr, *col;
  double *w;
} ctx;

static double pen(const ctx *c, double v, long long *unreach) {
  if (isfinite(v)) return v;
  (*unreach)++;
  return c->p->unreachable_penalty_s;
}

/* CSR graphs for graphs [g0, g0 + nc). */
static void build_chunk(ctx *c, int g0, int nc) {
  const int N = c->N, Ln = c->n_links, T = c->T;
  int64_t total = 0;
  c->edge_off[0] = 0;
  int *deg = c->row_ptr + (size_t)nc * (N + 1); /* scratch after the rows */
  for (int k = 0; k < nc; k++) {
    const int g = g0 + k, r = g / T, t = g % T;
    const uint8_t *al = c->alive + ((size_t)r * T + t) * Ln;
    const double *dist = c->tl->link_dist + (size_t)t * Ln;
    int *rp = c->row_ptr + (size_t)k * (N + 1);
    memset(deg, 0, (size_t)N * sizeof *deg);
    for (int l = 0; l < Ln; l++)
      if (al[l]) {
        deg[c->tl->link_a[l]]++;
        deg[c->tl->link_b[l]]++;
      }
    rp[0] = 0;
    for (int v = 0; v < N; v++) rp[v + 1] = rp[v] + deg[v];
    memcpy(deg, rp, (size_t)N * sizeof *deg);
    int *col = c->col + total;
    double *w = c->w + total;
    for (int l = 0; l < Ln; l++) {
      if (!al[l]) continue;
      const int a = c->tl->link_a[l], b = c->tl->link_b[l];
      const double d = dist[l] / FAI_C_M_S + c->edge_extra_s;
      col[deg[a]] = b;
      w[deg[a]++] = d;
      col[deg[b]] = a;
      w[deg[b]++] = d;
    }
    total += rp[N];
    c->edge_off[k + 1] = total;
  }
}

/* Deterministic uniform index in [0, n). */
static int rand_index(uint64_t seed, uint64_t idx, int n) {
  int k = (int)(fai_rng_u01_hd(seed, FAI_STREAM_GENERATOR, idx) * n);
  return k < n ? k : n - 1;
}

static void shuffle(int *a, int n, uint64_t seed, uint64_t tag) {
  for (int i = n - 1; i > 0; i--) {
    const int j = rand_index(seed, tag + (uint64_t)i, i + 1);
    const int t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

static fai_status validate(const fai_sxn_params *p, fai_error *err) {
#define NEED(cond, opt, ...) \
  if (!(cond)) return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, opt, __VA_ARGS__)
  NEED(p->planes >= 1 && p->planes <= 1000, "--planes", "%d; expected 1..1000", p->planes);
  NEED(p->sats_per_plane >= 1 && p->sats_per_plane <= 1000, "--sats-per-plane",
       "%d; expected 1..1000", p->sats_per_plane);
  NEED(p->phasing >= 0 && p->phasing < p->planes, "--phasing", "%d; expected 0..P-1 = %d",
       p->phasing, p->planes - 1);
  NEED(p->altitude_m >= 100e3 && p->altitude_m <= 50000e3, "--altitude-km",
       "%g; expected 100..50000 km", p->altitude_m / 1e3);
  NEED(p->inclination_rad >= 0 && p->inclination_rad <= FAI_PI, "--inclination-deg",
       "%g; expected 0..180", p->inclination_rad / FAI_DEG);
  NEED(p->snapshots >= 1 && p->snapshots <= 100000, "--snapshots", "%d; expected 1..100000",
       p->snapshots);
  NEED(p->step_s >= 0 && isfinite(p->step_s), "--step", "%g; expected seconds > 0", p->step_s);
  NEED(p->survival_p >= 0 && p->survival_p <= 1, "--survival", "%g; expected a probability",
       p->survival_p);
  NEED(p->isl_rate_bps > 0, "--isl-rate-gbps", "%g; expected > 0", p->isl_rate_bps / 1e9);
  NEED(p->failure_draws >= 1 && p->failure_draws <= 10000, "--failure-draws",
       "%d; expected 1..10000", p->failure_draws);
  NEED(p->layers >= 1 && p->layers <= 4096, "--layers", "%d; expected 1..4096", p->layers);
  NEED(p->experts >= 1 && p->experts <= 62, "--experts", "%d; expected 1..62", p->experts);
  NEED(p->top_k >= 1 && p->top_k <= p->experts, "--top-k", "%d; expected 1..E = %d", p->top_k,
       p->experts);
  NEED(p->arc >= 0, "--arc", "%d; expected >= 1 (0: S / L)", p->arc);
  NEED(p->experts_per_satellite >= 1, "--experts-per-satellite", "%d; expected >= 1",
       p->experts_per_satellite);
  NEED(p->unreachable_penalty_s >= 0, "--unreachable-penalty-s", "%g; expected >= 0",
       p->unreachable_penalty_s);
  NEED(p->flops_per_s > 0, "--flops", "%g; expected > 0", p->flops_per_s);
  NEED(p->d_model > 0 && p->d_ff > 0 && p->vocab >= 0 && p->n_ctx >= 0, "--d-model",
       "model sizes must be positive");
  NEED(p->token_bytes >= 0 && p->hop_delay_s >= 0, "--token-bytes",
       "per-hop payload and delay must be >= 0");
  NEED(p->dirichlet_alpha > 0, "--dirichlet-alpha", "%g; expected > 0 (inf: uniform)",
       p->dirichlet_alpha);
  NEED(p->datasets >= 1 && p->datasets <= 64, "--datasets", "%d; expected 1..64", p->datasets);
  NEED(p->tokens >= 1 && p->tokens <= 100000000L, "--tokens", "%ld; expected 1..1e8", p->tokens);
#undef NEED
  return FAI_OK;
}

/* Medoid gateways: least mean distance to the other subnet members, over
 * the snapshots of failure draw 0 (sssp from every member). */
static fai_status medoid_gateways(ctx *c, const fai_progress *prog, fai_error *err) {
  fai_status st = FAI_OK;
  const int N = c->N, L = c->L, ns = c->nsub, nsrc = L * ns;
  const int chunk = 2;
  double *acc = calloc((size_t)nsrc, sizeof *acc);
  double *dist = malloc((size_t)chunk * nsrc * N * sizeof *dist);
  long long unreach = 0;
  if (!acc || !dist) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory for medoid gateways");
    goto cleanup;
  }
  for (int g0 = 0; g0 < c->T; g0 += chunk) {
    const int nc = c->T - g0 < chunk ? c->T - g0 : chunk;
    build_chunk(c, g0, nc);
    fai_graph_batch gb = {nc, N, N, c->edge_off, c->row_ptr, c->col, c->w};
    FAI_TRY(c->be->sssp(c->be, &gb, nsrc, c->members, dist, NULL, NULL, err));
    for (int k = 0; k < nc; k++)
      for (int i = 0; i < nsrc; i++) {
        const double *d = dist + ((size_t)k * nsrc + i) * N;
        const int *mem = c->members + (size_t)(i / ns) * ns;
        for (int j = 0; j < ns; j++) acc[i] += pen(c, d[mem[j]], &unreach);
      }
    fai_progress_report(prog, "medoid", g0 + nc, c->T);
  }
  for (int l = 0; l < L; l++) {
    int best = 0;
    for (int j = 1; j < ns; j++)
      if (acc[l * ns + j] < acc[l * ns + best]) best = j;
    c->gw[l] = c->members[l * ns + best];
  }
cleanup:
  free(acc);
  free(dist);
  return st;
}

/* Pass 1: d̄ for the two ring gateway sets over graphs [0, G); returns the
 * graphs averaged in *done (fewer on interrupt). */
static fai_status expected_latency(ctx *c, const fai_progress *prog, int *done,
                                   long long *unreach, fai_error *err) {
  fai_status st = FAI_OK;
  const int N = c->N, L = c->L, ns = c->nsub, G = c->G;
  const int floyd = c->p->paths == FAI_SXN_PATHS_FLOYD;
  const int chunk = floyd ? 4 : c->p->snap_chunk;
  const int nsrc = 2 * L;
  double *acc = calloc((size_t)2 * L * ns, sizeof *acc);
  double *dist = malloc((size_t)chunk * (floyd ? N : nsrc) * N * sizeof *dist);
  *done = 0;
  if (!acc || !dist) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory for expected latencies");
    goto cleanup;
  }
  for (int g0 = 0; g0 < G; g0 += chunk) {
    if (fai_interrupted()) {
      st = fai_error_set(err, FAI_EINTR, "interrupted after %d of %d graphs", g0, G);
      break;
    }
    const int nc = G - g0 < chunk ? G - g0 : chunk;
    build_chunk(c, g0, nc);
    fai_graph_batch gb = {nc, N, N, c->edge_off, c->row_ptr, c->col, c->w};
    st = floyd ? c->be->apsp(c->be, &gb, dist, err)
               : c->be->sssp(c->be, &gb, nsrc, c->gw, dist, NULL, NULL, err);
    if (st == FAI_EINTR) break;
    if (st != FAI_OK) goto cleanup;
    for (int k = 0; k < nc; k++)
      for (int s = 0; s < 2; s++)
        for (int l = 0; l < L; l++) {
          const int ga = c->gw[s * L + l], gn = c->gw[s * L + (l + 1) % L];
          const double *da = floyd ? dist + ((size_t)k * N + ga) * N
                                   : dist + ((size_t)k * nsrc + s * L + l) * N;
          const double *dn = floyd ? dist + ((size_t)k * N + gn) * N
                                   : dist + ((size_t)k * nsrc + s * L + (l + 1) % L) * N;
          double *a = acc + ((size_t)s * L + l) * ns;
          const int *mem = c->members + (size_t)l * ns;
          for (int j = 0; j < ns; j++) {
            const int v = mem[j];
            a[j] += c->p->return_to_own_gateway ? 2 * pen(c, da[v], unreach)
                                                : pen(c, da[v], unreach) + pen(c, dn[v], unreach);
          }
        }
    *done = g0 + nc;
    fai_progress_report(prog, "expected", g0 + nc, G);
  }
  if (st == FAI_EINTR && *done == 0) goto cleanup;
  for (size_t i = 0; i < (size_t)2 * L * ns; i++) c->dbar[i] = *done ? acc[i] / *done : 0;
cleanup:
  free(acc);
  free(dist);
  return st;
}

/* Placements of every method for dataset d. */
static fai_status place(ctx *c, int d, double *obj_sorted, double *obj_opt, fai_error *err) {
  const int L = c->L, E = c->E, ns = c->nsub, cap = c->cap, N = c->N;
  const uint64_t seed = c->p->seed;
  int *slot = malloc((size_t)(ns > N ? ns : N) * cap * sizeof *slot);
  int *assign = malloc((size_t)E * sizeof *assign);
  double *cost = malloc((size_t)ns * sizeof *cost), *hm = malloc((size_t)E * ns * cap * sizeof *hm);
  int *cand = malloc((size_t)ns * sizeof *cand);
  if (!slot || !assign || !cost || !hm || !cand) {
    free(slot), free(assign), free(cost), free(hm), free(cand);
    return fai_error_set(err, FAI_ENOMEM, "out of memory for placement");
  }
  *obj_sorted = *obj_opt = 0;
  const fai_sxn_activation *a = &c->act[d];
  for (int m = 0; m < FAI_SXN_METHODS; m++) {
    int *ex = c->experts + ((size_t)d * FAI_SXN_METHODS + m) * L * E;
    if (m == FAI_SXN_RANDPLACE) {
      /* Gateways were the first L of a random permutation of all
       * satellites; experts take random slots among the others. */
      int n = 0;
      for (int v = 0; v < N; v++) {
        int is_gw = 0;
        for (int l = 0; l < L; l++) is_gw |= c->gw[2 * L + l] == v;
        if (!is_gw)
          for (int q = 0; q < cap; q++) slot[n++] = v;
      }
      shuffle(slot, n, seed, TAG(3));
      for (int i = 0; i < L * E; i++) ex[i] = slot[i];
      continue;
    }
    const int s = set_of(m);
    for (int l = 0; l < L; l++) {
      const int g = c->gw[s * L + l];
      int nc = 0;
      for (int j = 0; j < ns; j++)
        if (c->members[l * ns + j] != g) {
          cand[nc] = c->members[l * ns + j];
          cost[nc++] = c->dbar[((size_t)s * L + l) * ns + j];
        }
      if (m == FAI_SXN_RANDINTRA || m == FAI_SXN_RANDINTRA_CG) {
        int n = 0;
        for (int j = 0; j < nc; j++)
          for (int q = 0; q < cap; q++) slot[n++] = cand[j];
        shuffle(slot, n, seed, TAG(m == FAI_SXN_RANDINTRA ? 4 : 5) + ((uint64_t)l << 32));
        for (int e = 0; e < E; e++) ex[l * E + e] = slot[e];
        continue;
      }
      const double *pr = a->prob + (size_t)l * E;
      const double o = fai_sxn_sorted_matching(E, pr, nc, cost, cap, assign);
      for (int e = 0; e < E; e++) ex[l * E + e] = cand[assign[e]];
      if (m == FAI_SXN_SPACEXNET) {
        /* Oracle on the production instance: Hungarian on the expanded
         * (capacity copies) cost matrix. */
        for (int e = 0; e < E; e++)
          for (int j = 0; j < nc * cap; j++) hm[(size_t)e * nc * cap + j] = pr[e] * cost[j / cap];
        *obj_sorted += o;
        *obj_opt += fai_assignment_hungarian(E, nc * cap, hm, NULL);
      }
    }
  }
  free(slot), free(assign), free(cost), free(hm), free(cand);
  return FAI_OK;
}

static fai_status export_milp(ctx *c, fai_error *err) {
  const fai_sxn_params *p = c->p;
  const int L = c->L, E = c->E, ns = c->nsub;
  if (p->export_layer >= L)
    return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, "--layer",
                            "%d; expected 0..%d (or -1 for all)", p->export_layer, L - 1);
  glp_prob *lp = glp_create_prob();
  glp_set_prob_name(lp, "spacexnet_intra_layer_assignment");
  glp_set_obj_name(lp, "expected_weighted_latency_s");
  double *cost = malloc((size_t)ns * sizeof *cost);
  fai_status st = cost ? FAI_OK : fai_error_set(err, FAI_ENOMEM, "out of memory");
  for (int l = 0; l < L && st == FAI_OK; l++) {
    if (p->export_layer >= 0 && l != p->export_layer) continue;
    int nc = 0;
    for (int j = 0; j < ns; j++)
      if (c->members[l * ns + j] != c->gw[l]) cost[nc++] = c->dbar[(size_t)l * ns + j];
    char prefix[32];
    snprintf(prefix, sizeof prefix, "l%d_", l);
    st = fai_sxn_assignment_milp(lp, prefix, E, c->act[0].prob + (size_t)l * E, nc, cost, c->cap,
                                 err);
  }
  if (st == FAI_OK) st = fai_milp_export(lp, p->export_milp, err);
  free(cost);
  glp_delete_prob(lp);
  return st;
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static json_t *jarr_d(const double *v, int n) {
  json_t *a = json_array();
  for (int i = 0; i < n; i++) json_array_append_new(a, json_real(v[i]));
  return a;
}

static json_t *jarr_i(const int *v, int n) {
  json_t *a = json_array();
  for (int i = 0; i < n; i++) json_array_append_new(a, json_integer(v[i]));
  return a;
}

fai_status fai_sxn_solve(const fai_sxn_params *p, const fai_backend *be, const fai_progress *prog,
                         fai_plan *plan, fai_sxn_result *res, fai_error *err) {
  fai_status st = FAI_OK;
  const double t_start = now_s();
  memset(res, 0, sizeof *res);
  res->outcome = FAI_OUTCOME_NOT_RUN;
  ctx c;
  memset(&c, 0, sizeof c);
  fai_scenario sc;
  fai_scenario_init(&sc);
  fai_timeline tl;
  memset(&tl, 0, sizeof tl);
  double *legs = NULL, *dist = NULL, *tok = NULL, *lay = NULL, *gsum = NULL, *legsum = NULL;
  double *sorted = NULL;
  long long *tok_unreach = NULL;
  double obj_sorted = 0, obj_opt = 0;
  c.p = p;
  c.be = be;
  FAI_TRY(validate(p, err));

  /* Activation statistics first: a file fixes L and E. */
  c.D = p->activation_file ? 1 : p->datasets;
  c.act = calloc((size_t)c.D, sizeof *c.act);
  if (!c.act) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  if (p->activation_file) {
    FAI_TRY(fai_sxn_activation_load(p->activation_file, p->top_k, &c.act[0], err));
  } else {
    for (int d = 0; d < c.D; d++)
      FAI_TRY(fai_sxn_activation_synthetic(p->layers, p->experts, p->top_k, p->dirichlet_alpha,
                                           p->seed, d, &c.act[d], err));
  }
  c.L = c.act[0].layers;
  c.E = c.act[0].experts;
  c.K = p->top_k;
  c.P = p->planes;
  c.S = p->sats_per_plane;
  c.N = c.P * c.S;
  c.cap = p->experts_per_satellite;
  if (p->plane_cut) {
    /* [P] alternative: subnet l = whole planes [l·arc, (l+1)·arc). */
    c.arc = p->arc ? p->arc : c.P / c.L;
    if (c.arc == 0 || (long long)c.L * c.arc > c.P) {
      st = fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, p->arc ? "--arc" : "--layers",
                            "%d layers of %d plane(s) each do not fit %d planes (--cut plane)",
                            c.L, c.arc ? c.arc : 1, c.P);
      goto cleanup;
    }
    c.nsub = c.S * c.arc;
  } else {
    c.arc = p->arc ? p->arc : (c.S % c.L == 0 ? c.S / c.L : 0);
    if (c.arc == 0 || (long long)c.L * c.arc > c.S) {
      st = fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, p->arc ? "--arc" : "--layers",
                            "%d layers of %d slot(s) each do not fit the %d slots of a plane%s",
                            c.L, c.arc ? c.arc : c.S / c.L + 1, c.S,
                            p->arc ? "" : " (S must be a multiple of L, or give --arc)");
      goto cleanup;
    }
    c.nsub = c.P * c.arc;
  }
  if ((long long)c.E > (long long)c.cap * (c.nsub - 1)) {
    st = fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0,
                          p->activation_file ? p->activation_file : "--experts",
                          "%d experts per layer but a subnet has %d satellites besides its "
                          "gateway, each holding at most %d expert(s) (--experts-per-satellite)",
                          c.E, c.nsub - 1, c.cap);
    goto cleanup;
  }
  if ((long long)c.L + ((long long)c.L * c.E + c.cap - 1) / c.cap > c.N) {
    st = fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, "--layers",
                          "%d gateways and %d experts do not fit %d satellites", c.L, c.L * c.E,
                          c.N);
    goto cleanup;
  }

  /* Scenario: one Walker shell, no stations work (one station that never
   * sees anything, no contacts, no station paths). */
  const double a = FAI_R_EARTH_M + p->altitude_m;
  const double period = FAI_TWO_PI * sqrt(a * a * a / FAI_MU_EARTH_M3_S2);
  snprintf(sc.name, sizeof sc.name, "spacexnet");
  snprintf(sc.source, sizeof sc.source, "place spacexnet options");
  sc.epoch_unix = 1767225600.0; /* 2026-01-01T00:00:00Z */
  sc.step_s = p->step_s > 0 ? p->step_s : period / p->snapshots;
  sc.duration_s = sc.step_s * (p->snapshots - 1);
  sc.seed = p->seed;
  sc.j2 = FAI_J2_NODE;
  fai_constellation *cons = &sc.constellation;
  snprintf(cons->name, sizeof cons->name, "spacexnet");
  cons->n_shells = 1;
  fai_shell *sh = &cons->shells[0];
  snprintf(sh->name, sizeof sh->name, "shell1");
  sh->planes = c.P;
  sh->sats_per_plane = c.S;
  sh->phasing = p->phasing;
  sh->altitude_m = p->altitude_m;
  sh->inclination_rad = p->inclination_rad;
  sh->pattern = p->delta ? FAI_WALKER_DELTA : FAI_WALKER_STAR;
  sc.isl.max_pointing_rate_rad_s = p->max_pointing_rate_rad_s;
  sc.isl.survival_p = p->survival_p;
  sc.isl.rate_bps = p->isl_rate_bps;
  sc.stations.v = calloc(1, sizeof *sc.stations.v);
  if (!sc.stations.v) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  sc.stations.n = 1;
  snprintf(sc.stations.v[0].name, sizeof sc.stations.v[0].name, "unused");
  sc.stations.v[0].min_elev_rad = 90 * FAI_DEG;
  snprintf(sc.stations_source, sizeof sc.stations_source, "none");
  fai_timeline_opts topts;
  fai_timeline_opts_init(&topts);
  topts.paths = 0;
  topts.contacts = 0;
  FAI_TRY(fai_timeline_build(&sc, be, &topts, prog, &tl, err));
  c.tl = &tl;
  c.T = tl.n_snaps;
  c.R = p->failure_draws;
  c.G = c.T * c.R;
  c.n_links = tl.n_links;
  c.edge_extra_s = (p->token_bytes > 0 ? p->token_bytes : 2 * p->d_model) * 8 / p->isl_rate_bps +
                   p->hop_delay_s;

  /* Failure draws: draw 0 is the timeline's own; draw r re-judges every
   * link with rules.draw = r (same geometry, independent survival). */
  double t0 = now_s();
  const size_t TL = (size_t)c.T * (c.n_links ? c.n_links : 1);
  c.alive = malloc((size_t)c.R * TL);
  double *dscratch = malloc(TL * sizeof *dscratch);
  if (!c.alive || !dscratch) {
    free(dscratch);
    st = fai_error_set(err, FAI_ENOMEM, "out of memory for %d failure draws", c.R);
    goto cleanup;
  }
  memcpy(c.alive, tl.link_alive, TL);
  for (int r = 1; r < c.R && c.n_links; r++) {
    fai_link_rules ru;
    memset(&ru, 0, sizeof ru);
    ru.block_radius_m = FAI_R_EARTH_M + sc.isl.atmosphere_margin_m;
    ru.max_range_m = sc.isl.max_range_m;
    ru.max_rate_rad_s = sc.isl.max_pointing_rate_rad_s;
    ru.polar_sin_lat = 2.0;
    ru.survival_p = sc.isl.survival_p;
    ru.seed = sc.seed;
    ru.draw = (uint64_t)r;
    st = be->links(be, c.T, c.N, tl.pos, tl.vel, c.n_links, tl.link_a, tl.link_b, tl.link_inter,
                   &ru, c.alive + (size_t)r * TL, dscratch, err);
    if (st != FAI_OK) break;
    fai_progress_report(prog, "draws", r + 1, c.R);
  }
  free(dscratch);
  if (st != FAI_OK) goto cleanup;
  const double time_draws = now_s() - t0;
  double isl_up = 0;
  for (size_t i = 0; i < (size_t)c.R * c.T * c.n_links; i++) isl_up += c.alive[i];
  isl_up /= (double)c.G;

  /* Subnets, gateways, scratch. */
  const int L = c.L, E = c.E, ns = c.nsub, N = c.N, T = c.T, G = c.G, D = c.D;
  const int M = FAI_SXN_METHODS;
  const int chunk_max = p->snap_chunk > 4 ? p->snap_chunk : 4;
  c.members = malloc((size_t)L * ns * sizeof *c.members);
  c.gw = malloc((size_t)N_SETS * L * sizeof *c.gw);
  c.experts = malloc((size_t)D * M * L * E * sizeof *c.experts);
  c.dbar = calloc((size_t)2 * L * ns, sizeof *c.dbar);
  c.edge_off = malloc((size_t)(chunk_max + 1) * sizeof *c.edge_off);
  c.row_ptr = malloc(((size_t)chunk_max * (N + 1) + N) * sizeof *c.row_ptr);
  c.col = malloc((size_t)chunk_max * 2 * (c.n_links + 1) * sizeof *c.col);
  c.w = malloc((size_t)chunk_max * 2 * (c.n_links + 1) * sizeof *c.w);
  int *perm = malloc((size_t)N * sizeof *perm);
  if (!c.members || !c.gw || !c.experts || !c.dbar || !c.edge_off || !c.row_ptr || !c.col ||
      !c.w || !perm) {
    free(perm);
    st = fai_error_set(err, FAI_ENOMEM, "out of memory for %d graphs", G);
    goto cleanup;
  }
  for (int l = 0; l < L; l++) {
    int j = 0;
    if (p->plane_cut) {
      for (int q = 0; q < c.arc; q++)
        for (int k = 0; k < c.S; k++) c.members[l * ns + j++] = (l * c.arc + q) * c.S + k;
    } else {
      for (int pl = 0; pl < c.P; pl++)
        for (int q = 0; q < c.arc; q++) c.members[l * ns + j++] = pl * c.S + l * c.arc + q;
    }
  }
  for (int l = 0; l < L; l++) {
    c.gw[l] = p->plane_cut ? (l * c.arc + c.arc / 2) * c.S + c.S / 2
                           : (c.P / 2) * c.S + l * c.arc + c.arc / 2;
    c.gw[L + l] = c.members[l * ns + rand_index(p->seed, TAG(1) + (uint64_t)l, ns)];
  }
  for (int v = 0; v < N; v++) perm[v] = v;
  shuffle(perm, N, p->seed, TAG(2));
  for (int l = 0; l < L; l++) c.gw[2 * L + l] = perm[l];
  free(perm);

  /* Compute model (FLOPs per token, PAPERS §3.2). */
  c.t_exp = 2.0 * 3.0 * p->d_model * (p->d_ff / E) / p->flops_per_s;
  c.t_gw = (8.0 * p->d_model * p->d_model + 2.0 * p->d_model * E + 4.0 * p->n_ctx * p->d_model) /
           p->flops_per_s;
  c.t_head = 2.0 * p->d_model * p->vocab / p->flops_per_s;
  res->compute_s = L * (c.t_gw + c.t_exp) + c.t_head;

  t0 = now_s();
  if (p->gateway == FAI_SXN_GW_MEDOID) FAI_TRY(medoid_gateways(&c, prog, err));
  const double time_medoid = now_s() - t0;

  t0 = now_s();
  int g_exp = 0;
  long long unreach_exp = 0;
  st = expected_latency(&c, prog, &g_exp, &unreach_exp, err);
  const double time_expected = now_s() - t0;
  int interrupted = st == FAI_EINTR;
  if (st != FAI_OK && !(interrupted && g_exp > 0)) goto cleanup;
  st = FAI_OK;
  res->unreachable_expected = unreach_exp;

  obj_sorted = obj_opt = 0;
  for (int d = 0; d < D; d++) {
    double os = 0, oo = 0;
    FAI_TRY(place(&c, d, &os, &oo, err));
    if (d == 0) {
      obj_sorted = os;
      obj_opt = oo;
    }
  }
  if (p->export_milp) FAI_TRY(export_milp(&c, err));

  /* Pass 2: Monte Carlo token latency. */
  t0 = now_s();
  const long ntok = p->tokens;
  const long per_graph = (ntok + G - 1) / G;
  const int nsrc = N_SETS * L;
  const int chunk = p->snap_chunk;
  legs = malloc((size_t)chunk * D * M * L * E * sizeof *legs);
  double *gg = malloc((size_t)chunk * N_SETS * L * sizeof *gg);
  dist = malloc((size_t)chunk * nsrc * N * sizeof *dist);
  tok = malloc((size_t)D * M * ntok * sizeof *tok);
  lay = calloc((size_t)G * D * M * L, sizeof *lay);
  gsum = calloc((size_t)G * D * M, sizeof *gsum);
  legsum = calloc((size_t)M * L * E, sizeof *legsum);
  tok_unreach = calloc((size_t)G, sizeof *tok_unreach);
  int g_mc = 0;
  if (!legs || !gg || !dist || !tok || !lay || !gsum || !legsum || !tok_unreach) {
    free(gg);
    st = fai_error_set(err, FAI_ENOMEM, "out of memory for %ld tokens", ntok);
    goto cleanup;
  }
  const int nt = be->threads > 0 ? be->threads : omp_get_max_threads();
  for (int g0 = 0; !p->expected_only && !interrupted && g0 < G; g0 += chunk) {
    if (fai_interrupted()) {
      interrupted = 1;
      break;
    }
    if (p->time_limit_s > 0 && now_s() - t_start > p->time_limit_s) {
      res->outcome = FAI_OUTCOME_TIME_LIMIT;
      fai_warn("time limit reached: %d of %d graphs evaluated", g0, G);
      break;
    }
    const int nc = G - g0 < chunk ? G - g0 : chunk;
    build_chunk(&c, g0, nc);
    fai_graph_batch gb = {nc, N, N, c.edge_off, c.row_ptr, c.col, c.w};
    st = be->sssp(be, &gb, nsrc, c.gw, dist, NULL, NULL, err);
    if (st == FAI_EINTR) {
      st = FAI_OK;
      interrupted = 1;
      break;
    }
    if (st != FAI_OK) {
      free(gg);
      goto cleanup;
    }
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
    for (int k = 0; k < nc; k++) {
      const int g = g0 + k;
      long long un = 0;
      for (int s = 0; s < N_SETS; s++)
        for (int l = 0; l < L; l++)
          gg[((size_t)k * N_SETS + s) * L + l] =
              pen(&c, dist[((size_t)k * nsrc + s * L + l) * N + c.gw[s * L + (l + 1) % L]], &un);
      for (int d = 0; d < D; d++)
        for (int m = 0; m < M; m++) {
          const int s = set_of(m);
          const int *ex = c.experts + ((size_t)d * M + m) * L * E;
          double *lg = legs + (((size_t)k * D + d) * M + m) * L * E;
          for (int l = 0; l < L; l++) {
            const double *da = dist + ((size_t)k * nsrc + s * L + l) * N;
            const double *dn = dist + ((size_t)k * nsrc + s * L + (l + 1) % L) * N;
            for (int e = 0; e < E; e++) {
              const int v = ex[l * E + e];
              lg[l * E + e] = p->return_to_own_gateway ? 2 * pen(&c, da[v], &un)
                                                       : pen(&c, da[v], &un) + pen(&c, dn[v], &un);
            }
          }
        }
      /* This graph's tokens: k_tok = q·G + g. */
      int sel[64];
      for (long q = 0; q < per_graph; q++) {
        const long kt = q * G + g;
        if (kt >= ntok) break;
        for (int d = 0; d < D; d++) {
          double total[FAI_SXN_METHODS] = {0};
          for (int l = 0; l < L; l++) {
            fai_sxn_draw_topk(&c.act[d], l, p->seed, (uint64_t)d * (uint64_t)ntok + (uint64_t)kt,
                              sel);
            for (int m = 0; m < M; m++) {
              const int *ex = c.experts + ((size_t)d * M + m) * L * E + (size_t)l * E;
              const double *lg = legs + (((size_t)k * D + d) * M + m) * L * E + (size_t)l * E;
              double worst = 0;
              for (int i = 0; i < c.K; i++) {
                int share = 0; /* experts of this token computed on the same satellite */
                for (int j = 0; j < c.K; j++) share += ex[sel[j]] == ex[sel[i]];
                const double v = lg[sel[i]] + share * c.t_exp;
                if (v > worst) worst = v;
              }
              double lat = c.t_gw + worst;
              if (p->return_to_own_gateway) lat += gg[((size_t)k * N_SETS + set_of(m)) * L + l];
              lay[(((size_t)g * D + d) * M + m) * L + l] += lat;
              total[m] += lat;
            }
          }
          for (int m = 0; m < M; m++) {
            total[m] += c.t_head;
            tok[((size_t)d * M + m) * ntok + kt] = total[m];
            gsum[((size_t)g * D + d) * M + m] += total[m];
          }
        }
      }
      tok_unreach[g] = un;
    }
    /* d̄ of the placed experts as evaluated (dataset 0), in graph order. */
    for (int k = 0; k < nc; k++)
      for (int m = 0; m < M; m++) {
        const double *lg = legs + ((size_t)k * D * M + m) * L * E;
        for (int i = 0; i < L * E; i++) legsum[(size_t)m * L * E + i] += lg[i];
      }
    g_mc = g0 + nc;
    fai_progress_report(prog, "montecarlo", g_mc, G);
  }
  free(gg);
  const double time_mc = now_s() - t0;
  if (interrupted) res->outcome = FAI_OUTCOME_INTERRUPTED;
  else if (res->outcome != FAI_OUTCOME_TIME_LIMIT) res->outcome = FAI_OUTCOME_COMPLETE;

  /* Reductions, in index order. */
  long done = 0;
  for (long kt = 0; kt < ntok; kt++) done += (kt % G) < g_mc;
  res->tokens_done = done;
  res->n_sats = N;
  res->n_graphs = G;
  res->layers = L;
  res->experts = E;
  res->datasets = D;
  for (int g = 0; g < g_mc; g++) res->unreachable_tokens += tok_unreach[g];
  sorted = malloc((size_t)(done ? done : 1) * D * sizeof *sorted);
  if (!sorted) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  json_t *metrics = json_object();
  json_t *decisions = json_object();
  json_t *methods = json_object();
  for (int m = 0; m < M; m++) {
    json_t *mm = json_object();
    double ds_mean[64];
    long n = 0;
    double all = 0;
    for (int d = 0; d < D; d++) {
      double sum = 0;
      for (long kt = 0; kt < ntok; kt++)
        if ((kt % G) < g_mc) {
          const double v = tok[((size_t)d * M + m) * ntok + kt];
          sum += v;
          sorted[n++] = v;
        }
      ds_mean[d] = done ? sum / done : NAN;
      all += ds_mean[d];
    }
    res->mean_s[m] = all / D;
    res->ds_min_s[m] = res->ds_max_s[m] = ds_mean[0];
    for (int d = 1; d < D; d++) {
      if (ds_mean[d] < res->ds_min_s[m]) res->ds_min_s[m] = ds_mean[d];
      if (ds_mean[d] > res->ds_max_s[m]) res->ds_max_s[m] = ds_mean[d];
    }
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_double);
    res->p95_s[m] = n ? sorted[(size_t)ceil(0.95 * n) - 1] : NAN;
    /* Per layer and per snapshot. */
    double *per_layer = calloc((size_t)L, sizeof *per_layer);
    double *per_snap = calloc((size_t)T, sizeof *per_snap);
    long *snap_tok = calloc((size_t)T, sizeof *snap_tok);
    if (!per_layer || !per_snap || !snap_tok) {
      free(per_layer), free(per_snap), free(snap_tok);
      json_decref(mm), json_decref(metrics), json_decref(decisions), json_decref(methods);
      st = fai_error_set(err, FAI_ENOMEM, "out of memory");
      goto cleanup;
    }
    for (int g = 0; g < g_mc; g++) {
      long ng = 0;
      for (long kt = g; kt < ntok; kt += G) ng++;
      for (int d = 0; d < D; d++) {
        for (int l = 0; l < L; l++) per_layer[l] += lay[(((size_t)g * D + d) * M + m) * L + l];
        per_snap[g % T] += gsum[((size_t)g * D + d) * M + m];
      }
      snap_tok[g % T] += ng * D;
    }
    for (int l = 0; l < L; l++) per_layer[l] = done ? per_layer[l] / ((double)done * D) : NAN;
    for (int t = 0; t < T; t++) per_snap[t] = snap_tok[t] ? per_snap[t] / snap_tok[t] : NAN;
    double obj = 0;
    for (int l = 0; l < L; l++)
      for (int e = 0; e < E; e++)
        obj += c.act[0].prob[l * E + e] * (g_mc ? legsum[((size_t)m * L + l) * E + e] / g_mc : NAN);
    res->objective[m] = obj;
    json_object_set_new(mm, "mean_s", json_real(res->mean_s[m]));
    json_object_set_new(mm, "p95_s", json_real(res->p95_s[m]));
    json_object_set_new(mm, "dataset_mean_s", jarr_d(ds_mean, D));
    json_object_set_new(mm, "per_layer_mean_s", jarr_d(per_layer, L));
    json_object_set_new(mm, "per_snapshot_mean_s", jarr_d(per_snap, T));
    json_object_set_new(mm, "expected_objective_s", json_real(obj));
    json_object_set_new(metrics, fai_sxn_method_name(m), mm);
    free(per_layer), free(per_snap), free(snap_tok);

    json_t *dm = json_object();
    json_object_set_new(dm, "gateway_set", json_string(set_of(m) == 0 ? "central" : set_of(m) == 1
                                                                                  ? "random-ring"
                                                                                  : "random"));
    json_object_set_new(dm, "gateways", jarr_i(c.gw + set_of(m) * L, L));
    json_t *exd = json_array();
    for (int d = 0; d < D; d++) {
      json_t *ex = json_array();
      for (int l = 0; l < L; l++)
        json_array_append_new(ex, jarr_i(c.experts + (((size_t)d * M + m) * L + l) * E, E));
      json_array_append_new(exd, ex);
    }
    json_object_set_new(dm, "experts", exd);
    json_object_set_new(methods, fai_sxn_method_name(m), dm);
  }
  json_object_set_new(metrics, "tokens_per_dataset", json_integer(done));
  json_object_set_new(metrics, "graphs_evaluated", json_integer(g_mc));
  json_object_set_new(metrics, "graphs_averaged_for_expected_latency", json_integer(g_exp));
  json_object_set_new(metrics, "unreachable",
                      json_pack("{s:I, s:I, s:f}", "expected_latency_legs", (json_int_t)unreach_exp,
                                "token_legs", (json_int_t)res->unreachable_tokens, "penalty_s",
                                p->unreachable_penalty_s));
  json_object_set_new(metrics, "mean_isl_up", json_real(isl_up));
  json_object_set_new(
      metrics, "compute_per_token_s",
      json_pack("{s:f, s:f, s:f, s:f}", "gateway_per_layer", c.t_gw, "expert", c.t_exp,
                "lm_head_on_last_gateway", c.t_head, "total_one_expert_per_satellite",
                res->compute_s));
  json_object_set_new(metrics, "assignment_check",
                      json_pack("{s:f, s:f, s:s}", "sorted_matching", obj_sorted, "hungarian",
                                obj_opt, "note",
                                "Space-XNet, dataset 0, objective sum_l sum_e p*dbar at placement"));

  json_t *subnets = json_array();
  for (int l = 0; l < L; l++)
    json_array_append_new(subnets, json_pack("{s:i, s:i, s:i, s:i}", "layer", l, "first_slot",
                                             l * c.arc, "slots", c.arc, "satellites", ns));
  json_object_set_new(decisions, "subnets", subnets);
  json_object_set_new(decisions, "methods", methods);
  json_t *db = json_object();
  for (int s = 0; s < 2; s++) {
    json_t *rows = json_array();
    for (int l = 0; l < L; l++) json_array_append_new(rows, jarr_d(c.dbar + ((size_t)s * L + l) * ns, ns));
    json_object_set_new(db, s == 0 ? "central" : "random-ring", rows);
  }
  json_object_set_new(decisions, "expected_path_latency_s", db);
  json_object_set_new(decisions, "satellite_numbering", json_string("plane * sats_per_plane + slot"));
  fai_plan_set(plan, "decisions", decisions);
  fai_plan_set(plan, "metrics", metrics);

  json_t *in = json_object();
  json_object_set_new(
      in, "constellation",
      json_pack("{s:i, s:i, s:i, s:s, s:f, s:f, s:i, s:f, s:f, s:f, s:f, s:i}", "planes", c.P,
                "sats_per_plane", c.S, "phasing", p->phasing, "pattern",
                p->delta ? "delta" : "star", "altitude_km", p->altitude_m / 1e3,
                "inclination_deg", p->inclination_rad / FAI_DEG, "snapshots", T, "step_s",
                sc.step_s, "max_pointing_rate_rad_s", p->max_pointing_rate_rad_s, "survival_p",
                p->survival_p, "isl_rate_gbps", p->isl_rate_bps / 1e9, "failure_draws", c.R));
  json_t *model = json_pack(
      "{s:i, s:i, s:i, s:i, s:s, s:b, s:i, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
      "layers", L, "experts", E, "top_k", c.K, "arc", c.arc, "gateway",
      p->gateway == FAI_SXN_GW_MEDOID ? "medoid" : "center", "return_to_own_gateway",
      p->return_to_own_gateway, "experts_per_satellite", c.cap, "unreachable_penalty_s",
      p->unreachable_penalty_s, "flops_per_s", p->flops_per_s, "d_model", p->d_model, "d_ff",
      p->d_ff, "vocab", p->vocab, "n_ctx", p->n_ctx, "hop_bits",
      (p->token_bytes > 0 ? p->token_bytes : 2 * p->d_model) * 8, "hop_delay_s", p->hop_delay_s);
  json_object_set_new(model, "paths", json_string(p->paths == FAI_SXN_PATHS_FLOYD
                                                      ? "floyd-warshall"
                                                      : "dijkstra"));
  json_object_set_new(in, "model", model);
  json_t *acts = json_object();
  if (p->activation_file) {
    json_object_set_new(acts, "source", json_string("file"));
    json_object_set_new(acts, "sampler", json_string("systematic (exact marginals)"));
  } else {
    json_object_set_new(acts, "source", json_string("synthetic"));
    json_object_set_new(acts, "dirichlet_alpha", json_real(p->dirichlet_alpha));
    json_object_set_new(acts, "datasets", json_integer(D));
    json_object_set_new(acts, "sampler", json_string("plackett-luce"));
  }
  json_t *probs = json_array();
  for (int l = 0; l < L; l++) json_array_append_new(probs, jarr_d(c.act[0].prob + (size_t)l * E, E));
  json_object_set_new(acts, "probabilities_dataset0", probs);
  json_object_set_new(in, "activations", acts);
  json_object_set_new(in, "tokens", json_integer(ntok));
  fai_plan_set(plan, "inputs", in);
  if (p->activation_file) FAI_TRY(fai_plan_add_input_file(plan, "activations", p->activation_file, err));
  fai_plan_set_objective(plan, "expected_weighted_path_latency_s", "min", obj_sorted, obj_opt);
  fai_plan_set_outcome(plan, p->expected_only ? (g_exp == G ? FAI_OUTCOME_COMPLETE
                                                            : FAI_OUTCOME_INTERRUPTED)
                                              : res->outcome);
  if (p->expected_only) res->outcome = g_exp == G ? FAI_OUTCOME_COMPLETE : FAI_OUTCOME_INTERRUPTED;
  fai_plan_timing(plan, "timeline", tl.timing_s[5]);
  fai_plan_timing(plan, "failure_draws", time_draws);
  fai_plan_timing(plan, "medoid", time_medoid);
  fai_plan_timing(plan, "expected_latency", time_expected);
  fai_plan_timing(plan, "montecarlo", time_mc);
  fai_plan_timing(plan, "total", now_s() - t_start);
  json_object_set_new(plan->run, "expected_latency_graphs_per_s",
                      json_real(time_expected > 0 ? g_exp / time_expected : 0));
  if (res->outcome == FAI_OUTCOME_INTERRUPTED)
    st = fai_error_set(err, FAI_EINTR, "interrupted: %ld of %ld tokens per dataset evaluated", done,
                       ntok);

cleanup:
  if (c.act)
    for (int d = 0; d < c.D; d++) fai_sxn_activation_free(&c.act[d]);
  free(c.act);
  free(c.alive);
  free(c.members);
  free(c.gw);
  free(c.experts);
  free(c.dbar);
  free(c.edge_off);
  free(c.row_ptr);
  free(c.col);
  free(c.w);
  free(legs);
  free(dist);
  free(tok);
  free(lay);
  free(gsum);
  free(legsum);
  free(tok_unreach);
  free(sorted);
  fai_timeline_free(&tl);
  fai_scenario_free(&sc);
  return st;
}

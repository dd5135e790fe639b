/* Large–small model collaboration (include/fluidai/lsm.h, kernels/offload_core.h):
 * bisection against exhaustive λ grids with an independent delay model,
 * load accounting on a hand-built graph, the congestion router's
 * monotone objective on random graphs, the backend op on cpu (and cuda
 * parity, suite `parity`, skipped without a device), plan determinism for
 * 1 vs 2 threads, and bad input with locations. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/backend.h"
#include "fluidai/json.h"
#include "fluidai/lsm.h"
#include "offload_core.h"

static uint64_t tl_next(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
static double tl_unit(uint64_t *s) {
  return (double)(tl_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* A random connected graph: a ring of n nodes plus `extra` chords, props
 * 2..20 ms, rates 1..20 Gbps. */
typedef struct rgraph {
  int n, L;
  int a[64], b[64];
  double prop[64], rate[64];
} rgraph;

static void rgraph_make(rgraph *g, int n, int extra, uint64_t *rs) {
  g->n = n;
  g->L = 0;
  for (int i = 0; i < n; i++) {
    g->a[g->L] = i;
    g->b[g->L] = (i + 1) % n;
    g->L++;
  }
  for (int k = 0; k < extra; k++) {
    int u = (int)(tl_unit(rs) * n), v = (int)(tl_unit(rs) * n);
    if (u == v || (u + 1) % n == v || (v + 1) % n == u) continue;
    g->a[g->L] = u;
    g->b[g->L] = v;
    g->L++;
  }
  for (int l = 0; l < g->L; l++) {
    g->prop[l] = 0.002 + 0.018 * tl_unit(rs);
    g->rate[l] = 1e9 * (1 + 19 * tl_unit(rs));
  }
}

/* Independent model (from the definitions, not the core): delay of RS r at
 * ratio lam given every RS's route and whether it is active. */
typedef struct oracle {
  const rgraph *g;
  int R;
  const int *k;           /* [R] links on route */
  const int (*links)[64]; /* [R][64] */
  const int *cs_ops_idx;  /* [R] target */
  const double *D, *fr, *fc;
  double ks, kl, rho;
} oracle;

static double oracle_delay(const oracle *o, const int *act, int r, double lam) {
  const double tloc = (1 - lam) * o->D[r] * o->ks / o->fr[r];
  if (lam <= 0) return tloc;
  double toff = 0;
  for (int i = 0; i < o->k[r]; i++) {
    const int l = o->links[r][i];
    int nab = 0;
    for (int s = 0; s < o->R; s++) {
      if (!act[s]) continue;
      for (int j = 0; j < o->k[s]; j++) nab += o->links[s][j] == l;
    }
    toff += lam * o->D[r] / (o->g->rate[l] / nab) + o->g->prop[l];
    if (o->rho > 0) toff += o->rho * lam * o->D[r] * nab / o->g->rate[l] + o->g->prop[l];
  }
  int nc = 0;
  for (int s = 0; s < o->R; s++) nc += act[s] && o->cs_ops_idx[s] == o->cs_ops_idx[r];
  toff += lam * o->D[r] * o->kl / (o->fc[o->cs_ops_idx[r]] / nc);
  return tloc > toff ? tloc : toff;
}

/* Golden-section minimum of the oracle for r on [lo, hi]. */
static double golden(const oracle *o, const int *act, int r, double lo, double hi) {
  const double phi = 0.6180339887498949;
  double a = lo, b = hi;
  for (int it = 0; it < 200 && b - a > 1e-13; it++) {
    const double c = b - phi * (b - a), d = a + phi * (b - a);
    if (oracle_delay(o, act, r, c) <= oracle_delay(o, act, r, d))
      b = d;
    else
      a = c;
  }
  return 0.5 * (a + b);
}

Test(lsm, bisection_core_edges) {
  double lam, T;
  /* propagation alone exceeds the local time: stay local */
  double t1[4] = {0.01, 0.02, 1.0, -1};
  cr_assert_eq(fai_lsm_bisect(t1, 1e-9, 60, &lam, &T), 0);
  cr_assert_eq(lam, 0.0);
  cr_assert_eq(T, 0.01);
  /* free offloading: everything goes */
  double t2[4] = {1.0, 0.0, 0.0, -1};
  fai_lsm_bisect(t2, 1e-9, 60, &lam, &T);
  cr_assert_eq(lam, 1.0);
  cr_assert_eq(T, 0.0);
  /* the crossing (local - fixed) / (local + slope), within the tolerance */
  double t3[4] = {0.5, 0.01, 0.25, -1};
  const int steps = fai_lsm_bisect(t3, 1e-9, 60, &lam, &T);
  cr_assert(steps <= 31, "%d halvings", steps);
  cr_assert(fabs(lam - 0.49 / 0.75) <= 1e-9, "lam %.12f", lam);
  cr_assert(fabs(T - (1 - 0.49 / 0.75) * 0.5) <= 1e-9);
  /* the step cap binds */
  cr_assert_eq(fai_lsm_bisect(t3, 1e-30, 10, &lam, &T), 10);
  /* fixed ratios */
  double t4[4] = {0.5, 0.01, 0.25, 0.5};
  fai_lsm_item(t4, 1e-9, 60, &lam, &T);
  cr_assert_eq(lam, 0.5);
  cr_assert_eq(T, 0.25); /* local half dominates */
  double t5[4] = {0.5, 0.01, 0.25, 0.0};
  fai_lsm_item(t5, 1e-9, 60, &lam, &T);
  cr_assert_eq(T, 0.5);
}

/* One or two RS satellites on fixed shortest routes: the bisection ratio of
 * each equals the minimum of the independent model (exhaustive grid, then
 * golden section in the best grid cell) to 1e-6, and the objective is no
 * worse than any grid point (2-D grid for two satellites). */
Test(lsm, bisection_equals_exhaustive_grid) {
  uint64_t rs = 42;
  fai_lsm_model m;
  fai_lsm_model_init(&m);
  int checked = 0;
  for (int inst = 0; inst < 24; inst++) {
    rgraph g;
    rgraph_make(&g, 5 + (int)(tl_unit(&rs) * 5), 3, &rs);
    const int R = 1 + inst % 2, C = 1 + (inst / 2) % 2;
    int rsn[2], csn[2];
    double D[2], fr[2], fc[2];
    rsn[0] = 0;
    rsn[1] = 1;
    csn[0] = g.n - 1;
    csn[1] = g.n / 2;
    for (int r = 0; r < R; r++) {
      D[r] = 1e8 * (1 + 9 * tl_unit(&rs));
      fr[r] = 1e10;
    }
    for (int c = 0; c < C; c++) fc[c] = 1e12 * (1 + 99 * tl_unit(&rs));
    m.kappa_s = 5 + 20 * tl_unit(&rs);
    m.kappa_l = 20 * m.kappa_s;
    m.result_ratio = inst % 3 == 0 ? 0.1 : 0.0;
    fai_lsm_net net = {g.n, g.L, g.a, g.b, g.prop, g.rate};
    fai_lsm_sats sats = {R, C, rsn, D, fr, csn, fc};
    fai_lsm_work *w = fai_lsm_work_create(g.n, g.L, R, C);
    fai_error err;
    cr_assert_eq(fai_lsm_work_reset(w, &net, &sats, &m, &err), FAI_OK);
    fai_lsm_route_shortest(w, NULL, NULL);
    fai_lsm_loads(w, -1.0);
    double lam[2], dl[2];
    const double J = fai_lsm_evaluate(w, -1.0, lam, dl);
    int k[2], links[2][64], tg[2], act[2];
    for (int r = 0; r < R; r++) {
      const int *lk;
      k[r] = fai_lsm_route(w, r, &tg[r], &lk, NULL);
      cr_assert(k[r] >= 1);
      memcpy(links[r], lk, (size_t)k[r] * sizeof(int));
      act[r] = lam[r] > 0;
    }
    oracle o = {&g, R, k, (const int(*)[64])links, tg, D, fr, fc, m.kappa_s, m.kappa_l,
                m.result_ratio};
    for (int r = 0; r < R; r++) {
      if (!act[r]) continue; /* local: checked by the grid below */
      const int G = 20000;
      int best = 1;
      for (int i = 1; i <= G; i++)
        if (oracle_delay(&o, act, r, (double)i / G) < oracle_delay(&o, act, r, (double)best / G))
          best = i;
      const double lo = (best - 1) / (double)G, hi = best < G ? (best + 1) / (double)G : 1.0;
      const double lam_o = golden(&o, act, r, lo > 0 ? lo : 1e-15, hi);
      cr_assert(fabs(lam[r] - lam_o) <= 1e-6, "inst %d rs %d: bisection %.12f oracle %.12f", inst,
                r, lam[r], lam_o);
      cr_assert(fabs(dl[r] - oracle_delay(&o, act, r, lam[r])) <= 1e-12 * (1 + dl[r]));
      checked++;
    }
    /* grid over every RS's ratio (activity as the grid point says) */
    const int G2 = R == 1 ? 4000 : 200;
    double gmin = INFINITY;
    for (int i = 0; i <= G2; i++)
      for (int j = 0; j <= (R == 2 ? G2 : 0); j++) {
        const double x[2] = {(double)i / G2, (double)j / G2};
        int a2[2] = {x[0] > 0, x[1] > 0};
        /* only points where the active set is the solver's (fixed loads) */
        if (a2[0] != act[0] || (R == 2 && a2[1] != act[1])) continue;
        double s = 0;
        for (int r = 0; r < R; r++) s += oracle_delay(&o, a2, r, x[r]);
        gmin = fmin(gmin, s / R);
      }
    if (isfinite(gmin)) cr_assert(J <= gmin + 1e-12, "inst %d: J %.12g grid %.12g", inst, J, gmin);
    fai_lsm_work_free(w);
  }
  cr_assert(checked >= 20, "%d satellites checked", checked);
}

/* Hand-built graph:  0 - 1 - 2 - 3 - 5,  1 - 4 - 3;  RS 0, 2, 5; computing 3. */
Test(lsm, load_accounting_on_hand_built_graph) {
  int a[6] = {0, 1, 2, 1, 4, 3}, b[6] = {1, 2, 3, 4, 3, 5};
  double prop[6] = {0.001, 0.001, 0.001, 0.001, 0.001, 0.3};
  double rate[6] = {1e9, 2e9, 4e9, 1e9, 1e9, 5e9};
  fai_lsm_net net = {6, 6, a, b, prop, rate};
  int rsn[3] = {0, 2, 5}, csn[1] = {3};
  double D[3] = {1e8, 2e8, 1e8}, fr[3] = {1e10, 1e10, 1e10}, fc[1] = {1e12};
  fai_lsm_sats sats = {3, 1, rsn, D, fr, csn, fc};
  fai_lsm_model m;
  fai_lsm_model_init(&m);
  fai_lsm_work *w = fai_lsm_work_create(6, 6, 3, 1);
  fai_error err;
  cr_assert_eq(fai_lsm_work_reset(w, &net, &sats, &m, &err), FAI_OK);
  int p0[4] = {0, 1, 2, 3}, p1[2] = {2, 3}, p2[2] = {5, 3}, bad[3] = {0, 2, 3};
  cr_assert_eq(fai_lsm_route_set(w, 0, 0, 4, p0, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(fai_lsm_route_set(w, 1, 0, 2, p1, &err), FAI_OK);
  cr_assert_eq(fai_lsm_route_set(w, 2, 0, 2, p2, &err), FAI_OK);
  cr_assert_eq(fai_lsm_route_set(w, 0, 0, 3, bad, &err), FAI_EINVAL);
  cr_assert(strstr(err.msg, "no ISL between satellites 0 and 2"), "%s", err.msg);
  /* all routed RS active (λ ≡ 1) */
  fai_lsm_loads(w, 1.0);
  const int want1[6] = {1, 1, 2, 0, 0, 1};
  for (int l = 0; l < 6; l++) cr_assert_eq(fai_lsm_link_load(w, l), want1[l], "link %d", l);
  cr_assert_eq(fai_lsm_cs_load(w, 0), 3);
  double t[4];
  fai_lsm_terms(w, 0, 1.0, t);
  cr_assert_eq(t[FAI_LSM_T_LOCAL], 1e8 * 10 / 1e10);
  cr_assert(fabs(t[FAI_LSM_T_FIXED] - 0.003) < 1e-15);
  const double slope = 1e8 * (1 / 1e9 + 1 / 2e9 + 2 / 4e9 + 200 * 3 / 1e12);
  cr_assert(fabs(t[FAI_LSM_T_SLOPE] - slope) <= 1e-12 * slope, "%.17g vs %.17g",
            t[FAI_LSM_T_SLOPE], slope);
  /* λ ≡ 0: nothing on the links */
  fai_lsm_loads(w, 0.0);
  for (int l = 0; l < 6; l++) cr_assert_eq(fai_lsm_link_load(w, l), 0);
  cr_assert_eq(fai_lsm_cs_load(w, 0), 0);
  /* optimised: RS 5 stays local (0.3 s of propagation > its 0.1 s local time) */
  fai_lsm_loads(w, -1.0);
  const int want2[6] = {1, 1, 2, 0, 0, 0};
  for (int l = 0; l < 6; l++) cr_assert_eq(fai_lsm_link_load(w, l), want2[l], "link %d", l);
  cr_assert_eq(fai_lsm_cs_load(w, 0), 2);
  double lam[3], dl[3];
  fai_lsm_evaluate(w, -1.0, lam, dl);
  cr_assert_eq(lam[2], 0.0);
  cr_assert_eq(dl[2], 0.1);
  cr_assert(lam[0] > 0 && lam[1] > 0);
  fai_lsm_work_free(w);
}

/* The alternation never increases the objective sweep over sweep, starts at
 * the shortest-path solution (so never ends worse), and its final objective
 * is what an independent re-evaluation of its routes gives. */
Test(lsm, congestion_objective_never_increases) {
  uint64_t rs = 7;
  fai_lsm_model m;
  fai_lsm_model_init(&m);
  m.rel_change = 0;
  m.max_sweeps = 20;
  int improved = 0;
  for (int inst = 0; inst < 40; inst++) {
    rgraph g;
    rgraph_make(&g, 10 + (int)(tl_unit(&rs) * 12), 10, &rs);
    const int R = 3 + inst % 4, C = 1 + inst % 3;
    int rsn[8], csn[4];
    double D[8], fr[8], fc[4];
    for (int r = 0; r < R; r++) {
      rsn[r] = r;
      D[r] = 5e8 * (1 + 3 * tl_unit(&rs));
      fr[r] = 1e10;
    }
    for (int c = 0; c < C; c++) {
      csn[c] = g.n - 1 - c;
      fc[c] = 2e14;
    }
    m.objective = inst % 5 == 4 ? FAI_LSM_OBJ_MAX : FAI_LSM_OBJ_MEAN;
    fai_lsm_net net = {g.n, g.L, g.a, g.b, g.prop, g.rate};
    fai_lsm_sats sats = {R, C, rsn, D, fr, csn, fc};
    fai_lsm_work *w = fai_lsm_work_create(g.n, g.L, R, C);
    fai_error err;
    cr_assert_eq(fai_lsm_work_reset(w, &net, &sats, &m, &err), FAI_OK);
    fai_lsm_route_shortest(w, NULL, NULL);
    fai_lsm_loads(w, -1.0);
    double lam[8], dl[8], trace[21];
    const double Jshort = fai_lsm_evaluate(w, -1.0, lam, dl);
    const int sw = fai_lsm_congestion(w, trace);
    cr_assert(sw >= 1 && sw <= 20);
    cr_assert_eq(trace[0], Jshort);
    for (int s = 1; s <= sw; s++)
      cr_assert(trace[s] <= trace[s - 1], "inst %d sweep %d: %.17g > %.17g", inst, s, trace[s],
                trace[s - 1]);
    fai_lsm_loads(w, -1.0);
    const double Jfinal = fai_lsm_evaluate(w, -1.0, lam, dl);
    cr_assert_eq(Jfinal, trace[sw], "inst %d", inst);
    cr_assert(Jfinal <= Jshort);
    improved += Jfinal < Jshort;
    fai_lsm_work_free(w);
  }
  cr_assert(improved >= 5, "congestion routing improved only %d of 40 instances", improved);
}

/* --- backend op ---------------------------------------------------------------------- */

static double *random_terms(int64_t n, uint64_t seed) {
  double *t = malloc((size_t)n * FAI_LSM_TERMS * sizeof(double));
  uint64_t rs = seed;
  for (int64_t i = 0; i < n; i++) {
    double *x = t + i * FAI_LSM_TERMS;
    x[0] = 0.01 + tl_unit(&rs);
    x[1] = 0.2 * tl_unit(&rs);
    x[2] = tl_unit(&rs);
    const double u = tl_unit(&rs);
    x[3] = u < 0.6 ? -1.0 : (u < 0.7 ? 0.0 : (u < 0.8 ? 1.0 : 0.5));
  }
  return t;
}

Test(lsm, cpu_op_matches_core_for_any_thread_count) {
  const int64_t n = 5000;
  double *t = random_terms(n, 3);
  double *l1 = malloc(n * sizeof(double)), *d1 = malloc(n * sizeof(double));
  double *l2 = malloc(n * sizeof(double)), *d2 = malloc(n * sizeof(double));
  fai_backend be;
  fai_error err;
  cr_assert_eq(fai_backend_select(FAI_BACKEND_CPU, 1, &be, &err), FAI_OK);
  cr_assert_eq(be.lsm_ratio(&be, n, t, 1e-9, 60, l1, d1, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(fai_backend_select(FAI_BACKEND_CPU, 2, &be, &err), FAI_OK);
  cr_assert_eq(be.lsm_ratio(&be, n, t, 1e-9, 60, l2, d2, &err), FAI_OK);
  cr_assert_eq(memcmp(l1, l2, n * sizeof(double)), 0);
  cr_assert_eq(memcmp(d1, d2, n * sizeof(double)), 0);
  for (int64_t i = 0; i < n; i++) {
    double lam, T;
    fai_lsm_item(t + i * FAI_LSM_TERMS, 1e-9, 60, &lam, &T);
    cr_assert_eq(lam, l1[i]);
    cr_assert_eq(T, d1[i]);
  }
  cr_assert_eq(be.lsm_ratio(&be, n, t, 0.0, 60, l1, d1, &err), FAI_EINVAL);
  free(t);
  free(l1);
  free(d1);
  free(l2);
  free(d2);
}

Test(parity, lsm_ratio_cuda_matches_cpu_bytes) {
  fai_backend cpu, cuda;
  fai_error err;
  fai_error_clear(&err);
  if (fai_backend_select(FAI_BACKEND_CUDA, 0, &cuda, &err) != FAI_OK)
    cr_skip_test("no CUDA device: %s", err.msg);
  cr_assert_eq(fai_backend_select(FAI_BACKEND_CPU, 2, &cpu, &err), FAI_OK);
  const int64_t n = 300000;
  double *t = random_terms(n, 11);
  double *l1 = malloc(n * sizeof(double)), *d1 = malloc(n * sizeof(double));
  double *l2 = malloc(n * sizeof(double)), *d2 = malloc(n * sizeof(double));
  cr_assert_eq(cpu.lsm_ratio(&cpu, n, t, 1e-9, 60, l1, d1, &err), FAI_OK);
  cr_assert_eq(cuda.lsm_ratio(&cuda, n, t, 1e-9, 60, l2, d2, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(memcmp(l1, l2, n * sizeof(double)), 0);
  cr_assert_eq(memcmp(d1, d2, n * sizeof(double)), 0);
  free(t);
  free(l1);
  free(d1);
  free(l2);
  free(d2);
}

/* --- whole timeline ---------------------------------------------------------------- */

static fai_status small_solve(const char *instance, const char *policy, int threads,
                              fai_lsm_router router, char **text, fai_error *err) {
  fai_scenario sc;
  fai_scenario_init(&sc);
  fai_shell sh;
  memset(&sh, 0, sizeof sh);
  snprintf(sh.name, sizeof sh.name, "shell1");
  sh.planes = 10;
  sh.sats_per_plane = 10;
  sh.phasing = 1;
  sh.altitude_m = 550e3;
  sh.inclination_rad = 53 * FAI_DEG;
  sh.pattern = FAI_WALKER_DELTA;
  fai_constellation cons;
  memset(&cons, 0, sizeof cons);
  cons.n_shells = 1;
  cons.shells[0] = sh;
  fai_status st = fai_lsm_walker_scenario(&sc, &cons, 1800, 600, 5, err);
  fai_lsm_params p;
  fai_lsm_params_init(&p);
  p.instance_file = instance;
  p.policy_file = policy;
  p.router = router;
  p.threads = threads;
  p.seed = 5;
  p.decisions = 1;
  p.snap_chunk = 3;
  fai_backend be;
  fai_plan plan = {NULL, NULL};
  fai_lsm_result res;
  *text = NULL;
  if (st == FAI_OK) st = fai_backend_select(FAI_BACKEND_CPU, threads, &be, err);
  if (st == FAI_OK) st = fai_plan_init(&plan, "offload.lsm", 5, err);
  if (st == FAI_OK) st = fai_lsm_solve(&sc, &p, &be, NULL, &plan, &res, err);
  if (st == FAI_OK) *text = fai_json_dumps(plan.doc);
  fai_plan_free(&plan);
  fai_scenario_free(&sc);
  return st;
}

Test(lsm, plan_identical_for_1_and_2_threads) {
  static const fai_lsm_router routers[3] = {FAI_LSM_ROUTER_CONGESTION, FAI_LSM_ROUTER_SHORTEST,
                                            FAI_LSM_ROUTER_POLICY};
  for (int i = 0; i < 3; i++) {
    char *a, *b;
    fai_error err;
    const char *inst = i == 1 ? NULL : "tests/data/lsm-small.json";
    const char *pol = i == 2 ? "tests/data/lsm-policy.json" : NULL;
    cr_assert_eq(small_solve(inst, pol, 1, routers[i], &a, &err), FAI_OK, "%s", err.msg);
    cr_assert_eq(small_solve(inst, pol, 2, routers[i], &b, &err), FAI_OK, "%s", err.msg);
    cr_assert(a && b);
    cr_assert_str_eq(a, b, "router %d", i);
    cr_assert(strstr(a, "\"detail\": \"all\""));
    free(a);
    free(b);
  }
}

Test(lsm, bad_input_has_locations) {
  char *txt;
  fai_error err;
  cr_assert_eq(small_solve("tests/data/lsm-bad-negative-ops.json", NULL, 1,
                           FAI_LSM_ROUTER_CONGESTION, &txt, &err),
               FAI_EINVAL);
  cr_assert_str_eq(err.path, "$.rs[1].ops_per_s");
  cr_assert_eq(err.line, 4);
  cr_assert(strstr(err.msg, "-1e+10"), "%s", err.msg);
  cr_assert_eq(small_solve("tests/data/lsm-small.json", "tests/data/lsm-policy-unknown-sat.json",
                           1, FAI_LSM_ROUTER_POLICY, &txt, &err),
               FAI_EINVAL);
  cr_assert_str_eq(err.path, "$.routes[1].rs");
  cr_assert(strstr(err.msg, "satellite 5 is not a remote-sensing satellite"), "%s", err.msg);
  cr_assert_eq(small_solve("tests/data/lsm-small.json", "tests/data/lsm-policy-bad-isl.json", 1,
                           FAI_LSM_ROUTER_POLICY, &txt, &err),
               FAI_EINVAL);
  cr_assert_str_eq(err.path, "$.routes[0].path[1]");
  cr_assert(strstr(err.msg, "no ISL between"), "%s", err.msg);
  cr_assert_eq(small_solve("tests/data/lsm-bad-unknown-sat.json", NULL, 1,
                           FAI_LSM_ROUTER_CONGESTION, &txt, &err),
               FAI_EINVAL);
  cr_assert_str_eq(err.path, "$.compute[1]");
}

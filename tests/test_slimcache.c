/* SlimCaching: MoE expert placement against exact oracles (GLPK MILP, brute
 * force) on random small instances with fixed seeds, the sgd-fast (1−ε)
 * guarantee, storage constraints, determinism and trace errors; the
 * moe_latency backend op and its cores (kernels/cache_core.h) against a
 * direct evaluation, and cpu-vs-cuda parity (skipped without a device). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache_core.h"
#include "fluidai/backend.h"
#include "fluidai/json.h"
#include "fluidai/rng.h"
#include "fluidai/slimcache.h"

#define N_RANDOM 200

typedef struct rnd {
  uint64_t seed, n;
} rnd;
static double ru(rnd *r) { return fai_rng_uniform(r->seed, FAI_STREAM_TEST, r->n++); }
static int ri(rnd *r, int lo, int hi) { return lo + (int)(ru(r) * (hi - lo + 1)); }

/* A random instance: N servers, U users (devices hold dev_units), L layers of E
 * experts, top-K; sizes and capacities in whole MB; latencies in ms. */
static void make_instance(uint64_t seed, int N, int U, int L, int E, int K, int dev_units, fai_slim_instance *si) {
  rnd r = {seed, 0};
  memset(si, 0, sizeof *si);
  si->N = N, si->U = U, si->L = L, si->E = E, si->K = K, si->V = N + U;
  si->node_bytes = calloc((size_t)si->V, sizeof(int64_t));
  si->expert_bytes = calloc((size_t)L, sizeof(int64_t));
  si->w = calloc((size_t)U, sizeof(double));
  si->tau = calloc((size_t)U * si->V * L, sizeof(double));
  si->tau_far = calloc((size_t)U * L, sizeof(double));
  for (int l = 0; l < L; l++) si->expert_bytes[l] = (int64_t)ri(&r, 1, 3) * 1000000;
  for (int n = 0; n < N; n++) si->node_bytes[n] = (int64_t)ri(&r, 0, 6) * 1000000;
  for (int u = 0; u < U; u++) si->node_bytes[N + u] = (int64_t)ri(&r, 0, dev_units) * 1000000;
  double ws = 0;
  for (int u = 0; u < U; u++) ws += (si->w[u] = 0.5 + ru(&r));
  for (int u = 0; u < U; u++) si->w[u] /= ws;
  for (int u = 0; u < U; u++)
    for (int l = 0; l < L; l++) {
      si->tau_far[(size_t)u * L + l] = 0.020 + 0.02 * ru(&r);
      for (int v = 0; v < si->V; v++) {
        double t = INFINITY;
        if (v < N && ru(&r) < 0.75) t = 0.001 + 0.009 * ru(&r);
        if (v == N + u) t = 0.0005 + 0.0045 * ru(&r);
        si->tau[((size_t)u * si->V + v) * L + l] = t;
      }
    }
  fai_slim_trace tr;
  fai_error err;
  cr_assert_eq(fai_slim_trace_synth(U, L, E, K, 12, 1.0, ri(&r, 1, 2), seed, &tr, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(fai__slim_set_trace(si, &tr, &err), FAI_OK, "%s", err.msg);
  fai_slim_trace_free(&tr);
}

static double brute_force(const fai_slim_instance *si) {
  const int n = si->V * si->L * si->E;
  uint8_t x[32];
  double best = INFINITY;
  for (uint32_t m = 0; m < (1u << n); m++) {
    for (int j = 0; j < n; j++) x[j] = (uint8_t)(m >> j & 1u);
    if (fai_slim_storage_check(si, x) >= 0) continue;
    best = fmin(best, fai_slim_latency(si, x));
  }
  return best;
}

static void solve(const fai_slim_instance *si, fai_slim_algo a, int threads, fai_slim_result *r) {
  fai_slim_params p;
  fai_slim_params_init(&p);
  p.algo = a;
  p.threads = threads;
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_slim_solve(si, &p, r, &err), FAI_OK, "%s: %s", fai_slim_algo_name(a), err.msg);
}

Test(slimcache, milp_equals_brute_force_on_random_instances, .timeout = 60) {
  fai_glpk_route_output();
  for (int it = 0; it < N_RANDOM; it++) {
    fai_slim_instance si;
    const int N = 1 + it % 2, U = 1 + (it / 2) % 2, E = 3 + (it / 4) % 2, K = 1 + (it / 8) % 2;
    const int L = (N + U) * E * 2 <= 12 ? 2 : 1;
    make_instance(1000 + (uint64_t)it, N, U, L, E, K > E ? E : K, 3, &si);
    fai_slim_result r;
    solve(&si, FAI_SLIM_MILP, 1, &r);
    cr_assert_eq(r.outcome, FAI_OUTCOME_OPTIMAL);
    cr_assert_eq(fai_slim_storage_check(&si, r.x), -1);
    const double bf = brute_force(&si);
    cr_assert(fabs(r.latency_s - bf) <= 1e-9, "instance %d: milp %.12g, brute force %.12g", it, r.latency_s, bf);
    fai_slim_result_free(&r);
    fai_slim_instance_free(&si);
  }
}

Test(slimcache, heuristics_never_beat_milp_keep_storage_and_mean_ratio_at_least_0_9, .timeout = 120) {
  fai_glpk_route_output();
  const fai_slim_algo algos[] = {FAI_SLIM_G1, FAI_SLIM_SGD, FAI_SLIM_SGD_FAST, FAI_SLIM_G1_MARGINAL,
                                 FAI_SLIM_POPULAR, FAI_SLIM_RANDOM};
  double ratio[6] = {0};
  int counted = 0;
  for (int it = 0; it < N_RANDOM; it++) {
    rnd rr = {77 + (uint64_t)it, 0};
    const int E = ri(&rr, 3, 5), K = ri(&rr, 1, 2);
    fai_slim_instance si;
    make_instance(5000 + (uint64_t)it, ri(&rr, 1, 2), ri(&rr, 1, 3), ri(&rr, 1, 2), E, K, 2, &si);
    fai_slim_result opt;
    solve(&si, FAI_SLIM_MILP, 1, &opt);
    cr_assert_eq(opt.outcome, FAI_OUTCOME_OPTIMAL);
    const double gopt = opt.base_latency_s - opt.latency_s;
    for (int a = 0; a < 6; a++) {
      fai_slim_result r;
      solve(&si, algos[a], 1, &r);
      cr_assert_eq(fai_slim_storage_check(&si, r.x), -1, "%s exceeds a node's storage", fai_slim_algo_name(algos[a]));
      cr_assert(r.latency_s >= opt.latency_s - 1e-9, "instance %d: %s latency %.12g below the MILP optimum %.12g",
                it, fai_slim_algo_name(algos[a]), r.latency_s, opt.latency_s);
      ratio[a] += gopt > 1e-12 ? (r.base_latency_s - r.latency_s) / gopt : 1.0;
      fai_slim_result_free(&r);
    }
    counted++;
    fai_slim_result_free(&opt);
    fai_slim_instance_free(&si);
  }
  for (int a = 0; a < 6; a++) {
    ratio[a] /= counted;
    cr_log_info("slim %s: mean gain ratio to the MILP %.4f over %d instances", fai_slim_algo_name(algos[a]), ratio[a], counted);
  }
  for (int a = 0; a < 3; a++)
    cr_expect(ratio[a] >= 0.9, "%s: mean ratio to the MILP %.4f < 0.9", fai_slim_algo_name(algos[a]), ratio[a]);
}

Test(slimcache, sgd_fast_is_within_eps_of_sgd_on_one_node, .timeout = 60) {
  const double eps[] = {0.5, 0.2, 0.05};
  for (int it = 0; it < N_RANDOM; it++) {
    rnd rr = {900 + (uint64_t)it, 0};
    fai_slim_instance si;
    make_instance(7000 + (uint64_t)it, 1, ri(&rr, 1, 4), ri(&rr, 1, 4), ri(&rr, 3, 8), ri(&rr, 1, 3), 0, &si);
    si.node_bytes[0] = (int64_t)ri(&rr, 1, 12) * 1000000;
    for (int u = 0; u < si.U; u++) si.tau[((size_t)u * si.V + 0) * si.L] = fmin(si.tau[((size_t)u * si.V) * si.L], 0.005);
    fai_slim_result ex, fa;
    solve(&si, FAI_SLIM_SGD, 1, &ex);
    fai_slim_params p;
    fai_slim_params_init(&p);
    p.algo = FAI_SLIM_SGD_FAST;
    p.eps = eps[it % 3];
    fai_error err;
    cr_assert_eq(fai_slim_solve(&si, &p, &fa, &err), FAI_OK, "%s", err.msg);
    const double ge = ex.base_latency_s - ex.latency_s, gf = fa.base_latency_s - fa.latency_s;
    cr_assert_eq(fai_slim_storage_check(&si, fa.x), -1);
    cr_assert(gf >= (1 - p.eps) * ge - 1e-12, "instance %d eps %g: sgd-fast gain %.12g < (1-eps) x sgd gain %.12g",
              it, p.eps, gf, ge);
    fai_slim_result_free(&ex);
    fai_slim_result_free(&fa);
    fai_slim_instance_free(&si);
  }
}

Test(slimcache, same_plan_bytes_for_one_and_two_threads) {
  const fai_slim_algo algos[] = {FAI_SLIM_G1, FAI_SLIM_SGD, FAI_SLIM_SGD_FAST, FAI_SLIM_G1_MARGINAL,
                                 FAI_SLIM_POPULAR, FAI_SLIM_RANDOM};
  for (int it = 0; it < 20; it++) {
    fai_slim_instance si;
    make_instance(300 + (uint64_t)it, 3, 4, 3, 8, 2, 4, &si);
    for (int a = 0; a < 6; a++) {
      char *txt[2];
      for (int t = 0; t < 2; t++) {
        fai_slim_result r;
        solve(&si, algos[a], t + 1, &r);
        fai_slim_params p;
        fai_slim_params_init(&p);
        p.algo = algos[a];
        fai_plan plan = {NULL, NULL};
        fai_error err;
        cr_assert_eq(fai_slim_plan(&si, &p, &r, &plan, &err), FAI_OK);
        txt[t] = fai_json_dumps(plan.doc);
        fai_plan_free(&plan);
        fai_slim_result_free(&r);
      }
      cr_assert_str_eq(txt[0], txt[1], "%s differs between 1 and 2 threads", fai_slim_algo_name(algos[a]));
      free(txt[0]);
      free(txt[1]);
    }
    fai_slim_instance_free(&si);
  }
}

Test(slimcache, synthetic_trace_is_deterministic_with_distinct_experts) {
  fai_slim_trace a, b;
  fai_error err;
  cr_assert_eq(fai_slim_trace_synth(3, 4, 8, 3, 50, 1.0, 2, 9, &a, &err), FAI_OK);
  cr_assert_eq(fai_slim_trace_synth(3, 4, 8, 3, 50, 1.0, 2, 9, &b, &err), FAI_OK);
  cr_assert_eq(a.n, 3 * 4 * 50);
  cr_assert_eq(memcmp(a.experts, b.experts, (size_t)a.n * 3 * sizeof(int)), 0);
  for (int64_t r = 0; r < a.n; r++) {
    const int *e = a.experts + r * 3;
    cr_assert(e[0] >= 0 && e[0] < 8 && e[1] >= 0 && e[1] < 8 && e[2] >= 0 && e[2] < 8);
    cr_assert(e[0] != e[1] && e[0] != e[2] && e[1] != e[2]);
  }
  fai_slim_trace_free(&a);
  fai_slim_trace_free(&b);
}

Test(slimcache, trace_errors_name_file_and_line) {
  char path[] = "/tmp/slimtraceXXXXXX";
  const int fd = mkstemp(path);
  cr_assert(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fputs("# user layer e1 e2\n0 0 1 2\n1 1 0 3\n0 1 2 9\n", f);
  fclose(f);
  fai_slim_trace tr;
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_slim_trace_load(path, 2, 2, 4, 2, &tr, &err), FAI_EINVAL);
  cr_assert_eq(err.line, 4);
  cr_assert(strstr(err.msg, "expert index 9 out of range"), "%s", err.msg);
  fai_error_clear(&err);
  cr_assert_eq(fai_slim_trace_load(path, 2, 2, 4, 3, &tr, &err), FAI_EINVAL);
  cr_assert_eq(err.line, 2);
  fai_error_clear(&err);
  cr_assert_eq(fai_slim_trace_load(path, 2, 2, 10, 2, &tr, &err), FAI_OK);
  cr_assert_eq(tr.n, 3);
  fai_slim_trace_free(&tr);
  remove(path);
}

/* ------------------------------------------------- moe_latency and its cores */

/* Direct evaluation of PAPERS §2.2 (the solver's evaluation before it moved
 * to kernels/cache_core.h): per-layer expected latency lat[u][l] and the
 * weighted mean, accumulated in the same order. */
static double ref_latency(const fai_slim_instance *si, const uint8_t *x, double *lat) {
  double total = 0.0;
  for (int u = 0; u < si->U; u++) {
    double su = 0.0;
    for (int l = 0; l < si->L; l++) {
      double cur[FAI_SLIM_MAX_EXPERTS], own = 0.0;
      const double far = si->tau_far[(size_t)u * si->L + l];
      for (int e = 0; e < si->E; e++) {
        double t = far;
        for (int v = 0; v < si->V; v++)
          if (x[((size_t)v * si->L + l) * si->E + e]) t = fmin(t, si->tau[((size_t)u * si->V + v) * si->L + l]);
        cur[e] = t;
      }
      for (int64_t q = si->set_off[(size_t)u * si->L + l]; q < si->set_off[(size_t)u * si->L + l + 1]; q++) {
        double m = 0.0;
        for (int e = 0; e < si->E; e++)
          if (si->set_mask[q] >> e & 1u) m = fmax(m, cur[e]);
        su += si->set_prob[q] * m;
        own += si->set_prob[q] * m;
      }
      if (lat) lat[(size_t)u * si->L + l] = own;
    }
    total += si->w[u] * su;
  }
  return total;
}

/* n random placements of si (any density, storage ignored). */
static uint8_t *random_placements(const fai_slim_instance *si, int n, uint64_t seed) {
  const size_t nx = (size_t)si->V * si->L * si->E;
  uint8_t *x = malloc((size_t)n * nx + 1);
  rnd r = {seed, 0};
  for (int c = 0; c < n; c++) {
    const double dens = c == 0 ? 0.0 : ru(&r);
    for (size_t i = 0; i < nx; i++) x[(size_t)c * nx + i] = ru(&r) < dens;
  }
  return x;
}

static void moe_be(fai_backend *be, fai_backend_kind kind, int threads) {
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_backend_select(kind, threads, be, &err), FAI_OK, "%s", err.msg);
}

Test(slimcache, moe_latency_op_equals_direct_evaluation_bit_for_bit) {
  fai_backend b1, b2;
  moe_be(&b1, FAI_BACKEND_CPU, 1);
  moe_be(&b2, FAI_BACKEND_CPU, 2);
  int checked = 0;
  for (int it = 0; it < 12; it++) {
    rnd rr = {4100 + (uint64_t)it, 0};
    fai_slim_instance si;
    const int E = ri(&rr, 2, 12);
    make_instance(4200 + (uint64_t)it, ri(&rr, 1, 4), ri(&rr, 1, 5), ri(&rr, 1, 4), E, ri(&rr, 1, E < 3 ? E : 3), 3, &si);
    const int n = 33;
    const size_t nx = (size_t)si.V * si.L * si.E, ul = (size_t)si.U * si.L;
    uint8_t *x = random_placements(&si, n, 4300 + (uint64_t)it);
    double *lat1 = malloc((size_t)n * ul * sizeof(double)), *lat2 = malloc((size_t)n * ul * sizeof(double));
    double *ref = malloc(ul * sizeof(double)), tot1[33], tot2[33];
    fai_moe_view v = fai_slim_view(&si);
    fai_error err;
    cr_assert_eq(b1.moe_latency(&b1, &v, n, x, lat1, tot1, &err), FAI_OK, "%s", err.msg);
    cr_assert_eq(b2.moe_latency(&b2, &v, n, x, lat2, tot2, &err), FAI_OK, "%s", err.msg);
    cr_assert_eq(memcmp(lat1, lat2, (size_t)n * ul * sizeof(double)), 0, "instance %d: 1 vs 2 threads", it);
    cr_assert_eq(memcmp(tot1, tot2, sizeof tot1), 0, "instance %d: 1 vs 2 threads", it);
    for (int c = 0; c < n; c++) {
      const double t = ref_latency(&si, x + (size_t)c * nx, ref);
      cr_assert_eq(memcmp(&t, &tot1[c], sizeof t), 0, "instance %d placement %d: total %.17g, direct %.17g", it, c,
                   tot1[c], t);
      cr_assert_eq(memcmp(ref, lat1 + (size_t)c * ul, ul * sizeof(double)), 0, "instance %d placement %d: per-layer", it, c);
      const double s = fai_slim_latency(&si, x + (size_t)c * nx);
      cr_assert_eq(memcmp(&t, &s, sizeof t), 0, "fai_slim_latency differs from the direct evaluation");
      checked++;
    }
    /* Totals only, per-layer only. */
    double tot3[33];
    cr_assert_eq(b2.moe_latency(&b2, &v, n, x, NULL, tot3, &err), FAI_OK, "%s", err.msg);
    cr_assert_eq(memcmp(tot1, tot3, sizeof tot1), 0);
    cr_assert_eq(b2.moe_latency(&b2, &v, n, x, lat2, NULL, &err), FAI_OK, "%s", err.msg);
    cr_assert_eq(memcmp(lat1, lat2, (size_t)n * ul * sizeof(double)), 0);
    free(x), free(lat1), free(lat2), free(ref);
    fai_slim_instance_free(&si);
  }
  cr_assert_eq(checked, 12 * 33);
  /* Shapes the op refuses. */
  fai_slim_instance si;
  make_instance(4999, 1, 1, 1, 3, 1, 1, &si);
  fai_moe_view v = fai_slim_view(&si);
  v.E = 65;
  uint8_t x1[8] = {0};
  double t1;
  fai_error err;
  cr_expect_eq(b1.moe_latency(&b1, &v, 1, x1, NULL, &t1, &err), FAI_EINVAL);
  v = fai_slim_view(&si);
  v.set_off = NULL;
  cr_expect_eq(b1.moe_latency(&b1, &v, 1, x1, NULL, &t1, &err), FAI_EINVAL);
  fai_slim_instance_free(&si);
}

Test(slimcache, moe_gain_core_equals_latency_difference) {
  int checked = 0;
  for (int it = 0; it < 40; it++) {
    rnd rr = {6100 + (uint64_t)it, 0};
    fai_slim_instance si;
    const int E = ri(&rr, 2, 10);
    make_instance(6200 + (uint64_t)it, ri(&rr, 1, 3), ri(&rr, 1, 4), ri(&rr, 1, 3), E, ri(&rr, 1, E < 4 ? E : 4), 3, &si);
    const size_t nx = (size_t)si.V * si.L * si.E, ul = (size_t)si.U * si.L;
    uint8_t *x = random_placements(&si, 2, 6300 + (uint64_t)it), *y = malloc(nx);
    const uint8_t *x0 = x + nx; /* a random placement X */
    fai_moe_view v = fai_slim_view(&si);
    double *before = malloc(ul * sizeof(double)), *after = malloc(ul * sizeof(double));
    double cur[FAI_SLIM_MAX_EXPERTS], q[FAI_SLIM_MAX_EXPERTS];
    ref_latency(&si, x0, before);
    for (int k = 0; k < 6; k++) {
      const int node = ri(&rr, 0, si.V - 1), l = ri(&rr, 0, si.L - 1);
      const uint64_t mask = (uint64_t)(ru(&rr) * (double)(1ull << E)) & ((1ull << E) - 1);
      memcpy(y, x0, nx);
      for (int e = 0; e < E; e++)
        if (mask >> e & 1u) y[((size_t)node * si.L + l) * si.E + e] = 1;
      ref_latency(&si, y, after);
      for (int u = 0; u < si.U; u++) {
        fai_mc_access(&v, u, l, x0, cur);
        const double nt = si.tau[((size_t)u * si.V + node) * si.L + l];
        const double g = fai_mc_user_gain(&v, u, l, nt, cur, mask, NULL);
        const double d = before[(size_t)u * si.L + l] - after[(size_t)u * si.L + l];
        cr_assert(fabs(g - d) <= 1e-12, "instance %d: gain %.15g, latency difference %.15g", it, g, d);
        /* The K = 1 surrogate: Σ_e q_e (cur_e − nt)^+ over the mask. */
        double want = 0.0;
        for (int e = 0; e < E; e++) q[e] = 0.0;
        for (int64_t s = si.set_off[(size_t)u * si.L + l]; s < si.set_off[(size_t)u * si.L + l + 1]; s++)
          for (int e = 0; e < E; e++)
            if (si.set_mask[s] >> e & 1u) q[e] += si.set_prob[s];
        for (int e = 0; e < E; e++)
          if ((mask >> e & 1u) && nt < cur[e]) want += q[e] * (cur[e] - nt);
        cr_assert(fabs(fai_mc_user_gain(&v, u, l, nt, cur, mask, q) - want) <= 1e-12);
        checked++;
      }
    }
    free(x), free(y), free(before), free(after);
    fai_slim_instance_free(&si);
  }
  cr_assert_gt(checked, 100);
}

/* Random (node, layer, mask) items and a random state cur = τ(X) of si. */
static void gain_items(const fai_slim_instance *si, uint64_t seed, int n, double *cur, uint8_t *x, int *node,
                       int *layer, uint64_t *mask) {
  rnd r = {seed, 0};
  for (size_t i = 0; i < (size_t)si->V * si->L * si->E; i++) x[i] = ru(&r) < 0.3;
  fai_moe_view v = fai_slim_view(si);
  for (int u = 0; u < si->U; u++)
    for (int l = 0; l < si->L; l++) fai_mc_access(&v, u, l, x, cur + ((size_t)u * si->L + l) * si->E);
  for (int q = 0; q < n; q++) {
    node[q] = ri(&r, 0, si->V - 1);
    layer[q] = ri(&r, 0, si->L - 1);
    mask[q] = (uint64_t)(ru(&r) * (double)(1ull << si->E)) & ((1ull << si->E) - 1);
  }
}

Test(slimcache, moe_gains_op_equals_weighted_latency_difference) {
  fai_backend b1, b2;
  moe_be(&b1, FAI_BACKEND_CPU, 1);
  moe_be(&b2, FAI_BACKEND_CPU, 2);
  for (int it = 0; it < 10; it++) {
    rnd rr = {5100 + (uint64_t)it, 0};
    fai_slim_instance si;
    const int E = ri(&rr, 2, 10);
    make_instance(5200 + (uint64_t)it, ri(&rr, 1, 3), ri(&rr, 1, 4), ri(&rr, 1, 3), E, ri(&rr, 1, E < 3 ? E : 3), 3, &si);
    enum { NG = 200 };
    const size_t nx = (size_t)si.V * si.L * si.E;
    double *cur = malloc((size_t)si.U * si.L * si.E * sizeof(double)), g1[NG], g2[NG];
    uint8_t *x = malloc(nx), *y = malloc(nx);
    int node[NG], layer[NG];
    uint64_t mask[NG];
    gain_items(&si, 5300 + (uint64_t)it, NG, cur, x, node, layer, mask);
    fai_moe_view v = fai_slim_view(&si);
    fai_error err;
    cr_assert_eq(b1.moe_gains(&b1, &v, cur, NG, node, layer, mask, g1, &err), FAI_OK, "%s", err.msg);
    cr_assert_eq(b2.moe_gains(&b2, &v, cur, NG, node, layer, mask, g2, &err), FAI_OK, "%s", err.msg);
    cr_assert_eq(memcmp(g1, g2, sizeof g1), 0, "instance %d: 1 vs 2 threads", it);
    const double base = ref_latency(&si, x, NULL);
    for (int q = 0; q < NG; q++) {
      memcpy(y, x, nx);
      for (int e = 0; e < E; e++)
        if (mask[q] >> e & 1u) y[((size_t)node[q] * si.L + layer[q]) * si.E + e] = 1;
      const double d = base - ref_latency(&si, y, NULL);
      cr_assert(fabs(g1[q] - d) <= 1e-12, "instance %d item %d: gain %.15g, latency difference %.15g", it, q, g1[q], d);
    }
    free(cur), free(x), free(y);
    fai_slim_instance_free(&si);
  }
}

Test(slimcache, solve_on_explicit_cpu_backend_gives_the_same_plan) {
  fai_backend be;
  moe_be(&be, FAI_BACKEND_CPU, 2);
  fai_slim_instance si;
  make_instance(8100, 3, 4, 3, 8, 2, 4, &si);
  const fai_slim_algo algos[] = {FAI_SLIM_G1, FAI_SLIM_SGD, FAI_SLIM_SGD_FAST};
  for (int a = 0; a < 3; a++) {
    fai_slim_result r0, r1;
    solve(&si, algos[a], 1, &r0);
    fai_slim_params p;
    fai_slim_params_init(&p);
    p.algo = algos[a];
    p.be = &be;
    fai_error err;
    cr_assert_eq(fai_slim_solve(&si, &p, &r1, &err), FAI_OK, "%s", err.msg);
    cr_assert_eq(memcmp(r0.x, r1.x, (size_t)si.V * si.L * si.E), 0);
    cr_assert_eq(memcmp(&r0.latency_s, &r1.latency_s, sizeof(double)), 0);
    fai_slim_result_free(&r0);
    fai_slim_result_free(&r1);
  }
  fai_slim_instance_free(&si);
}

/* ------------------------------------------------------------------ parity */

Test(parity, moe_latency_cuda_matches_cpu_bytes) {
  fai_backend cpu, cuda;
  fai_error err;
  fai_error_clear(&err);
  if (fai_backend_select(FAI_BACKEND_CUDA, 0, &cuda, &err) != FAI_OK) cr_skip_test("no CUDA device: %s", err.msg);
  moe_be(&cpu, FAI_BACKEND_CPU, 2);
  for (int it = 0; it < 4; it++) {
    fai_slim_instance si;
    make_instance(9100 + (uint64_t)it, 4, 6, 3 + it, 8 + 8 * it, 1 + it, 4, &si);
    const int n = 300;
    const size_t ul = (size_t)si.U * si.L;
    uint8_t *x = random_placements(&si, n, 9200 + (uint64_t)it);
    double *l1 = malloc((size_t)n * ul * sizeof(double)), *l2 = malloc((size_t)n * ul * sizeof(double));
    double t1[300], t2[300];
    fai_moe_view v = fai_slim_view(&si);
    cr_assert_eq(cpu.moe_latency(&cpu, &v, n, x, l1, t1, &err), FAI_OK, "%s", err.msg);
    cr_assert_eq(cuda.moe_latency(&cuda, &v, n, x, l2, t2, &err), FAI_OK, "%s", err.msg);
    cr_expect_eq(memcmp(l1, l2, (size_t)n * ul * sizeof(double)), 0, "per-layer latency differs, instance %d", it);
    cr_expect_eq(memcmp(t1, t2, sizeof t1), 0, "totals differ, instance %d", it);
    free(x), free(l1), free(l2);
    fai_slim_instance_free(&si);
  }
}

Test(parity, moe_gains_cuda_matches_cpu_bytes) {
  fai_backend cpu, cuda;
  fai_error err;
  fai_error_clear(&err);
  if (fai_backend_select(FAI_BACKEND_CUDA, 0, &cuda, &err) != FAI_OK) cr_skip_test("no CUDA device: %s", err.msg);
  moe_be(&cpu, FAI_BACKEND_CPU, 2);
  for (int it = 0; it < 4; it++) {
    fai_slim_instance si;
    make_instance(9300 + (uint64_t)it, 4, 6, 3 + it, 8 + 8 * it, 1 + it, 4, &si);
    enum { NG = 2000 };
    const size_t nx = (size_t)si.V * si.L * si.E;
    double *cur = malloc((size_t)si.U * si.L * si.E * sizeof(double));
    double *g1 = malloc(NG * sizeof(double)), *g2 = malloc(NG * sizeof(double));
    uint8_t *x = malloc(nx);
    int *node = malloc(NG * sizeof(int)), *layer = malloc(NG * sizeof(int));
    uint64_t *mask = malloc(NG * sizeof(uint64_t));
    gain_items(&si, 9400 + (uint64_t)it, NG, cur, x, node, layer, mask);
    fai_moe_view v = fai_slim_view(&si);
    cr_assert_eq(cpu.moe_gains(&cpu, &v, cur, NG, node, layer, mask, g1, &err), FAI_OK, "%s", err.msg);
    cr_assert_eq(cuda.moe_gains(&cuda, &v, cur, NG, node, layer, mask, g2, &err), FAI_OK, "%s", err.msg);
    cr_expect_eq(memcmp(g1, g2, NG * sizeof(double)), 0, "gains differ, instance %d", it);
    free(cur), free(g1), free(g2), free(x), free(node), free(layer), free(mask);
    fai_slim_instance_free(&si);
  }
}

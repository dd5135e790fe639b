/* TrimCaching: model libraries, caching instances and the placement solvers
 * against exact oracles (GLPK MILP, brute force) on random small instances
 * with fixed seeds, storage accounting, determinism and bad input. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/caching.h"
#include "fluidai/rng.h"

#define N_RANDOM 200

/* --- random small instances ------------------------------------------------------------ */

typedef struct rnd {
  uint64_t seed, n;
} rnd;
static double ru(rnd *r) { return fai_rng_uniform(r->seed, FAI_STREAM_TEST, r->n++); }
static int ri(rnd *r, int lo, int hi) { return lo + (int)(ru(r) * (hi - lo + 1)); }

/* A library with B backbones; special: one shared block per backbone (J_s = B),
 * else two nested layer blocks per backbone.  Sizes in whole MB. */
static void make_library(rnd *r, int special, int I, fai_library *lib) {
  fai_library_init(lib);
  const int B = ri(r, 1, 3 < I ? 3 : I);
  const int per = special ? 1 : 2;
  lib->n_blocks = B * per + I;
  lib->n_models = I;
  lib->block_id = calloc((size_t)lib->n_blocks, FAI_LIB_ID_MAX);
  lib->block_bytes = calloc((size_t)lib->n_blocks, sizeof(int64_t));
  lib->model_id = calloc((size_t)I, FAI_LIB_ID_MAX);
  lib->model_off = calloc((size_t)I + 1, sizeof(int));
  lib->model_blocks = calloc((size_t)I * (per + 1), sizeof(int));
  lib->accuracy = calloc((size_t)I, sizeof(double));
  lib->model_task = calloc((size_t)I, sizeof(int));
  lib->task_id = calloc(1, FAI_LIB_ID_MAX);
  for (int j = 0; j < B * per; j++) {
    snprintf(lib->block_id + (size_t)j * FAI_LIB_ID_MAX, FAI_LIB_ID_MAX, "s%d", j);
    lib->block_bytes[j] = (int64_t)ri(r, 1, 6) * 1000000;
  }
  int q = 0;
  for (int i = 0; i < I; i++) {
    const int b = i % B, jp = B * per + i;
    snprintf(lib->block_id + (size_t)jp * FAI_LIB_ID_MAX, FAI_LIB_ID_MAX, "p%d", i);
    lib->block_bytes[jp] = (int64_t)ri(r, 1, 4) * 1000000;
    snprintf(lib->model_id + (size_t)i * FAI_LIB_ID_MAX, FAI_LIB_ID_MAX, "m%d", i);
    lib->model_off[i] = q;
    const int depth = special ? 1 : ri(r, 1, 2);
    for (int l = 0; l < depth; l++) lib->model_blocks[q++] = b * per + l;
    lib->model_blocks[q++] = jp;
    lib->accuracy[i] = 1;
    lib->model_task[i] = -1;
  }
  lib->model_off[I] = q;
}

/* M·I <= 16 so brute force is possible. */
static void make_instance(uint64_t seed, int special, fai_cache_instance *inst) {
  rnd r = {seed, 0};
  const int M = ri(&r, 1, 2), I = M == 1 ? ri(&r, 2, 10) : ri(&r, 2, 8), K = ri(&r, 2, 4),
            T = ri(&r, 1, 2);
  fai_library lib;
  make_library(&r, special, I, &lib);
  int64_t minsz = INT64_MAX, total = 0;
  for (int i = 0; i < I; i++) {
    const int64_t d = fai_library_model_bytes(&lib, i);
    if (d < minsz) minsz = d;
  }
  for (int j = 0; j < lib.n_blocks; j++) total += lib.block_bytes[j];
  int64_t cap[2];
  for (int m = 0; m < M; m++)
    cap[m] = minsz + (int64_t)(ru(&r) * (double)(total / 2 - minsz > 0 ? total / 2 - minsz : 1));
  double *p = malloc((size_t)K * I * sizeof *p);
  uint8_t *a = malloc((size_t)T * M * K * I);
  for (int k = 0; k < K; k++) {
    double s = 0;
    for (int i = 0; i < I; i++) s += (p[k * I + i] = ru(&r) < 0.3 ? 0 : ru(&r));
    if (s == 0) p[k * I] = s = 1;
    for (int i = 0; i < I; i++) p[k * I + i] /= s;
  }
  for (int q = 0; q < T * M * K * I; q++) a[q] = ru(&r) < 0.6;
  fai_error err;
  fai_log_set_level(FAI_LOG_ERROR); /* normalisation warnings are expected */
  fai_status st = fai_cache_instance_from_matrix(inst, &lib, M, K, T, cap, p, a, &err);
  fai_log_set_level(FAI_LOG_INFO);
  cr_assert_eq(st, FAI_OK, "instance %llu: %s", (unsigned long long)seed, err.msg);
  free(p);
  free(a);
}

/* Independent oracle: H from the dense a, storage from block unions. */
static double oracle_h(const fai_cache_instance *inst, const uint8_t *x) {
  double total = 0;
  for (int t = 0; t < inst->T; t++) {
    double s = 0;
    for (int k = 0; k < inst->K; k++)
      for (int i = 0; i < inst->I; i++) {
        int hit = 0;
        for (int m = 0; m < inst->M; m++)
          hit |= x[m * inst->I + i] && fai_cache_deliverable(inst, t, m, k, i);
        if (hit) s += inst->p[k * inst->I + i];
      }
    total += s / inst->K;
  }
  return total / inst->T;
}

static int oracle_fits(const fai_cache_instance *inst, const uint8_t *x) {
  for (int m = 0; m < inst->M; m++) {
    int64_t used = 0;
    for (int j = 0; j < inst->lib.n_blocks; j++) {
      int need = 0;
      for (int i = 0; i < inst->I && !need; i++)
        if (x[m * inst->I + i])
          for (int q = inst->lib.model_off[i]; q < inst->lib.model_off[i + 1]; q++)
            need |= inst->lib.model_blocks[q] == j;
      used += need ? inst->lib.block_bytes[j] : 0;
    }
    if (used > inst->capacity_bytes[m]) return 0;
  }
  return 1;
}

static double brute_force(const fai_cache_instance *inst) {
  const int n = inst->M * inst->I;
  uint8_t x[16];
  double best = 0;
  for (uint32_t s = 0; s < (1u << n); s++) {
    for (int q = 0; q < n; q++) x[q] = (s >> q) & 1;
    if (!oracle_fits(inst, x)) continue;
    const double h = oracle_h(inst, x);
    if (h > best) best = h;
  }
  return best;
}

static double solve(const fai_cache_instance *inst, fai_trim_params *p, uint8_t *x_out) {
  fai_cache_placement pl;
  fai_error err;
  fai_status st = fai_trim_solve(inst, p, &pl, &err);
  cr_assert_eq(st, FAI_OK, "%s: %s", fai_trim_algo_name(p->algo), err.msg);
  cr_assert(oracle_fits(inst, pl.x), "%s violates a storage constraint", fai_trim_algo_name(p->algo));
  const double h = oracle_h(inst, pl.x);
  cr_assert(fabs(h - pl.hit_ratio) < 1e-12, "%s: reported H %.17g, oracle %.17g",
            fai_trim_algo_name(p->algo), pl.hit_ratio, h);
  if (x_out) memcpy(x_out, pl.x, (size_t)inst->M * inst->I);
  fai_cache_placement_free(&pl);
  return h;
}

static double milp_opt(const fai_cache_instance *inst) {
  fai_trim_params p;
  fai_trim_params_init(&p);
  p.algo = FAI_TRIM_MILP;
  fai_cache_placement pl;
  fai_error err;
  cr_assert_eq(fai_trim_solve(inst, &p, &pl, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(pl.outcome, FAI_OUTCOME_OPTIMAL);
  cr_assert(fabs(pl.bound - pl.hit_ratio) < 1e-9);
  const double h = pl.hit_ratio;
  fai_cache_placement_free(&pl);
  return h;
}

/* --- oracles ------------------------------------------------------------------------ */

Test(trimcache, milp_equals_brute_force_on_random_instances, .timeout = 60) {
  for (int s = 0; s < N_RANDOM; s++) {
    fai_cache_instance inst;
    make_instance(1000 + s, s % 2, &inst);
    const double bf = brute_force(&inst), milp = milp_opt(&inst);
    cr_assert(fabs(bf - milp) < 1e-9, "instance %d: brute force %.17g, MILP %.17g", s, bf, milp);
    fai_cache_instance_free(&inst);
  }
}

Test(trimcache, spec_meets_half_bound_on_special_case_instances, .timeout = 60) {
  const double eps[2] = {0.1, 0.5};
  for (int s = 0; s < N_RANDOM; s++) {
    fai_cache_instance inst;
    make_instance(2000 + s, 1, &inst);
    const double opt = milp_opt(&inst);
    for (int e = 0; e < 2; e++) {
      fai_trim_params p;
      fai_trim_params_init(&p);
      p.algo = FAI_TRIM_SPEC;
      p.eps = eps[e];
      p.order_demand = s % 2;
      const double h = solve(&inst, &p, NULL);
      cr_assert(h >= (1 - eps[e]) / 2 * opt - 1e-12, "instance %d eps %g: spec %.17g < bound of %.17g",
                s, eps[e], h, opt);
      cr_assert(h <= opt + 1e-9);
    }
    fai_trim_params p;
    fai_trim_params_init(&p);
    p.algo = FAI_TRIM_SPEC;
    p.dp = FAI_TRIM_DP_WEIGHT; /* exact for whole-MB sizes: at least half the optimum */
    const double hw = solve(&inst, &p, NULL);
    cr_assert(hw >= 0.5 * opt - 1e-12 && hw <= opt + 1e-9, "instance %d: spec/weight %.17g vs %.17g", s,
              hw, opt);
    fai_cache_instance_free(&inst);
  }
}

Test(trimcache, heuristics_never_exceed_milp_and_keep_storage, .timeout = 60) {
  for (int s = 0; s < N_RANDOM; s++) {
    fai_cache_instance inst;
    make_instance(3000 + s, s % 2, &inst);
    const double opt = milp_opt(&inst);
    for (int a = 0; a <= FAI_TRIM_RANDOM; a++)
      for (int rule = 0; rule < (a == FAI_TRIM_GEN ? 3 : 1); rule++) {
        fai_trim_params p;
        fai_trim_params_init(&p);
        p.algo = (fai_trim_algo)a;
        p.rule = (fai_trim_rule)rule;
        p.seed = (uint64_t)s;
        const double h = solve(&inst, &p, NULL);
        cr_assert(h <= opt + 1e-9, "instance %d: %s (rule %d) %.17g above the optimum %.17g", s,
                  fai_trim_algo_name(p.algo), rule, h, opt);
      }
    fai_cache_instance_free(&inst);
  }
}

Test(trimcache, gen_and_spec_mean_ratio_to_milp_is_at_least_0_9, .timeout = 60) {
  double sum_gen = 0, sum_spec = 0, sum_indep = 0, worst_gen = 1, worst_spec = 1;
  int n = 0;
  for (int s = 0; s < N_RANDOM; s++) {
    fai_cache_instance inst;
    make_instance(4000 + s, 1, &inst);
    const double opt = milp_opt(&inst);
    if (opt > 0) {
      fai_trim_params p;
      fai_trim_params_init(&p);
      p.algo = FAI_TRIM_GEN;
      const double g = solve(&inst, &p, NULL) / opt;
      p.algo = FAI_TRIM_SPEC;
      const double sp = solve(&inst, &p, NULL) / opt;
      p.algo = FAI_TRIM_INDEP;
      const double in = solve(&inst, &p, NULL) / opt;
      sum_gen += g;
      sum_spec += sp;
      sum_indep += in;
      worst_gen = fmin(worst_gen, g);
      worst_spec = fmin(worst_spec, sp);
      n++;
    }
    fai_cache_instance_free(&inst);
  }
  cr_assert(n > N_RANDOM / 2);
  fprintf(stderr,
          "trimcache: mean ratio to the MILP optimum over %d instances: gen %.4f (worst %.4f), "
          "spec %.4f (worst %.4f), indep %.4f\n",
          n, sum_gen / n, worst_gen, sum_spec / n, worst_spec, sum_indep / n);
  cr_assert(sum_gen / n >= 0.9, "gen's mean ratio %.4f < 0.9", sum_gen / n);
  cr_assert(sum_spec / n >= 0.9, "spec's mean ratio %.4f < 0.9", sum_spec / n);
}

Test(trimcache, lazy_greedy_picks_what_a_full_rescan_picks) {
  for (int s = 0; s < N_RANDOM; s++) {
    fai_cache_instance inst;
    make_instance(5000 + s, s % 2, &inst);
    uint8_t a[16], b[16];
    fai_trim_params p;
    fai_trim_params_init(&p);
    p.algo = FAI_TRIM_GEN;
    solve(&inst, &p, a);
    p.lazy = 0;
    solve(&inst, &p, b);
    cr_assert(!memcmp(a, b, (size_t)inst.M * inst.I), "instance %d: lazy and eager differ", s);
    fai_cache_instance_free(&inst);
  }
}

/* Two models share a 6 MB block; each has a 1 MB private block; capacity
 * 8 MB holds both only if the shared block is stored once. */
Test(trimcache, shared_block_is_stored_once_per_cache) {
  const char *lib_json =
      "{\"blocks\": [{\"id\": \"s\", \"size_bytes\": 6000000}, {\"id\": \"a\", \"size_bytes\": 1000000},"
      " {\"id\": \"b\", \"size_bytes\": 1000000}],"
      " \"models\": [{\"id\": \"A\", \"blocks\": [\"s\", \"a\"]}, {\"id\": \"B\", \"blocks\": [\"s\", \"b\"]}]}";
  fai_library lib;
  fai_error err;
  cr_assert_eq(fai_library_load_string(lib_json, "lib", &lib, &err), FAI_OK, "%s", err.msg);
  const int64_t cap = 8000000;
  const double p[2] = {0.5, 0.5};
  const uint8_t a[2] = {1, 1};
  fai_cache_instance inst;
  cr_assert_eq(fai_cache_instance_from_matrix(&inst, &lib, 1, 1, 1, &cap, p, a, &err), FAI_OK);
  for (int alg = 0; alg <= FAI_TRIM_MILP; alg++) {
    fai_trim_params tp;
    fai_trim_params_init(&tp);
    tp.algo = (fai_trim_algo)alg;
    fai_cache_placement pl;
    cr_assert_eq(fai_trim_solve(&inst, &tp, &pl, &err), FAI_OK, "%s", err.msg);
    cr_assert_leq(pl.used_bytes[0], cap);
    if (alg != FAI_TRIM_INDEP) {
      cr_assert_eq(pl.used_bytes[0], cap, "%s stored %lld bytes", fai_trim_algo_name(tp.algo),
                   (long long)pl.used_bytes[0]);
      cr_assert_float_eq(pl.hit_ratio, 1.0, 1e-15);
    } else {
      cr_assert_float_eq(pl.hit_ratio, 0.5, 1e-15); /* 7 + 7 MB do not fit without sharing */
    }
    fai_cache_placement_free(&pl);
  }
  fai_cache_instance_free(&inst);
}

/* --- determinism ----------------------------------------------------------------------- */

static char *plan_text(const fai_cache_instance *inst, fai_trim_algo algo, int threads) {
  fai_trim_params p;
  fai_trim_params_init(&p);
  p.algo = algo;
  p.threads = threads;
  fai_cache_placement pl;
  fai_plan plan;
  fai_error err;
  cr_assert_eq(fai_trim_solve(inst, &p, &pl, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(fai_trim_plan(inst, &p, &pl, &plan, &err), FAI_OK);
  char *txt = fai_json_dumps(plan.doc);
  fai_plan_free(&plan);
  fai_cache_placement_free(&pl);
  return txt;
}

Test(trimcache, same_plan_bytes_for_one_and_two_threads) {
  fai_cache_gen_params gp;
  fai_cache_gen_params_init(&gp);
  gp.servers = 12;
  gp.users = 60;
  gp.tbar_min_s = 2;
  gp.tbar_max_s = 6;
  gp.capacity_bytes = 3e8;
  gp.lib.shape = FAI_LIBGEN_BACKBONE;
  gp.seed = 7;
  json_t *doc;
  fai_error err;
  cr_assert_eq(fai_cache_generate(&gp, &doc, &err), FAI_OK, "%s", err.msg);
  char *text = fai_json_dumps(doc);
  json_decref(doc);
  fai_cache_instance inst;
  cr_assert_eq(fai_cache_instance_load_string(text, "edge", NULL, &inst, &err), FAI_OK, "%s", err.msg);
  free(text);
  const fai_trim_algo algos[] = {FAI_TRIM_SPEC, FAI_TRIM_GEN, FAI_TRIM_INDEP, FAI_TRIM_POPULAR,
                                 FAI_TRIM_RANDOM};
  for (int q = 0; q < 5; q++) {
    char *a = plan_text(&inst, algos[q], 1), *b = plan_text(&inst, algos[q], 2);
    cr_assert_str_eq(a, b, "%s: plans differ between 1 and 2 threads", fai_trim_algo_name(algos[q]));
    free(a);
    free(b);
  }
  fai_cache_instance_free(&inst);
}

Test(trimcache, satellite_instance_hit_ratio_is_the_mean_over_snapshots) {
  fai_cache_instance inst;
  fai_error err;
  fai_log_set_level(FAI_LOG_ERROR);
  fai_status st = fai_cache_instance_load_file("tests/data/cache-sat.json", NULL, &inst, &err);
  fai_log_set_level(FAI_LOG_INFO);
  cr_assert_eq(st, FAI_OK, "%s", err.msg);
  cr_assert_eq(inst.kind, FAI_CACHE_SATELLITE);
  cr_assert_gt(inst.T, 1);
  cr_assert_gt(inst.n_links, 0);
  char *a = plan_text(&inst, FAI_TRIM_GEN, 1), *b = plan_text(&inst, FAI_TRIM_GEN, 2);
  cr_assert_str_eq(a, b);
  free(a);
  free(b);
  fai_trim_params p;
  fai_trim_params_init(&p);
  p.algo = FAI_TRIM_SPEC;
  fai_cache_placement pl;
  cr_assert_eq(fai_trim_solve(&inst, &p, &pl, &err), FAI_OK, "%s", err.msg);
  double mean = 0;
  for (int t = 0; t < inst.T; t++) mean += pl.hit_snap[t];
  cr_assert_float_eq(mean / inst.T, pl.hit_ratio, 1e-15);
  cr_assert_gt(pl.hit_ratio, 0);
  /* Deliverability follows the rate threshold link by link. */
  for (int64_t e = 0; e < inst.n_links; e++) {
    const int k = inst.link_user[e];
    cr_assert_gt(inst.link_rate_bps[e], 0);
    for (int i = 0; i < inst.I; i++) {
      const double need = 8.0 * (double)fai_library_model_bytes(&inst.lib, i) / inst.tbar_s[k * inst.I + i];
      cr_assert_eq(inst.link_rate_bps[e] >= need, inst.link_rate_bps[e] >= inst.req_rate_bps[k * inst.I + i]);
    }
  }
  fai_cache_placement_free(&pl);
  fai_cache_instance_free(&inst);
}

/* --- libraries ------------------------------------------------------------------------- */

static int shared_count(const fai_library *lib) {
  int users[4096], js = 0;
  cr_assert_leq(lib->n_blocks, 4096);
  fai_library_block_users(lib, users);
  for (int j = 0; j < lib->n_blocks; j++) js += users[j] >= 2;
  return js;
}

Test(trimcache, library_generators_have_the_documented_sharing) {
  fai_libgen_params p;
  fai_libgen_params_init(&p);
  fai_library a, b;
  fai_error err;
  cr_assert_eq(fai_library_generate(&p, &a, &err), FAI_OK);
  cr_assert_eq(a.n_models, 30);
  cr_assert_eq(shared_count(&a), 3); /* J_s = B */
  for (int j = 0; j < a.n_blocks; j++) cr_assert_eq(a.block_bytes[j] % p.round_bytes, 0);
  /* Round trip through JSON. */
  json_t *doc = fai_library_to_json(&a);
  char *txt = fai_json_dumps(doc);
  json_decref(doc);
  cr_assert_eq(fai_library_load_string(txt, "roundtrip", &b, &err), FAI_OK, "%s", err.msg);
  free(txt);
  cr_assert_eq(b.n_blocks, a.n_blocks);
  cr_assert(!memcmp(a.block_bytes, b.block_bytes, (size_t)a.n_blocks * sizeof(int64_t)));
  cr_assert(!memcmp(a.model_blocks, b.model_blocks, (size_t)a.model_off[a.n_models] * sizeof(int)));
  fai_library_free(&b);
  p.shape = FAI_LIBGEN_NESTED;
  cr_assert_eq(fai_library_generate(&p, &b, &err), FAI_OK);
  cr_assert_gt(shared_count(&b), 3);
  /* Nested: a model's layer blocks are a prefix of its backbone's layers. */
  for (int i = 0; i < b.n_models; i++) {
    const int base = (i / p.finetuned) * p.layers, n = b.model_off[i + 1] - b.model_off[i] - 1;
    cr_assert(n >= 1 && n <= p.layers - 1);
    for (int l = 0; l < n; l++) cr_assert_eq(b.model_blocks[b.model_off[i] + l], base + l);
  }
  fai_library_free(&a);
  fai_library_free(&b);
}

/* --- bad input ------------------------------------------------------------------------- */

static fai_status load_lib(const char *txt, fai_error *err) {
  fai_library lib;
  fai_status st = fai_library_load_string(txt, "bad.json", &lib, err);
  if (st == FAI_OK) fai_library_free(&lib);
  return st;
}

Test(trimcache, library_errors_name_the_json_path) {
  fai_error err;
  cr_assert_eq(load_lib("{\"blocks\": [{\"id\": \"a\", \"size_bytes\": 5}],\n"
                        " \"models\": [{\"id\": \"m\", \"blocks\": [\"a\"]}, {\"id\": \"n\", \"blocks\": [\"a\", \"zz\"]}]}",
                        &err),
               FAI_EINVAL);
  cr_assert_str_eq(err.path, "$.models[1].blocks[1]");
  cr_assert(strstr(err.msg, "unknown block \"zz\""), "%s", err.msg);
  cr_assert_eq(err.line, 2);
  cr_assert_eq(load_lib("{\"blocks\": [{\"id\": \"a\", \"size_bytes\": -5}], \"models\": []}", &err), FAI_EINVAL);
  cr_assert_str_eq(err.path, "$.blocks[0].size_bytes");
  cr_assert_eq(load_lib("{\"blocks\": [{\"id\": \"a\", \"size_bytes\": 1}, {\"id\": \"a\", \"size_bytes\": 2}]}", &err),
               FAI_EINVAL);
  cr_assert_str_eq(err.path, "$.blocks[1].id");
  cr_assert(strstr(err.msg, "duplicate block id"), "%s", err.msg);
  cr_assert_eq(load_lib("{\"blocks\": [{\"id\": \"a\", \"size_bytes\": 1}], \"models\": [{\"id\": \"m\", "
                        "\"blocks\": [\"a\"], \"task\": \"nope\"}]}", &err),
               FAI_EINVAL);
  cr_assert_str_eq(err.path, "$.models[0].task");
  cr_assert_eq(load_lib("{\"blocks\": [{\"id\": \"a\", \"size_bytes\": 1, \"colour\": 3}]}", &err), FAI_EINVAL);
}

static fai_status load_inst(const char *servers, const char *requests, fai_cache_instance *inst,
                            fai_error *err) {
  char txt[2048];
  snprintf(txt, sizeof txt,
           "{\"library\": {\"blocks\": [{\"id\": \"s\", \"size_bytes\": 100}, {\"id\": \"a\", \"size_bytes\": 10}],"
           " \"models\": [{\"id\": \"A\", \"blocks\": [\"s\", \"a\"]}, {\"id\": \"B\", \"blocks\": [\"s\"]}]},\n"
           " \"servers\": %s,\n \"users\": 2,\n \"requests\": %s,\n"
           " \"a\": [[[1, 1], [1, 0]], [[0, 1], [1, 1]]]}",
           servers, requests);
  fai_log_set_level(FAI_LOG_ERROR);
  fai_status st = fai_cache_instance_load_string(txt, "inst.json", NULL, inst, err);
  fai_log_set_level(FAI_LOG_INFO);
  return st;
}

Test(trimcache, instance_bad_input_errors_and_warnings) {
  fai_cache_instance inst;
  fai_error err;
  const char *two = "[{\"capacity_bytes\": 200}, {\"capacity_bytes\": 150}]";
  const char *good_p = "{\"p\": [[0.5, 0.5], [1, 0]]}";
  cr_assert_eq(load_inst(two, good_p, &inst, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(inst.warnings.n, 0);
  fai_cache_instance_free(&inst);
  /* Rows not summing to one: normalised with a warning naming the row. */
  cr_assert_eq(load_inst(two, "{\"p\": [[1, 1], [1, 0]]}", &inst, &err), FAI_OK);
  cr_assert_eq(inst.warnings.n, 1);
  cr_assert_str_eq(inst.warnings.v[0].path, "$.requests.p[0]");
  cr_assert_float_eq(inst.p[0], 0.5, 1e-15);
  fai_cache_instance_free(&inst);
  /* Negative probability: error at the entry. */
  cr_assert_eq(load_inst(two, "{\"p\": [[1.2, -0.2], [1, 0]]}", &inst, &err), FAI_EINVAL);
  cr_assert_str_eq(err.path, "$.requests.p[0][1]");
  /* One cache too small for any model: warning; all: error. */
  cr_assert_eq(load_inst("[{\"capacity_bytes\": 200}, {\"capacity_bytes\": 50}]", good_p, &inst, &err), FAI_OK);
  cr_assert_eq(inst.warnings.n, 1);
  cr_assert_str_eq(inst.warnings.v[0].path, "$.servers[1]");
  fai_cache_instance_free(&inst);
  cr_assert_eq(load_inst("[{\"capacity_bytes\": 99}, {\"capacity_bytes\": 50}]", good_p, &inst, &err), FAI_EINVAL);
  cr_assert(strstr(err.msg, "smaller than every model"), "%s", err.msg);
  cr_assert_eq(load_inst("[{\"capacity_bytes\": -1}]", good_p, &inst, &err), FAI_EINVAL);
  cr_assert_str_eq(err.path, "$.servers[0].capacity_bytes");
  /* Wrong matrix shape. */
  cr_assert_eq(load_inst("[{\"capacity_bytes\": 200}]", good_p, &inst, &err), FAI_EINVAL);
  cr_assert_str_eq(err.path, "$.a");
}

/* --- backend operations (cache_gains, cache_eval) ---------------------------------------- */

static void view_of(const fai_cache_instance *inst, fai_cache_view *v) {
  v->T = inst->T;
  v->M = inst->M;
  v->K = inst->K;
  v->I = inst->I;
  v->mask_words = inst->mask_words;
  v->tm_off = inst->tm_off;
  v->link_user = inst->link_user;
  v->link_server = inst->link_server;
  v->link_rate_bps = inst->link_rate_bps;
  v->link_mask = inst->link_mask;
  v->req_rate_bps = inst->req_rate_bps;
  v->tk_off = inst->tk_off;
  v->tk_link = inst->tk_link;
  v->p = inst->p;
}

static void edge_instance(uint64_t seed, fai_cache_instance *inst) {
  fai_cache_gen_params gp;
  fai_cache_gen_params_init(&gp);
  gp.servers = 9;
  gp.users = 50;
  gp.tbar_min_s = 2;
  gp.tbar_max_s = 6;
  gp.capacity_bytes = 3e8;
  gp.seed = seed;
  json_t *doc;
  fai_error err;
  cr_assert_eq(fai_cache_generate(&gp, &doc, &err), FAI_OK, "%s", err.msg);
  char *text = fai_json_dumps(doc);
  json_decref(doc);
  cr_assert_eq(fai_cache_instance_load_string(text, "edge", NULL, inst, &err), FAI_OK, "%s", err.msg);
  free(text);
}

#define BE_PLACE 12 /* candidate placements per instance */

/* Placement c of an instance: pair (m, i) kept with probability 1/3 (c = 0: none). */
static void be_placements(const fai_cache_instance *inst, uint64_t seed, uint8_t *x) {
  rnd r = {seed, 0};
  const size_t mi = (size_t)inst->M * inst->I;
  for (int c = 0; c < BE_PLACE; c++)
    for (size_t q = 0; q < mi; q++) x[c * mi + q] = c > 0 && ru(&r) < 1.0 / 3;
}

/* Gains of every pair given the requests placement 1 serves, and the
 * per-snapshot hit ratios of every placement, on backend be. */
static void be_outputs(const fai_cache_instance *inst, const fai_backend *be, const uint8_t *x,
                       double *gain, double *hit) {
  fai_cache_view v;
  view_of(inst, &v);
  const int64_t n = (int64_t)inst->M * inst->I;
  const int64_t bits = (int64_t)inst->T * inst->K * inst->I;
  uint32_t *cov = calloc((size_t)(bits / 32 + 1), sizeof *cov);
  int *ms = malloc((size_t)n * sizeof *ms), *is = malloc((size_t)n * sizeof *is);
  const uint8_t *x1 = x + (size_t)n; /* placement 1 */
  for (int t = 0; t < inst->T; t++)
    for (int m = 0; m < inst->M; m++)
      for (int64_t e = inst->tm_off[t * inst->M + m]; e < inst->tm_off[t * inst->M + m + 1]; e++)
        for (int i = 0; i < inst->I; i++)
          if (x1[m * inst->I + i] && fai_cache_deliverable(inst, t, m, inst->link_user[e], i)) {
            const int64_t b = ((int64_t)i * inst->T + t) * inst->K + inst->link_user[e];
            cov[b >> 5] |= 1u << (b & 31);
          }
  for (int64_t q = 0; q < n; q++) {
    ms[q] = (int)(q / inst->I);
    is[q] = (int)(q % inst->I);
  }
  fai_error err;
  cr_assert_eq(be->cache_gains(be, &v, cov, n, ms, is, gain, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(be->cache_eval(be, &v, BE_PLACE, x, hit, &err), FAI_OK, "%s", err.msg);
  free(cov);
  free(ms);
  free(is);
}

static void cpu_be(fai_backend *be, int threads) {
  *be = *fai_backend_cpu();
  be->threads = threads;
}

Test(trimcache, backend_gains_and_eval_match_the_oracle_and_threads) {
  for (int s = 0; s < 40; s++) {
    fai_cache_instance inst;
    if (s < 4) edge_instance(100 + s, &inst);
    else make_instance(9000 + s, s % 2, &inst);
    const size_t mi = (size_t)inst.M * inst.I;
    uint8_t *x = malloc(BE_PLACE * mi), *xy = malloc(mi);
    be_placements(&inst, 300 + s, x);
    double *g1 = malloc(mi * sizeof *g1), *g2 = malloc(mi * sizeof *g2);
    double *h1 = malloc((size_t)BE_PLACE * inst.T * sizeof *h1);
    double *h2 = malloc((size_t)BE_PLACE * inst.T * sizeof *h2);
    fai_backend c1, c2;
    cpu_be(&c1, 1);
    cpu_be(&c2, 2);
    be_outputs(&inst, &c1, x, g1, h1);
    be_outputs(&inst, &c2, x, g2, h2);
    cr_assert(!memcmp(g1, g2, mi * sizeof *g1), "instance %d: gains differ between 1 and 2 threads", s);
    cr_assert(!memcmp(h1, h2, (size_t)BE_PLACE * inst.T * sizeof *h1),
              "instance %d: hit ratios differ between 1 and 2 threads", s);
    /* Against the dense oracle: H of each placement, and each gain as
     * T·K·(H(x1 + pair) − H(x1)). */
    const double base = oracle_h(&inst, x + mi);
    for (int c = 0; c < BE_PLACE; c++) {
      double mean = 0;
      for (int t = 0; t < inst.T; t++) mean += h1[c * inst.T + t];
      mean /= inst.T;
      cr_assert(fabs(mean - oracle_h(&inst, x + c * mi)) < 1e-12, "instance %d placement %d", s, c);
    }
    for (size_t q = 0; q < mi; q++) {
      memcpy(xy, x + mi, mi);
      xy[q] = 1;
      const double want = (oracle_h(&inst, xy) - base) * inst.T * inst.K;
      cr_assert(fabs(g1[q] - want) < 1e-9, "instance %d pair %zu: gain %.15g, oracle %.15g", s, q,
                g1[q], want);
    }
    free(x);
    free(xy);
    free(g1);
    free(g2);
    free(h1);
    free(h2);
    fai_cache_instance_free(&inst);
  }
}

Test(parity, cache_gains_eval_and_gen_cuda_match_cpu_bytes) {
  fai_backend cpu, cuda;
  fai_error err;
  fai_error_clear(&err);
  if (fai_backend_select(FAI_BACKEND_CUDA, 0, &cuda, &err) != FAI_OK)
    cr_skip_test("no CUDA device: %s", err.msg);
  cpu_be(&cpu, 2);
  for (int s = 0; s < 12; s++) {
    fai_cache_instance inst;
    if (s < 4) edge_instance(200 + s, &inst);
    else make_instance(9500 + s, s % 2, &inst);
    const size_t mi = (size_t)inst.M * inst.I, nh = (size_t)BE_PLACE * inst.T;
    uint8_t *x = malloc(BE_PLACE * mi);
    be_placements(&inst, 700 + s, x);
    double *g1 = malloc(mi * sizeof *g1), *g2 = malloc(mi * sizeof *g2);
    double *h1 = malloc(nh * sizeof *h1), *h2 = malloc(nh * sizeof *h2);
    be_outputs(&inst, &cpu, x, g1, h1);
    be_outputs(&inst, &cuda, x, g2, h2);
    cr_expect(!memcmp(g1, g2, mi * sizeof *g1), "instance %d: gains differ between cpu and cuda", s);
    cr_expect(!memcmp(h1, h2, nh * sizeof *h1), "instance %d: hit ratios differ between cpu and cuda", s);
    /* The whole gen solve: the same plan bytes. */
    fai_trim_params p;
    fai_trim_params_init(&p);
    p.algo = FAI_TRIM_GEN;
    fai_cache_placement a, b;
    p.be = &cpu;
    cr_assert_eq(fai_trim_solve(&inst, &p, &a, &err), FAI_OK, "%s", err.msg);
    p.be = &cuda;
    cr_assert_eq(fai_trim_solve(&inst, &p, &b, &err), FAI_OK, "%s", err.msg);
    cr_expect(!memcmp(a.x, b.x, mi), "instance %d: gen placements differ between cpu and cuda", s);
    cr_expect(!memcmp(a.hit_snap, b.hit_snap, (size_t)inst.T * sizeof(double)),
              "instance %d: per-snapshot hit ratios differ between cpu and cuda", s);
    fai_cache_placement_free(&a);
    fai_cache_placement_free(&b);
    free(x);
    free(g1);
    free(g2);
    free(h1);
    free(h2);
    fai_cache_instance_free(&inst);
  }
}

/* Adaptive modelling (PAPERS §11.4): the knapsack DP against an independent
 * brute-force enumeration in integer microseconds on 200 random small spaces,
 * the rounding rule on off-grid latencies, the evolutionary search never
 * beating the DP, the reference data set (unadapted latency = the paper's,
 * adapted latency in [15, 20] ms on all 8 devices), gpu terms and bad input. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/adapt.h"
#include "fluidai/rng.h"

#define N_RANDOM 200
#define MAXG 5
#define MAXO 5

typedef struct rnd {
  uint64_t seed, n;
} rnd;
static double ru(rnd *r) { return fai_rng_uniform(r->seed, FAI_STREAM_TEST, r->n++); }
static int ri(rnd *r, int lo, int hi) { return lo + (int)(ru(r) * (hi - lo + 1)); }

/* A random space with latencies a whole number of microseconds (us[]). */
typedef struct rspace {
  int G, off[MAXG + 1];
  long long us[MAXG * MAXO], fixed_us, lo_us, hi_us;
  double w[MAXG * MAXO], v[MAXG * MAXO];
  fai_mckp p;
} rspace;

static void make_space(rspace *s, uint64_t seed) {
  rnd r = {seed, 0};
  s->G = ri(&r, 1, 4);
  int k = 0;
  long long sum_mid = 0;
  for (int g = 0; g < s->G; g++) {
    s->off[g] = k;
    const int no = ri(&r, 1, 4);
    for (int o = 0; o < no; o++, k++) {
      s->us[k] = ri(&r, 0, 5000);
      s->w[k] = (double)s->us[k] / 1000.0;
      s->v[k] = (double)ri(&r, 0, 40) * 0.25; /* ties happen */
      if (o == 0) sum_mid += s->us[k];
    }
  }
  s->off[s->G] = k;
  s->fixed_us = ri(&r, 0, 2000);
  const long long c = s->fixed_us + sum_mid + ri(&r, -3000, 3000);
  s->lo_us = c - ri(&r, 0, 4000);
  if (s->lo_us < 0) s->lo_us = 0;
  s->hi_us = s->lo_us + ri(&r, 0, 5000);
  s->p.n_groups = s->G;
  s->p.off = s->off;
  s->p.weight = s->w;
  s->p.value = s->v;
  s->p.fixed_weight = (double)s->fixed_us / 1000.0;
  s->p.fixed_value = (double)ri(&r, 0, 100);
}

/* Independent oracle: every option set, feasibility in integer microseconds. */
static int oracle(const rspace *s, double *best) {
  int cur[MAXG] = {0}, found = 0;
  for (;;) {
    long long t = s->fixed_us;
    double v = s->p.fixed_value;
    for (int g = 0; g < s->G; g++) {
      t += s->us[s->off[g] + cur[g]];
      v += s->v[s->off[g] + cur[g]];
    }
    if (t >= s->lo_us && t <= s->hi_us && (!found || v > *best)) {
      *best = v;
      found = 1;
    }
    int g = s->G - 1;
    while (g >= 0 && ++cur[g] == s->off[g + 1] - s->off[g]) cur[g--] = 0;
    if (g < 0) break;
  }
  return found;
}

static long long pick_us(const rspace *s, const int *pick) {
  long long t = s->fixed_us;
  for (int g = 0; g < s->G; g++) t += s->us[s->off[g] + pick[g]];
  return t;
}

Test(adapt, dp_equals_brute_force_on_random_spaces) {
  int feasible = 0;
  for (int i = 0; i < N_RANDOM; i++) {
    rspace s;
    make_space(&s, 1000 + (uint64_t)i);
    int pick[MAXG] = {0}, bpick[MAXG] = {0};
    fai_mckp_result res, bres;
    fai_error err;
    const double lo = (double)s.lo_us / 1000, hi = (double)s.hi_us / 1000;
    cr_assert_eq(fai_mckp_dp(&s.p, lo, hi, 0.001, pick, &res, &err), FAI_OK, "%s", err.msg);
    cr_assert_eq(fai_mckp_brute(&s.p, lo, hi, 0.001, bpick, &bres, &err), FAI_OK, "%s", err.msg);
    double best = 0;
    const int ok = oracle(&s, &best);
    cr_assert_eq(res.feasible, ok, "space %d: dp feasible %d, oracle %d", i, res.feasible, ok);
    cr_assert_eq(bres.feasible, ok, "space %d", i);
    if (!ok) continue;
    feasible++;
    cr_assert_eq(res.value, best, "space %d: dp %.17g, oracle %.17g", i, res.value, best);
    cr_assert_eq(bres.value, best, "space %d", i);
    const long long t = pick_us(&s, pick);
    cr_assert(t >= s.lo_us && t <= s.hi_us, "space %d: dp pick %lld us outside [%lld, %lld]", i, t,
              s.lo_us, s.hi_us);
    cr_assert_eq(res.ticks, t, "space %d", i);
    cr_assert(res.weight >= lo - 1e-9 && res.weight <= hi + 1e-9);
  }
  cr_assert(feasible > N_RANDOM / 3 && feasible < N_RANDOM, "%d of %d feasible: a weak test",
            feasible, N_RANDOM);
}

/* Off-grid latencies: the DP's model always lies in [lo, hi] exactly, and it
 * loses at most the rounding margin: it is at least as good as every model
 * whose exact latency lies in [lo + (G+1)·q, hi − (G+1)·q]. */
Test(adapt, off_grid_latencies_never_admit_an_infeasible_model) {
  const double q = 0.01;
  for (int i = 0; i < N_RANDOM; i++) {
    rspace s;
    make_space(&s, 5000 + (uint64_t)i);
    rnd r = {7000 + (uint64_t)i, 0};
    for (int k = 0; k < s.off[s.G]; k++) {
      s.w[k] = (double)s.us[k] / 1000.0 + ru(&r) * 0.0137;
      if (i % 2) s.v[k] = -s.w[k]; /* the fastest model wins: presses against lo */
    }
    s.p.fixed_weight += ru(&r) * 0.003;
    const double lo = (double)s.lo_us / 1000 + ru(&r) * 0.01, hi = (double)s.hi_us / 1000 + 0.02;
    int pick[MAXG] = {0};
    fai_mckp_result res;
    fai_error err;
    cr_assert_eq(fai_mckp_dp(&s.p, lo, hi, q, pick, &res, &err), FAI_OK, "%s", err.msg);
    /* exact enumeration */
    int cur[MAXG] = {0}, inner = 0;
    double inner_best = -INFINITY;
    for (;;) {
      double w = s.p.fixed_weight, v = s.p.fixed_value;
      for (int g = 0; g < s.G; g++) {
        w += s.w[s.off[g] + cur[g]];
        v += s.v[s.off[g] + cur[g]];
      }
      if (w >= lo + (s.G + 1) * q && w <= hi - (s.G + 1) * q && v > inner_best) {
        inner_best = v;
        inner = 1;
      }
      int g = s.G - 1;
      while (g >= 0 && ++cur[g] == s.off[g + 1] - s.off[g]) cur[g--] = 0;
      if (g < 0) break;
    }
    if (res.feasible) {
      double w = s.p.fixed_weight;
      for (int g = 0; g < s.G; g++) w += s.w[s.off[g] + pick[g]];
      cr_assert(w >= lo && w <= hi, "space %d: %.17g outside [%.17g, %.17g]", i, w, lo, hi);
      cr_assert_eq(w, res.weight);
    }
    if (inner) {
      cr_assert(res.feasible, "space %d: a model with margin exists but the DP found none", i);
      cr_assert(res.value >= inner_best, "space %d", i);
    }
  }
}

/* A latency or bound far below one tick is not "exactly 0 ticks": on a grid
 * coarser than the interval nothing fits, and a coarse grid never admits a
 * model outside [lo, hi] (the DP once chose a 10.75 ms model for [15, 20] ms
 * at --grid 1e300 and a 0.5 ms one for [1, 2] ms at --grid 1e12). */
Test(adapt, sub_tick_latencies_are_not_rounded_to_zero) {
  const int off[3] = {0, 2, 4};
  const double w[4] = {0.25, 4, 0.25, 4}, v[4] = {1, 0, 1, 0};
  const fai_mckp p = {2, off, w, v, 0, 0};
  const double grids[4] = {1e300, 1e12, 1e3, 1e-3};
  const double lo[4] = {15, 1, 1, 1}, hi[4] = {20, 2, 2, 2};
  for (int k = 0; k < 4; k++) {
    int pick[2] = {-1, -1};
    fai_mckp_result res;
    fai_error err;
    cr_assert_eq(fai_mckp_dp(&p, lo[k], hi[k], grids[k], pick, &res, &err), FAI_OK, "%s", err.msg);
    if (res.feasible)
      cr_assert(res.weight >= lo[k] && res.weight <= hi[k], "grid %g: %g ms outside [%g, %g]",
                grids[k], res.weight, lo[k], hi[k]);
    /* only 0.25 + 0.25 = 0.5 ms, 4.25 and 8 exist: nothing lies in [1, 2] or [15, 20] */
    cr_assert(!res.feasible, "grid %g: chose %g ms", grids[k], res.weight);
  }
  long long t[4], fixed, tlo, thi;
  fai_error err;
  cr_assert_eq(fai_mckp_ticks(&p, 1e-12, 2, 1, t, &fixed, &tlo, &thi, &err), FAI_OK);
  cr_assert_eq(t[0], 1, "0.25 ms on a 1 ms grid rounds up to one tick, got %lld", t[0]);
  cr_assert(tlo >= 1, "a positive lower bound is at least one tick, got %lld", tlo);
  cr_assert_eq(fixed, 0, "a zero fixed part is exactly 0 ticks");
}

Test(adapt, evolution_is_feasible_and_never_beats_dp) {
  int equal = 0, feasible = 0;
  for (int i = 0; i < N_RANDOM; i++) {
    rspace s;
    make_space(&s, 1000 + (uint64_t)i);
    int pick[MAXG] = {0}, epick[MAXG] = {0}, epick2[MAXG] = {0};
    fai_mckp_result res, eres, eres2;
    fai_error err;
    const double lo = (double)s.lo_us / 1000, hi = (double)s.hi_us / 1000;
    fai_evo_params ep;
    fai_evo_params_init(&ep);
    ep.population = 8;
    ep.generations = 20;
    ep.seed = 3 + (uint64_t)i;
    cr_assert_eq(fai_mckp_dp(&s.p, lo, hi, 0.001, pick, &res, &err), FAI_OK);
    cr_assert_eq(fai_mckp_evolve(&s.p, lo, hi, 0.001, &ep, epick, &eres, &err), FAI_OK, "%s",
                 err.msg);
    cr_assert_eq(fai_mckp_evolve(&s.p, lo, hi, 0.001, &ep, epick2, &eres2, &err), FAI_OK);
    cr_assert_eq(eres.feasible, eres2.feasible);
    cr_assert(!memcmp(epick, epick2, sizeof epick), "space %d: same seed, different result", i);
    if (!eres.feasible) continue;
    cr_assert(res.feasible, "space %d: evolution feasible where the DP is not", i);
    const long long t = pick_us(&s, epick);
    cr_assert(t >= s.lo_us && t <= s.hi_us, "space %d: evolution pick outside the interval", i);
    cr_assert(eres.value <= res.value, "space %d: evolution %.17g beats dp %.17g", i, eres.value,
              res.value);
    feasible++;
    equal += eres.value == res.value;
  }
  cr_assert(feasible > N_RANDOM / 4, "evolution feasible on only %d spaces", feasible);
  cr_assert(equal > feasible / 2, "evolution optimal on only %d of %d", equal, feasible);
}

/* --- reference data (data/leoedge) ----------------------------------------------- */

static const char *const REF_DEV[8] = {"snapdragon-8-gen-1", "snapdragon-835", "snapdragon-855",
                                       "kirin-980", "kirin-990", "google-tensor", "kirin-9000",
                                       "snapdragon-695"};
static const double REF_WITHOUT[2][8] = {{24.9, 36.8, 33.0, 35.7, 28.2, 22.1, 22.2, 37.5},
                                         {20.1, 34.2, 31.3, 35.0, 26.1, 23.2, 20.9, 33.5}};
static const double REF_ACC0[2] = {72.0, 69.1};

Test(adapt, reference_models_meet_the_paper_interval_on_every_device) {
  fai_device_kb kb;
  fai_error err;
  cr_assert_eq(fai_device_kb_load_file("data/leoedge/kb.json", &kb, &err), FAI_OK, "%s", err.msg);
  const char *const spaces[2] = {"data/leoedge/mobilenetv3.json", "data/leoedge/shufflenetv2.json"};
  for (int f = 0; f < 2; f++) {
    fai_model_space sp;
    cr_assert_eq(fai_model_space_load_file(spaces[f], &kb, &sp, &err), FAI_OK, "%s", err.msg);
    for (int d = 0; d < 8; d++) {
      const int di = fai_device_kb_find(&kb, REF_DEV[d], &err);
      cr_assert(di >= 0, "%s", err.msg);
      fai_adapt_problem pb;
      cr_assert_eq(fai_adapt_problem_build(&kb, &sp, di, &pb, &err), FAI_OK, "%s", err.msg);
      double l0, a0;
      fai_adapt_eval(&pb, pb.def_pick, &l0, &a0);
      cr_assert(fabs(l0 - REF_WITHOUT[f][d]) < 1e-9, "%s on %s: unadapted %.17g, paper %.1f",
                sp.name, REF_DEV[d], l0, REF_WITHOUT[f][d]);
      cr_assert(fabs(a0 - REF_ACC0[f]) < 1e-9, "%s: original accuracy %.17g", sp.name, a0);
      fai_adapt_params ap;
      fai_adapt_params_init(&ap);
      int pick[16];
      fai_mckp_result res;
      cr_assert_eq(fai_adapt_solve(&pb, &ap, pick, &res, &err), FAI_OK, "%s", err.msg);
      cr_assert(res.feasible, "%s on %s: no model in [15, 20] ms", sp.name, REF_DEV[d]);
      double l, a;
      fai_adapt_eval(&pb, pick, &l, &a);
      cr_assert(l >= 15 && l <= 20, "%s on %s: adapted %.6f ms", sp.name, REF_DEV[d], l);
      cr_assert_eq(a, res.value);
      fai_adapt_problem_free(&pb);
    }
    fai_model_space_free(&sp);
  }
  fai_device_kb_free(&kb);
}

/* --- small hand-made knowledge base ----------------------------------------------- */

static const char *KB_TEXT =
    "{\"format\": \"fluidai-device-kb\", \"version\": 1,\n"
    " \"operators\": [{\"id\": \"a\", \"type\": \"conv\", \"kernel\": 3},\n"
    "               {\"id\": \"b\", \"type\": \"dwconv\"}, {\"id\": \"c\", \"type\": \"fc\"}],\n"
    " \"devices\": [{\"name\": \"phone\", \"latency_ms\": {\"a\": 1.5, \"b\": 0.5, \"c\": 2}},\n"
    "   {\"name\": \"jetson\", \"engine\": \"gpu\", \"transfer_in_ms\": 0.25,\n"
    "    \"gpu\": {\"queue_ms\": 0.5, \"copy_ms_per_mb\": 2},\n"
    "    \"latency_ms\": {\"a\": 0.5, \"b\": 0.25, \"c\": 1}}]}\n";

static const char *SPACE_TEXT =
    "{\"format\": \"fluidai-model-space\", \"version\": 1, \"name\": \"tiny\",\n"
    " \"input\": {\"resolution\": 100, \"channels\": 3, \"dtype\": \"fp16\"},\n"
    " \"base_accuracy\": 50, \"fixed\": [\"c\"],\n"
    " \"blocks\": [{\"name\": \"s1\", \"oneof\": [{\"name\": \"x\", \"ops\": [\"a\"], \"accuracy\": 2},\n"
    "                                        {\"name\": \"y\", \"ops\": [\"b\", \"b\"]}],\n"
    "             \"repeat\": {\"min\": 1, \"max\": 3, \"accuracy\": [0, 1, 1.5]},\n"
    "             \"default\": {\"choice\": \"x\", \"depth\": 2}}]}\n";

Test(adapt, predicted_latency_adds_transfer_and_gpu_terms) {
  fai_device_kb kb;
  fai_model_space sp;
  fai_error err;
  cr_assert_eq(fai_device_kb_load_string(KB_TEXT, "kb", &kb, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(fai_model_space_load_string(SPACE_TEXT, "sp", &kb, &sp, &err), FAI_OK, "%s", err.msg);
  cr_assert_float_eq(sp.input_mb, 0.06, 1e-15);
  fai_adapt_problem pb;
  double l, a;
  cr_assert_eq(fai_adapt_problem_build(&kb, &sp, 0, &pb, &err), FAI_OK);
  fai_adapt_eval(&pb, pb.def_pick, &l, &a);
  cr_assert_eq(l, 2 + 2 * 1.5);
  cr_assert_eq(a, 50 + 2 + 1);
  cr_assert_eq(pb.off[1], 6);
  fai_adapt_problem_free(&pb);
  cr_assert_eq(fai_adapt_problem_build(&kb, &sp, 1, &pb, &err), FAI_OK);
  fai_adapt_eval(&pb, pb.def_pick, &l, &a);
  cr_assert_float_eq(l, 0.25 + 1 + 0.5 + 2 * 0.06 + 2 * 0.5, 1e-12);
  cr_assert_float_eq(pb.gpu_ms, 0.5 + 0.12, 1e-12);
  fai_adapt_params ap;
  fai_adapt_params_init(&ap);
  int pick[1];
  fai_mckp_result res;
  fai_adapt_problem_free(&pb);
  cr_assert_eq(fai_adapt_problem_build(&kb, &sp, 0, &pb, &err), FAI_OK);
  /* phone: fixed 2; x·r = 1.5r, y·r = 1.0r.  In [3, 3.5]: x1 (3.5, acc 52), y1 (3, 50). */
  ap.lo_ms = 3;
  ap.hi_ms = 3.5;
  cr_assert_eq(fai_adapt_solve(&pb, &ap, pick, &res, &err), FAI_OK);
  cr_assert(res.feasible);
  cr_assert_eq(pb.opt_choice[pick[0]], 0);
  cr_assert_eq(pb.opt_depth[pick[0]], 1);
  cr_assert_eq(res.value, 52);
  ap.lo_ms = 5.5; /* 5.5 .. 5.9: nothing (x3 6.5, y3 5, x2 5, y... ) */
  ap.hi_ms = 5.9;
  cr_assert_eq(fai_adapt_solve(&pb, &ap, pick, &res, &err), FAI_OK);
  cr_assert(!res.feasible);
  fai_adapt_problem_free(&pb);
  fai_model_space_free(&sp);
  fai_device_kb_free(&kb);
}

/* 400 blocks of 6 options: 6^400 ≈ 10^311 models overflow a double; the
 * plan's metrics used to come out null (json_pack failed on inf). */
Test(adapt, a_space_too_large_to_count_keeps_its_metrics) {
  const int NB = 400;
  size_t cap = 512 + (size_t)NB * 256, n = 0;
  char *text = malloc(cap);
  n += (size_t)snprintf(text + n, cap - n,
                        "{\"format\": \"fluidai-model-space\", \"version\": 1, \"name\": \"huge\",\n"
                        " \"input\": {\"resolution\": 8, \"channels\": 3, \"dtype\": \"fp32\"},\n"
                        " \"fixed\": [\"c\"], \"blocks\": [");
  for (int b = 0; b < NB; b++)
    n += (size_t)snprintf(text + n, cap - n,
                          "%s{\"name\": \"s%d\", \"oneof\": [{\"name\": \"x\", \"ops\": [\"a\"]}, "
                          "{\"name\": \"y\", \"ops\": [\"b\"]}], \"repeat\": {\"min\": 1, "
                          "\"max\": 3, \"accuracy\": [0, 1, 1.5]}}",
                          b ? ", " : "", b);
  snprintf(text + n, cap - n, "]}\n");
  fai_device_kb kb;
  fai_model_space sp;
  fai_adapt_problem pb;
  fai_error err;
  cr_assert_eq(fai_device_kb_load_string(KB_TEXT, "kb", &kb, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(fai_model_space_load_string(text, "huge", &kb, &sp, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(fai_adapt_problem_build(&kb, &sp, 0, &pb, &err), FAI_OK, "%s", err.msg);
  fai_adapt_params ap;
  fai_adapt_params_init(&ap);
  ap.lo_ms = 0;
  ap.hi_ms = 4000;
  ap.grid_ms = 0.5;
  int *pick = calloc((size_t)NB, sizeof *pick);
  fai_mckp_result res;
  cr_assert_eq(fai_adapt_solve(&pb, &ap, pick, &res, &err), FAI_OK, "%s", err.msg);
  cr_assert(res.feasible);
  fai_plan plan = {NULL, NULL};
  cr_assert_eq(fai_adapt_plan(&kb, &sp, &pb, &ap, pick, &res, &plan, &err), FAI_OK, "%s", err.msg);
  json_t *m = json_object_get(plan.doc, "metrics");
  cr_assert(json_is_object(m), "metrics is not an object");
  cr_assert(json_is_null(json_object_get(m, "models_in_space")));
  cr_assert_float_eq(json_real_value(json_object_get(m, "models_in_space_log10")), NB * log10(6.0),
                     1e-9);
  cr_assert(json_is_object(json_object_get(m, "original")));
  cr_assert_eq(json_real_value(json_object_get(m, "accuracy")), res.value);
  fai_plan_free(&plan);
  free(pick);
  free(text);
  fai_adapt_problem_free(&pb);
  fai_model_space_free(&sp);
  fai_device_kb_free(&kb);
}

static void expect_kb_error(const char *text, const char *want) {
  fai_device_kb kb;
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_device_kb_load_string(text, "kb.json", &kb, &err), FAI_EINVAL, "%s", want);
  char buf[2048];
  fai_error_format(&err, buf, sizeof buf);
  cr_assert(strstr(buf, want), "error \"%s\"; wanted \"%s\"", buf, want);
}

static char *replace(const char *s, const char *from, const char *to) {
  static char buf[4096];
  const char *p = strstr(s, from);
  cr_assert(p, "%s not in the text", from);
  snprintf(buf, sizeof buf, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
  return buf;
}

Test(adapt, bad_input_names_the_path_and_value) {
  expect_kb_error(replace(KB_TEXT, "\"a\": 1.5", "\"a\": -1.5"), "$.devices[0].latency_ms.a");
  expect_kb_error(replace(KB_TEXT, "\"a\": 1.5", "\"a\": -1.5"), "-1.5");
  expect_kb_error(replace(KB_TEXT, "\"a\": 1.5", "\"zz\": 1.5"), "unknown operator \"zz\"");
  expect_kb_error(replace(KB_TEXT, "{\"id\": \"b\"", "{\"id\": \"a\""), "duplicate operator id");
  expect_kb_error(replace(KB_TEXT, "\"engine\": \"gpu\",", "\"engine\": \"tpu\","), "engine");
  expect_kb_error(replace(KB_TEXT, "\"gpu\": {", "\"gpx\": {"), "gpx");

  fai_device_kb kb;
  fai_model_space sp;
  fai_error err;
  cr_assert_eq(fai_device_kb_load_string(KB_TEXT, "kb.json", &kb, &err), FAI_OK);
  cr_assert_eq(fai_device_kb_find(&kb, "pixel", &err), -1);
  cr_assert(strstr(err.msg, "\"pixel\"") && strstr(err.msg, "phone, jetson"), "%s", err.msg);
  cr_assert_eq(fai_model_space_load_string(replace(SPACE_TEXT, "[\"b\", \"b\"]", "[\"b\", \"q\"]"),
                                           "sp.json", &kb, &sp, &err), FAI_EINVAL);
  cr_assert_str_eq(err.path, "$.blocks[0].oneof[1].ops[1]");
  cr_assert(strstr(err.msg, "unknown operator \"q\""), "%s", err.msg);
  cr_assert_eq(fai_model_space_load_string(replace(SPACE_TEXT, "[0, 1, 1.5]", "[0, 1]"), "sp.json",
                                           &kb, &sp, &err), FAI_EINVAL);
  cr_assert(strstr(err.msg, "expected 3"), "%s", err.msg);
  cr_assert_eq(fai_model_space_load_string(replace(SPACE_TEXT, "\"choice\": \"x\"", "\"choice\": \"w\""),
                                           "sp.json", &kb, &sp, &err), FAI_EINVAL);
  /* lo > hi, and an operator without a measurement on the device */
  cr_assert_eq(fai_model_space_load_string(SPACE_TEXT, "sp.json", &kb, &sp, &err), FAI_OK);
  fai_adapt_problem pb;
  cr_assert_eq(fai_adapt_problem_build(&kb, &sp, 0, &pb, &err), FAI_OK);
  fai_adapt_params ap;
  fai_adapt_params_init(&ap);
  ap.lo_ms = 20;
  ap.hi_ms = 15;
  int pick[1];
  fai_mckp_result res;
  cr_assert_eq(fai_adapt_solve(&pb, &ap, pick, &res, &err), FAI_EINVAL);
  cr_assert(strstr(err.msg, "[20, 15]"), "%s", err.msg);
  fai_adapt_problem_free(&pb);
  kb.dev[0].op_ms[1] = NAN;
  cr_assert_eq(fai_adapt_problem_build(&kb, &sp, 0, &pb, &err), FAI_EINVAL);
  cr_assert(strstr(err.msg, "no measured latency for operator \"b\""), "%s", err.msg);
  fai_model_space_free(&sp);
  fai_device_kb_free(&kb);
}

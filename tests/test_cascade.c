/* Fluid-inference cascades: profile validation, the evaluation core on
 * hand-built links (handover, migration, waiting for a window), the solver's
 * front against brute-force enumeration, thread determinism, and cpu-vs-cuda
 * parity of the backend operation (suite `parity`, skipped without a
 * device). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cascade_core.h"
#include "fluidai/backend.h"
#include "fluidai/cascade.h"
#include "fluidai/json.h"

static uint64_t tc_next(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
static double tc_unit(uint64_t *s) {
  return (double)(tc_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

static void tc_cpu(fai_backend *be, int threads) {
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_backend_select(FAI_BACKEND_CPU, threads, be, &err), FAI_OK, "%s", err.msg);
}

static double *tc_link(fai_cascade_points *pts, int64_t p, int l) {
  return pts->links + ((size_t)p * FAI_CASCADE_LINKS + (size_t)l) * FAI_CASCADE_LINK_FIELDS;
}

static void tc_set(double *lk, double prop, double fwd, double rev, double lo, double hi) {
  lk[FAI_CASCADE_F_PROP] = prop;
  lk[FAI_CASCADE_F_SPB_FWD] = fwd;
  lk[FAI_CASCADE_F_SPB_REV] = rev;
  lk[FAI_CASCADE_F_LO] = lo;
  lk[FAI_CASCADE_F_HI] = hi;
}

/* A three-stage profile with G thresholds and random, valid exit tables. */
static void tc_profile(fai_cascade_profile *p, int K, int G, uint64_t *rs) {
  memset(p, 0, sizeof *p);
  snprintf(p->name, sizeof p->name, "test");
  p->n_sub = K;
  p->n_thresholds = G;
  p->input_bits = 1e6 * (0.5 + tc_unit(rs));
  p->result_bits = 1e3;
  p->final_accuracy = 0.8;
  for (int g = 0; g < G; g++) p->thresholds[g] = 0.5 + 0.4 * g / (G > 1 ? G - 1 : 1);
  for (int k = 0; k < K; k++) {
    double pr = 0.3 + 0.6 * tc_unit(rs);
    p->sub[k].flops = 1e9 * (0.2 + tc_unit(rs));
    p->sub[k].output_bits = 1e6 * (0.2 + 2 * tc_unit(rs));
    p->sub[k].memory_bytes = 1e6;
    for (int g = 0; g < G; g++) {
      p->sub[k].exit_probability[g] = pr;
      p->sub[k].exit_accuracy[g] = 0.5 + 0.3 * tc_unit(rs);
      pr *= 0.5 + 0.45 * tc_unit(rs);
    }
  }
}

/* Random points: each link present with some probability, windows that
 * close inside or after typical request times. */
static void tc_points(fai_cascade_points *pts, int T, int U, uint64_t *rs) {
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_cascade_points_alloc(T, U, pts, &err), FAI_OK, "%s", err.msg);
  for (int t = 0; t < T; t++) pts->t_s[t] = 10.0 * t;
  for (int64_t p = 0; p < pts->n_points; p++) {
    pts->serving[p] = 0;
    pts->next[p] = 1;
    for (int l = 0; l < FAI_CASCADE_LINKS; l++) {
      if (tc_unit(rs) < 0.25 && l != FAI_CASCADE_L_UP1) continue;
      const double lo = l == FAI_CASCADE_L_UP2 || l == FAI_CASCADE_L_GS2 ? 0.5 * tc_unit(rs) : 0.0;
      const double hi = tc_unit(rs) < 0.5 ? lo + 0.05 + 1.5 * tc_unit(rs) : FAI_CASCADE_NEVER;
      const double r1 = 1.0 / (1e7 * (1 + 50 * tc_unit(rs))), r2 = 1.0 / (1e7 * (1 + 50 * tc_unit(rs)));
      tc_set(tc_link(pts, p, l), 0.002 + 0.02 * tc_unit(rs), r1, r2, lo, hi);
    }
  }
}

static void tc_params(fai_cascade_params *prm) {
  fai_cascade_params_init(prm);
  prm->node_flops[0] = 2e9;
  prm->node_flops[1] = prm->node_flops[2] = 1e10;
  prm->node_flops[3] = 1e12;
  prm->place_chunk = 5;
}

/* ------------------------------------------------------------------ profile */

static const char *const GOOD_PROFILE =
    "{\"name\": \"p\", \"input_bits\": 1000, \"result_bits\": 10, \"final_accuracy\": 0.8,\n"
    " \"thresholds\": [0.5, 0.9],\n"
    " \"submodels\": [\n"
    "  {\"flops\": 1e9, \"output_bits\": 100, \"exit\": {\"accuracy\": [0.6, 0.7], "
    "\"probability\": [0.5, 0.2]}},\n"
    "  {\"flops\": 1e9}]}\n";

Test(cascade, profile_presets_load_and_are_consistent) {
  for (int i = 0; i < fai_cascade_profile_preset_count(); i++) {
    fai_cascade_profile p;
    fai_error err;
    fai_error_clear(&err);
    cr_assert_eq(fai_cascade_profile_preset(fai_cascade_profile_preset_name(i), &p, &err), FAI_OK,
                 "%s", err.msg);
    cr_expect_geq(p.n_sub, 3);
    cr_expect_eq(strlen(p.sha256), 64);
    cr_expect(strstr(p.description, "ynthetic"), "%s: say it is a synthetic surrogate", p.name);
  }
}

Test(cascade, profile_minimal_two_stage_loads) {
  fai_cascade_profile p;
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_cascade_profile_load_string(GOOD_PROFILE, "good.json", &p, &err), FAI_OK, "%s",
               err.msg);
  cr_expect_eq(p.n_sub, 2);
  cr_expect_eq(p.n_thresholds, 2);
  cr_expect_eq(p.sub[0].exit_probability[1], 0.2);
}

static void expect_bad(const char *text, const char *path, int line, const char *needle) {
  fai_cascade_profile p;
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_cascade_profile_load_string(text, "bad.json", &p, &err), FAI_EINVAL);
  cr_expect_str_eq(err.path, path);
  cr_expect_eq(err.line, line, "line %d, expected %d (%s)", err.line, line, err.msg);
  cr_expect_gt(err.col, 0);
  cr_expect(strstr(err.msg, needle), "message \"%s\" lacks \"%s\"", err.msg, needle);
}

Test(cascade, profile_exit_probability_above_one_is_located) {
  expect_bad(
      "{\"name\": \"p\", \"input_bits\": 1000, \"result_bits\": 10, \"final_accuracy\": 0.8,\n"
      " \"thresholds\": [0.5, 0.9],\n"
      " \"submodels\": [\n"
      "  {\"flops\": 1e9, \"output_bits\": 100, \"exit\": {\"accuracy\": [0.6, 0.7],\n"
      "   \"probability\": [1.2, 0.2]}},\n"
      "  {\"flops\": 1e9}]}\n",
      "$.submodels[0].exit.probability[0]", 5, "1.2");
}

Test(cascade, profile_rising_exit_probability_is_rejected) {
  expect_bad(
      "{\"name\": \"p\", \"input_bits\": 1000, \"result_bits\": 10, \"final_accuracy\": 0.8,\n"
      " \"thresholds\": [0.5, 0.9],\n"
      " \"submodels\": [\n"
      "  {\"flops\": 1e9, \"output_bits\": 100, \"exit\": {\"accuracy\": [0.6, 0.7],\n"
      "   \"probability\": [0.2, 0.4]}},\n"
      "  {\"flops\": 1e9}]}\n",
      "$.submodels[0].exit.probability[1]", 5, "must not increase");
}

Test(cascade, profile_unknown_key_and_table_length_are_rejected) {
  fai_cascade_profile p;
  fai_error err;
  fai_error_clear(&err);
  cr_expect_eq(fai_cascade_profile_load_string(
                   "{\"name\": \"p\", \"input_bits\": 1, \"result_bits\": 1, \"final_accuracy\": 1,"
                   " \"thresholds\": [0.5], \"submodels\": [{\"flops\": 1, \"output_bits\": 1, "
                   "\"exit\": {\"accuracy\": [0.5], \"probability\": [0.5]}}, {\"flops\": 1, "
                   "\"colour\": 1}]}",
                   "bad.json", &p, &err),
               FAI_EINVAL);
  cr_expect(strstr(err.msg, "colour"), "%s", err.msg);
  fai_error_clear(&err);
  cr_expect_eq(fai_cascade_profile_load_string(
                   "{\"name\": \"p\", \"input_bits\": 1, \"result_bits\": 1, \"final_accuracy\": 1,"
                   " \"thresholds\": [0.5, 0.6], \"submodels\": [{\"flops\": 1, \"output_bits\": 1,"
                   " \"exit\": {\"accuracy\": [0.5], \"probability\": [0.5, 0.4]}}, {\"flops\": 1}]}",
                   "bad.json", &p, &err),
               FAI_EINVAL);
  cr_expect(strstr(err.msg, "one per threshold"), "%s", err.msg);
}

/* ------------------------------------------------------------------ core */

/* One point: serving satellite visible 0.5 s more, next satellite over one
 * ISL, visible from 0.3 s; no ground.  All on the serving satellite with a
 * 1 s compute: without migration the result is lost, with it the result
 * goes over the ISL and down from the next satellite. */
Test(cascade, migration_carries_a_late_result_over_the_isl) {
  fai_cascade_points pts;
  fai_error err;
  fai_backend be;
  fai_error_clear(&err);
  tc_cpu(&be, 1);
  cr_assert_eq(fai_cascade_points_alloc(1, 1, &pts, &err), FAI_OK);
  tc_set(tc_link(&pts, 0, FAI_CASCADE_L_UP1), 0.004, 1e-8, 1e-9, 0.0, 0.5);
  tc_set(tc_link(&pts, 0, FAI_CASCADE_L_UP2), 0.005, 1e-8, 1e-9, 0.3, 200.0);
  tc_set(tc_link(&pts, 0, FAI_CASCADE_L_ISL), 0.01, 1e-11, 1e-11, 0.0, FAI_CASCADE_NEVER);
  const int8_t place[2][2] = {{1, 1}, {1, 1}};
  const uint8_t mig[2] = {0, 1};
  const double compute[2 * FAI_CASCADE_NODES] = {0, 0.4, 0.4, 0, 0, 0.6, 0.6, 0};
  const double in_bits[2] = {1e6, 1e5};
  fai_cascade_batch b = {2, 2, 1, &place[0][0], mig, compute, in_bits, 1000.0, pts.links};
  double tm[4];
  uint8_t via[4];
  cr_assert_eq(be.cascade_eval(&be, &b, tm, via, &err), FAI_OK, "%s", err.msg);
  /* up: 0.004 + 1e6·1e-8 = 0.014; exit 0 ready at 0.414, down 0.004 + 1e-6. */
  cr_expect_float_eq(tm[0], 0.014 + 0.4 + 0.004 + 1000 * 1e-9, 1e-12);
  cr_expect_eq(tm[1], -1.0, "no migration: the late result is lost");
  cr_expect_float_eq(tm[2], tm[0], 1e-15);
  const double ready = 0.014 + 0.4 + 0.6;
  cr_expect_float_eq(tm[3], ready + 0.01 + 1000 * 1e-11 + 0.005 + 1000 * 1e-9, 1e-12);
  cr_expect(via[3] & (1u << FAI_CASCADE_L_ISL));
  cr_expect(via[3] & (1u << FAI_CASCADE_L_UP2));
  fai_cascade_points_free(&pts);
}

/* A ground placement whose result is ready before the next satellite rises
 * waits for its window (vertical migration back up through it). */
Test(cascade, vertical_migration_waits_for_the_next_window) {
  fai_cascade_points pts;
  fai_error err;
  fai_backend be;
  fai_error_clear(&err);
  tc_cpu(&be, 1);
  cr_assert_eq(fai_cascade_points_alloc(1, 1, &pts, &err), FAI_OK);
  tc_set(tc_link(&pts, 0, FAI_CASCADE_L_UP1), 0.004, 1e-8, 1e-9, 0.0, 0.1);
  tc_set(tc_link(&pts, 0, FAI_CASCADE_L_GS1), 0.02, 1e-9, 1e-9, 0.0, 0.1);
  tc_set(tc_link(&pts, 0, FAI_CASCADE_L_GS2), 0.02, 1e-9, 1e-9, 0.0, 100.0);
  tc_set(tc_link(&pts, 0, FAI_CASCADE_L_UP2), 0.005, 1e-8, 1e-9, 2.0, 100.0);
  const int8_t place[1] = {3};
  const uint8_t mig[1] = {1};
  const double compute[FAI_CASCADE_NODES] = {0, 0, 0, 0.5};
  const double in_bits[1] = {1e6};
  fai_cascade_batch b = {1, 1, 1, place, mig, compute, in_bits, 1000.0, pts.links};
  double tm[1];
  uint8_t via[1];
  cr_assert_eq(be.cascade_eval(&be, &b, tm, via, &err), FAI_OK, "%s", err.msg);
  cr_expect_float_eq(tm[0], 2.0 + 0.005 + 1e-6, 1e-12, "got %.17g", tm[0]);
  cr_expect(via[0] & (1u << FAI_CASCADE_L_GS2));
  fai_cascade_points_free(&pts);
}

/* ------------------------------------------------------------------ oracle */

typedef struct tc_pt {
  double lat, acc;
} tc_pt;

static int tc_cmp_pt(const void *x, const void *y) {
  const tc_pt *a = x, *b = y;
  if (a->lat != b->lat) return a->lat < b->lat ? -1 : 1;
  return a->acc > b->acc ? -1 : (a->acc < b->acc);
}

/* Every placement × every threshold combination, scored point by point from
 * the PAPERS expression, then the non-dominated set by pairwise comparison. */
static int tc_brute_front(const fai_cascade_profile *prof, const fai_cascade_points *pts,
                          const fai_cascade_params *prm, const fai_backend *be, tc_pt *out) {
  const int K = prof->n_sub, G = prof->n_thresholds;
  int combos = 1, n = 0, places = 1;
  for (int k = 0; k < K - 1; k++) combos *= G + 1;
  for (int k = 0; k < K; k++) places *= 4;
  double *tm = malloc((size_t)pts->n_points * K * sizeof *tm);
  double compute[FAI_CASCADE_MAX_SUB * 4], in_bits[FAI_CASCADE_MAX_SUB];
  for (int k = 0; k < K; k++) {
    for (int v = 0; v < 4; v++) compute[k * 4 + v] = prof->sub[k].flops / prm->node_flops[v];
    in_bits[k] = k ? prof->sub[k - 1].output_bits : prof->input_bits;
  }
  tc_pt *all = malloc((size_t)places * 2 * combos * sizeof *all);
  for (int i = 0; i < 2 * places; i++) {
    int8_t pl[FAI_CASCADE_MAX_SUB];
    int uses_next = 0;
    for (int k = K - 1, x = i / 2; k >= 0; k--, x /= 4) {
      pl[k] = (int8_t)(x % 4);
      uses_next |= pl[k] == FAI_CASCADE_NODE_NEXT;
    }
    const uint8_t mig = (uint8_t)(i % 2);
    if (uses_next && !mig) continue;
    fai_cascade_batch b = {K, 1, pts->n_points, pl, &mig, compute, in_bits, prof->result_bits,
                           pts->links};
    fai_error err;
    fai_error_clear(&err);
    cr_assert_eq(be->cascade_eval(be, &b, tm, NULL, &err), FAI_OK);
    for (int c = 0; c < combos; c++) {
      int thr[FAI_CASCADE_MAX_SUB];
      for (int k = 0, x = c; k < K - 1; k++, x /= G + 1) thr[k] = x % (G + 1);
      double done = 0, tsum = 0, good = 0;
      for (int64_t p = 0; p < pts->n_points; p++) {
        double reach = 1.0;
        for (int k = 0; k < K; k++) {
          const int last = k == K - 1;
          const double e = last ? 1.0 : (thr[k] < G ? prof->sub[k].exit_probability[thr[k]] : 0.0);
          const double a = last ? prof->final_accuracy : (thr[k] < G ? prof->sub[k].exit_accuracy[thr[k]] : 0.0);
          const double pk = reach * e;
          reach *= 1.0 - e;
          const double t = tm[p * K + k];
          if (t < 0) continue;
          done += pk;
          tsum += pk * t;
          good += pk * a;
        }
      }
      if (done <= 0) continue;
      all[n].lat = tsum / done;
      all[n].acc = good / (double)pts->n_points;
      n++;
    }
  }
  int m = 0;
  for (int i = 0; i < n; i++) {
    int dominated = 0;
    for (int j = 0; j < n && !dominated; j++)
      dominated = (all[j].lat <= all[i].lat + 1e-12 && all[j].acc >= all[i].acc - 1e-12) &&
                  (all[j].lat < all[i].lat - 1e-12 || all[j].acc > all[i].acc + 1e-12);
    if (dominated) continue;
    int dup = 0;
    for (int j = 0; j < m && !dup; j++)
      dup = fabs(out[j].lat - all[i].lat) <= 1e-12 && fabs(out[j].acc - all[i].acc) <= 1e-12;
    if (!dup) out[m++] = all[i];
  }
  qsort(out, (size_t)m, sizeof *out, tc_cmp_pt);
  free(all);
  free(tm);
  return m;
}

Test(cascade, solver_front_equals_brute_force_enumeration) {
  for (uint64_t seed = 1; seed <= 4; seed++) {
    uint64_t rs = seed * 7919;
    fai_cascade_profile prof;
    fai_cascade_points pts;
    fai_cascade_params prm;
    fai_cascade_result res;
    fai_backend be;
    fai_error err;
    fai_error_clear(&err);
    const int K = seed == 4 ? 4 : 3, G = seed == 4 ? 2 : 3;
    tc_profile(&prof, K, G, &rs);
    tc_points(&pts, 3, 4, &rs);
    tc_params(&prm);
    tc_cpu(&be, 2);
    cr_assert_eq(fai_cascade_solve(&prof, &pts, &prm, &be, 0, NULL, &res, &err), FAI_OK, "%s",
                 err.msg);
    tc_pt *bf = malloc(65536 * sizeof *bf);
    const int nb = tc_brute_front(&prof, &pts, &prm, &be, bf);
    cr_expect_eq(res.n_front, nb, "seed %llu: front %d points, brute force %d",
                 (unsigned long long)seed, res.n_front, nb);
    for (int i = 0; i < res.n_front && i < nb; i++) {
      cr_expect(fabs(res.front[i].latency_s - bf[i].lat) <= 1e-9 * fmax(1, bf[i].lat) &&
                    fabs(res.front[i].delivered_accuracy - bf[i].acc) <= 1e-9,
                "seed %llu point %d: (%.12g, %.12g) vs (%.12g, %.12g)", (unsigned long long)seed,
                i, res.front[i].latency_s, res.front[i].delivered_accuracy, bf[i].lat, bf[i].acc);
    }
    cr_expect_eq(res.outcome, FAI_OUTCOME_OPTIMAL);
    cr_expect_geq(nb, 3, "seed %llu: a front of %d points tests little", (unsigned long long)seed,
                  nb);
    free(bf);
    fai_cascade_result_free(&res);
    fai_cascade_points_free(&pts);
  }
}

Test(cascade, latency_budget_below_every_plan_picks_the_fastest) {
  uint64_t rs = 99;
  fai_cascade_profile prof;
  fai_cascade_points pts;
  fai_cascade_params prm;
  fai_cascade_result res;
  fai_backend be;
  fai_error err;
  fai_error_clear(&err);
  tc_profile(&prof, 3, 3, &rs);
  tc_points(&pts, 2, 3, &rs);
  tc_params(&prm);
  prm.max_latency_s = 1e-9;
  tc_cpu(&be, 1);
  cr_assert_eq(fai_cascade_solve(&prof, &pts, &prm, &be, 0, NULL, &res, &err), FAI_OK);
  cr_expect(res.has_chosen);
  cr_expect_not(res.chosen_meets);
  cr_expect_eq(res.outcome, FAI_OUTCOME_INFEASIBLE);
  cr_expect_eq(res.chosen.latency_s, res.front[0].latency_s);
  fai_cascade_result_free(&res);
  fai_cascade_points_free(&pts);
}

Test(cascade, plan_is_identical_for_one_and_two_threads) {
  char *txt[2];
  for (int r = 0; r < 2; r++) {
    uint64_t rs = 4242;
    fai_cascade_profile prof;
    fai_cascade_points pts;
    fai_cascade_params prm;
    fai_cascade_result res;
    fai_backend be;
    fai_plan plan;
    fai_error err;
    fai_error_clear(&err);
    tc_profile(&prof, 3, 4, &rs);
    tc_points(&pts, 5, 7, &rs);
    tc_params(&prm);
    tc_cpu(&be, r + 1);
    cr_assert_eq(fai_cascade_solve(&prof, &pts, &prm, &be, 0, NULL, &res, &err), FAI_OK);
    cr_assert_eq(fai_plan_init(&plan, "place.cascade", 1, &err), FAI_OK);
    cr_assert_eq(fai_cascade_plan_fill(&prof, &pts, &prm, &res, &plan, &err), FAI_OK);
    txt[r] = fai_json_dumps(plan.doc);
    fai_plan_free(&plan);
    fai_cascade_result_free(&res);
    fai_cascade_points_free(&pts);
  }
  cr_expect_str_eq(txt[0], txt[1]);
  free(txt[0]);
  free(txt[1]);
}

static void tc_interrupt_after_first(void *user, const char *stage, double done, double total) {
  (void)user;
  (void)total;
  if (!strcmp(stage, "cascade") && done > 0) fai_interrupt_request();
}

Test(cascade, ctrl_c_keeps_the_front_of_the_finished_placements) {
  uint64_t rs = 5;
  fai_cascade_profile prof;
  fai_cascade_points pts;
  fai_cascade_params prm;
  fai_cascade_result res;
  fai_backend be;
  fai_error err;
  fai_progress prog = {tc_interrupt_after_first, NULL};
  fai_error_clear(&err);
  tc_profile(&prof, 3, 3, &rs);
  tc_points(&pts, 3, 4, &rs);
  tc_params(&prm);
  prm.place_chunk = 8;
  tc_cpu(&be, 1);
  fai_interrupt_reset();
  cr_assert_eq(fai_cascade_solve(&prof, &pts, &prm, &be, 0, &prog, &res, &err), FAI_OK, "%s",
               err.msg);
  cr_expect(fai_interrupted(), "the interrupt stays visible to the caller");
  fai_interrupt_reset();
  cr_expect_eq(res.outcome, FAI_OUTCOME_INTERRUPTED);
  cr_expect_eq(res.n_place_done, 8);
  cr_expect_gt(res.n_front, 0);
  for (int i = 0; i < res.n_front; i++) cr_expect_lt(res.front[i].place, 8);
  cr_expect_eq(res.migrate[0], 0);
  cr_expect_eq(res.migrate[1], 1);
  cr_expect(res.snap != NULL, "baselines are still scored");
  fai_cascade_result_free(&res);
  fai_cascade_points_free(&pts);
}

/* ------------------------------------------------------------------ parity */

Test(parity, cascade_eval_cuda_matches_cpu_bytes) {
  fai_backend cpu, cuda;
  fai_error err;
  fai_error_clear(&err);
  if (fai_backend_select(FAI_BACKEND_CUDA, 0, &cuda, &err) != FAI_OK)
    cr_skip_test("no CUDA device: %s", err.msg);
  tc_cpu(&cpu, 2);
  uint64_t rs = 777;
  fai_cascade_profile prof;
  fai_cascade_points pts;
  tc_profile(&prof, 4, 3, &rs);
  tc_points(&pts, 40, 50, &rs);
  const int K = 4, C = 256;
  int8_t *pl = malloc((size_t)C * K);
  uint8_t *mig = malloc((size_t)C);
  for (int i = 0; i < C; i++) {
    for (int k = K - 1, x = i; k >= 0; k--, x /= 4) pl[i * K + k] = (int8_t)(x % 4);
    mig[i] = (uint8_t)(i & 1);
  }
  double compute[4 * 4], in_bits[4];
  for (int k = 0; k < K; k++) {
    for (int v = 0; v < 4; v++) compute[k * 4 + v] = prof.sub[k].flops / (1e9 * (v + 1));
    in_bits[k] = k ? prof.sub[k - 1].output_bits : prof.input_bits;
  }
  fai_cascade_batch b = {K, C, pts.n_points, pl, mig, compute, in_bits, prof.result_bits,
                         pts.links};
  const size_t n = (size_t)C * (size_t)pts.n_points * K;
  double *t1 = malloc(n * sizeof *t1), *t2 = malloc(n * sizeof *t2);
  uint8_t *v1 = malloc(n), *v2 = malloc(n);
  cr_assert_eq(cpu.cascade_eval(&cpu, &b, t1, v1, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(cuda.cascade_eval(&cuda, &b, t2, v2, &err), FAI_OK, "%s", err.msg);
  cr_expect_eq(memcmp(t1, t2, n * sizeof *t1), 0, "cascade times differ between cpu and cuda");
  cr_expect_eq(memcmp(v1, v2, n), 0, "route masks differ between cpu and cuda");
  free(t1);
  free(t2);
  free(v1);
  free(v2);
  free(pl);
  free(mig);
  fai_cascade_points_free(&pts);
}

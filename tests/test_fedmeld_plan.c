/* FedMeld planner: the SC-MR design against a grid oracle, the mixing ratio
 * by bisection against NLopt, carry times on a hand-checkable equatorial
 * ring, uncovered areas and ring pairs, the timing JSON contract (round trip
 * and located errors), and determinism across thread counts. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/backend.h"
#include "fluidai/common.h"
#include "fluidai/fedmeld.h"
#include "fluidai/json.h"
#include "fluidai/orbit.h"
#include "fluidai/orbitgen.h"
#include "fluidai/rng.h"

typedef struct rnd {
  uint64_t seed, n;
} rnd;
static double ru(rnd *r) { return fai_rng_uniform(r->seed, FAI_STREAM_TEST, r->n++); }
/* log-uniform in [lo, hi] */
static double rlog(rnd *r, double lo, double hi) { return lo * pow(hi / lo, ru(r)); }

static void random_constants(rnd *r, fai_fedmeld_constants *k) {
  k->L = rlog(r, 0.1, 10);
  k->sigma2 = rlog(r, 0.01, 10);
  k->zeta2 = rlog(r, 0.01, 10);
  k->G2 = rlog(r, 0.1, 100);
  k->F_gap = rlog(r, 0.1, 10);
  k->eta = rlog(r, 1e-3, 0.3);
  k->batch = rlog(r, 1, 256);
  k->c1 = rlog(r, 0.1, 10);
  k->c2 = rlog(r, 0.1, 10);
  k->c3 = rlog(r, 0.1, 10);
  k->t_cmp_s = rlog(r, 0.01, 1);
  /* Drift exponent: PAPERS' 2 for odd seeds, else log-uniform in [0.2, 3] (a draw
   * of its own, so the other constants are those of γ = 2). */
  k->drift_exponent =
      r->seed % 2 ? 2.0 : 0.2 * pow(15.0, fai_rng_uniform(r->seed, FAI_STREAM_TEST, 1ULL << 40));
}

/* --- SC-MR ---------------------------------------------------------------------------- */

Test(fedmeld_plan, design_is_never_beaten_by_a_fine_grid_over_tau_and_alpha, .timeout = 60) {
  int checked = 0;
  for (int s = 0; s < 40; s++) {
    rnd r = {100 + (uint64_t)s, 0};
    fai_fedmeld_constants k;
    random_constants(&r, &k);
    const int N = 2 + (int)(ru(&r) * 10);
    const double t_com = rlog(&r, 0.01, 50);
    /* budget of at most ~150 local steps so the τ grid below is exhaustive */
    const int tau_max = 5 + (int)(ru(&r) * 145);
    const double T = t_com + tau_max * k.t_cmp_s + 0.5 * k.t_cmp_s;
    /* carry time spanning a few δ values over the τ range; sometimes none */
    const double t_travel = s % 7 == 0 ? 0 : rlog(&r, 0.2, 20) * (t_com + k.t_cmp_s);
    fai_fedmeld_design d;
    fai_error err;
    cr_assert_eq(fai_fedmeld_design_solve(&k, N, T, t_com, t_travel, 0, &d, &err), FAI_OK, "%s",
                 err.msg);
    cr_assert(d.tau >= 1 && d.tau <= tau_max, "tau %d outside [1, %d]", d.tau, tau_max);
    cr_assert_eq(d.delta, fai_fedmeld_delta_of(t_travel, d.round_s));
    cr_assert_float_eq(d.bound, fai_fedmeld_bound(&k, N, T, t_com, d.delta, d.tau, d.alpha),
                       1e-12 * d.bound);
    double best = HUGE_VAL;
    for (int tau = 1; tau <= tau_max; tau++) {
      const int delta = fai_fedmeld_delta_of(t_travel, tau * k.t_cmp_s + t_com);
      for (int i = 1; i < 4000; i++) {
        const double a = i / 4000.0;
        const double B = fai_fedmeld_bound(&k, N, T, t_com, delta, tau, a);
        if (B < best) best = B;
      }
    }
    cr_assert(d.bound <= best * (1 + 1e-12), "seed %d: design bound %.17g > grid %.17g", s,
              d.bound, best);
    checked++;
  }
  cr_assert_eq(checked, 40);
}

Test(fedmeld_plan, mixing_ratio_by_bisection_matches_nlopt_and_stays_below_half) {
  for (int s = 0; s < 150; s++) {
    rnd r = {500 + (uint64_t)s, 0};
    fai_fedmeld_constants k;
    random_constants(&r, &k);
    const int N = 2 + (int)(ru(&r) * 30);
    const int delta = s % 10 == 0 ? 0 : (s % 3 == 0 ? 1 + (int)(ru(&r) * 5000) : 1 + (int)(ru(&r) * 20));
    const double a = fai_fedmeld_alpha_bisect(&k, N, delta);
    double an = -1;
    fai_error err;
    cr_assert_eq(fai_fedmeld_alpha_nlopt(&k, N, delta, &an, &err), FAI_OK, "%s", err.msg);
    cr_assert(fabs(a - an) <= 1e-8, "seed %d, delta %d: bisection %.17g, NLopt %.17g", s, delta,
              a, an);
    if (delta == 0) cr_assert_eq(a, 0.5);
    else cr_assert(a > 0 && a < 0.5, "delta %d: alpha %.17g not in (0, 1/2)", delta, a);
  }
}

Test(fedmeld_plan, alpha_falls_as_staleness_grows) {
  fai_fedmeld_constants k;
  fai_fedmeld_constants_init(&k);
  double prev = fai_fedmeld_alpha_bisect(&k, 8, 0);
  cr_assert_eq(prev, 0.5);
  for (int d = 1; d < 200; d++) {
    const double a = fai_fedmeld_alpha_bisect(&k, 8, d);
    cr_assert(a < prev, "alpha(%d) = %g >= alpha(%d) = %g", d, a, d - 1, prev);
    prev = a;
  }
}

Test(fedmeld_plan, budget_shorter_than_one_round_and_bad_constants_are_invalid) {
  fai_fedmeld_constants k;
  fai_fedmeld_constants_init(&k);
  fai_fedmeld_design d;
  fai_error err;
  cr_assert_eq(fai_fedmeld_design_solve(&k, 8, 0.2, 0.3, 10, 0, &d, &err), FAI_EINVAL);
  cr_assert(strstr(err.msg, "shorter than one round"), "%s", err.msg);
  k.zeta2 = 0;
  cr_assert_eq(fai_fedmeld_design_solve(&k, 8, 1000, 0.3, 10, 0, &d, &err), FAI_EINVAL);
  cr_assert(strstr(err.msg, "zeta2"), "%s", err.msg);
  fai_fedmeld_constants_init(&k);
  /* δ capped below what the budget allows */
  cr_assert_eq(fai_fedmeld_design_solve(&k, 8, 100, 0.3, 1000, 3, &d, &err), FAI_EINVAL);
  cr_assert(strstr(err.msg, "staleness cap"), "%s", err.msg);
}

/* --- geometry ----------------------------------------------------------------------------- */

static void plan_files(const char *scen, const char *areas_path, int threads,
                       fai_fedmeld_plan_params *pp, fai_fedmeld_areas *areas,
                       fai_fedmeld_plan_result *res, fai_status want, fai_error *err) {
  fai_scenario sc;
  fai_scenario_init(&sc);
  cr_assert_eq(fai_scenario_load_file(scen, &sc, NULL, err), FAI_OK, "%s", err->msg);
  fai_fedmeld_areas_init(areas);
  cr_assert_eq(fai_fedmeld_areas_load_file(areas_path, sc.seed, areas, err), FAI_OK, "%s",
               err->msg);
  fai_backend be;
  cr_assert_eq(fai_backend_select(FAI_BACKEND_CPU, threads, &be, err), FAI_OK);
  pp->threads = threads;
  memset(res, 0, sizeof *res);
  const fai_status st = fai_fedmeld_plan_run(&sc, areas, pp, &be, res, err);
  cr_assert_eq(st, want, "status %d: %s", (int)st, err->msg);
  fai_scenario_free(&sc);
}

/* Field-wise equality (the structs have padding). */
static int same_windows(const fai_fedmeld_window *a, const fai_fedmeld_window *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (a[i].area != b[i].area || a[i].sat != b[i].sat || a[i].rise_s != b[i].rise_s ||
        a[i].set_s != b[i].set_s || a[i].clipped != b[i].clipped)
      return 0;
  return 1;
}

static int same_carries(const fai_fedmeld_carry *a, const fai_fedmeld_carry *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (a[i].sat != b[i].sat || a[i].from != b[i].from || a[i].to != b[i].to ||
        a[i].depart_s != b[i].depart_s || a[i].arrive_s != b[i].arrive_s ||
        a[i].carry_s != b[i].carry_s)
      return 0;
  return 1;
}

Test(fedmeld_plan, carry_time_on_an_equatorial_ring_is_angle_over_relative_rate) {
  fai_fedmeld_plan_params pp;
  fai_fedmeld_plan_params_init(&pp);
  fai_fedmeld_areas areas;
  fai_fedmeld_plan_result res;
  fai_error err;
  plan_files("tests/data/fedmeld-equator.json", "tests/data/fedmeld-equator-areas.json", 1, &pp,
             &areas, &res, FAI_OK, &err);
  /* 550 km circular equatorial orbit, Keplerian: the sub-satellite point moves
   * east at n − ω_E; consecutive areas are 90° apart and every window is
   * symmetric about the overhead pass. */
  const double n = fai_mean_motion(FAI_R_EARTH_M + 550e3);
  const double want = (FAI_PI / 2) / (n - FAI_OMEGA_EARTH_RAD_S);
  for (int p = 0; p < 4; p++) {
    cr_assert(res.pair[p].carries > 0);
    cr_assert(fabs(res.pair[p].travel_median_s - want) < 0.01, "pair %d: %.9g s, want %.9g s", p,
              res.pair[p].travel_median_s, want);
    cr_assert(fabs(res.pair[p].travel_min_s - want) < 0.01);
    cr_assert(fabs(res.pair[p].travel_max_s - want) < 0.01);
  }
  cr_assert(fabs(res.t_travel_s - want) < 0.01);
  /* every carry goes to the next area east, leaves after it arrived at the first */
  for (size_t i = 0; i < res.n_carry; i++) {
    const fai_fedmeld_carry *c = &res.carry[i];
    cr_assert_eq(c->to, (c->from + 1) % 4);
    cr_assert(c->arrive_s > c->depart_s);
    cr_assert(c->sat >= 0 && c->sat < 10);
  }
  /* δ of the design is the ceiling of t_travel / T_I */
  cr_assert_eq(res.design.delta, (int)ceil(want / res.design.round_s - 1e-9));
  /* FedMeld uses access links only */
  cr_assert_eq(res.timing.schemes[0].feeder_bits_round, 0);
  cr_assert_eq(res.timing.schemes[0].isl_bits_round, 0);
  cr_assert_eq(res.timing.schemes[0].access_bits_round, 4 * 2 * pp.model_bits);
  cr_assert_str_eq(res.timing.schemes[0].name, "fedmeld");
  fai_fedmeld_plan_result_free(&res);
  fai_fedmeld_areas_free(&areas);
}

Test(fedmeld_plan, an_area_no_satellite_covers_is_named) {
  fai_fedmeld_plan_params pp;
  fai_fedmeld_plan_params_init(&pp);
  fai_fedmeld_areas areas;
  fai_fedmeld_plan_result res;
  fai_error err;
  plan_files("tests/data/fedmeld-equator.json", "tests/data/fedmeld-uncovered-areas.json", 1, &pp,
             &areas, &res, FAI_EINVAL, &err);
  cr_assert(strstr(err.msg, "never covered"), "%s", err.msg);
  cr_assert(strstr(err.msg, "\"arctic\""), "%s", err.msg);
  cr_assert(!strstr(err.msg, "\"e0\""), "%s", err.msg);
  cr_assert_str_eq(err.file, "tests/data/fedmeld-uncovered-areas.json");
  fai_fedmeld_areas_free(&areas);
}

Test(fedmeld_plan, areas_out_of_ground_track_order_have_no_carries) {
  fai_fedmeld_plan_params pp;
  fai_fedmeld_plan_params_init(&pp);
  fai_fedmeld_areas areas;
  fai_fedmeld_plan_result res;
  fai_error err;
  plan_files("tests/data/fedmeld-equator.json", "tests/data/fedmeld-westward-areas.json", 1, &pp,
             &areas, &res, FAI_EINVAL, &err);
  cr_assert(strstr(err.msg, "no satellite carries"), "%s", err.msg);
  fai_fedmeld_areas_free(&areas);
}

Test(fedmeld_plan, plan_is_identical_for_one_and_two_threads) {
  fai_fedmeld_plan_params pp;
  fai_fedmeld_plan_params_init(&pp);
  fai_fedmeld_areas a1, a2;
  fai_fedmeld_plan_result r1, r2;
  fai_error err;
  plan_files("tests/data/fedmeld-equator.json", "tests/data/fedmeld-equator-areas.json", 1, &pp,
             &a1, &r1, FAI_OK, &err);
  plan_files("tests/data/fedmeld-equator.json", "tests/data/fedmeld-equator-areas.json", 2, &pp,
             &a2, &r2, FAI_OK, &err);
  json_t *j1 = fai_fedmeld_timing_to_json(&r1.timing), *j2 = fai_fedmeld_timing_to_json(&r2.timing);
  char *s1 = fai_json_dumps(j1), *s2 = fai_json_dumps(j2);
  cr_assert_str_eq(s1, s2);
  cr_assert_eq(r1.n_carry, r2.n_carry);
  cr_assert(same_carries(r1.carry, r2.carry, r1.n_carry));
  cr_assert(same_windows(r1.win, r2.win, r1.n_win));
  cr_assert_eq(r1.isl.rounds, r2.isl.rounds);
  cr_assert_eq(r1.isl.mean_round_s, r2.isl.mean_round_s);
  cr_assert_eq(r1.gs.mean_round_s, r2.gs.mean_round_s);
  free(s1);
  free(s2);
  json_decref(j1);
  json_decref(j2);
  fai_fedmeld_plan_result_free(&r1);
  fai_fedmeld_plan_result_free(&r2);
  fai_fedmeld_areas_free(&a1);
  fai_fedmeld_areas_free(&a2);
}

Test(fedmeld_plan, default_areas_follow_the_ground_track_eastward) {
  fai_fedmeld_areas a;
  fai_fedmeld_areas_init(&a);
  fai_error err;
  cr_assert_eq(fai_fedmeld_areas_default(8, 5, 53, 53, 550e3, 1, &a, &err), FAI_OK);
  cr_assert_eq(a.n, 8);
  cr_assert_eq(a.n_clients, 40);
  for (int n = 0; n < 8; n++) {
    cr_assert_float_eq(a.v[n].site_lon_deg, -157.5 + 45 * n, 1e-12);
    cr_assert(fabs(a.v[n].site_lat_deg) <= 53);
    for (int j = 0; j < 5; j++) {
      /* clients within 100 km of the site */
      const int c = a.v[n].client_off + j;
      const double la1 = a.v[n].site_lat_deg * FAI_DEG, la2 = a.client_lat_deg[c] * FAI_DEG;
      const double dl = (a.client_lon_deg[c] - a.v[n].site_lon_deg) * FAI_DEG;
      const double ang = acos(fmin(1, sin(la1) * sin(la2) + cos(la1) * cos(la2) * cos(dl)));
      cr_assert(ang * FAI_R_EARTH_M <= 100e3 + 1e-6);
    }
  }
  cr_assert_eq(a.v[0].site_lat_deg, 0);      /* the track starts at its ascending node */
  cr_assert(a.v[2].site_lat_deg > 45);       /* and reaches the north of the band */
  fai_fedmeld_areas_free(&a);
}

/* --- areas file errors ----------------------------------------------------------------- */

Test(fedmeld_plan, bad_areas_files_fail_with_location) {
  static const struct {
    const char *text, *path, *msg;
  } cases[] = {
      {"{\"format\": \"fluidai-fedmeld-areas\", \"version\": 1, \"areas\": [\n"
       " {\"name\": \"a\", \"lat_min_deg\": 0, \"lat_max_deg\": 10, \"lon_min_deg\": 0, \"lon_max_deg\": 10},\n"
       " {\"name\": \"b\", \"lat_min_deg\": 0, \"lat_max_deg\": 95, \"lon_min_deg\": 0, \"lon_max_deg\": 10}]}",
       "$.areas[1].lat_max_deg", "95"},
      {"{\"format\": \"fluidai-fedmeld-areas\", \"version\": 1, \"areas\": [\n"
       " {\"name\": \"a\", \"lat_min_deg\": 0, \"lat_max_deg\": 10, \"lon_min_deg\": 0, \"lon_max_deg\": 10},\n"
       " {\"name\": \"a\", \"lat_min_deg\": 0, \"lat_max_deg\": 10, \"lon_min_deg\": 20, \"lon_max_deg\": 30}]}",
       "$.areas[1].name", "repeats"},
      {"{\"format\": \"fluidai-fedmeld-areas\", \"version\": 1, \"radio\": {\"sat_power_w\": -1},\n"
       " \"areas\": []}", "$.radio.sat_power_w", "positive"},
      {"{\"format\": \"fluidai-fedmeld-areas\", \"version\": 1, \"areas\": [\n"
       " {\"name\": \"a\", \"lat_min_deg\": 0, \"lat_max_deg\": 10, \"lon_min_deg\": 0, \"lon_max_deg\": 10,\n"
       "  \"site\": {\"lat_deg\": 20, \"lon_deg\": 5}},\n"
       " {\"name\": \"b\", \"lat_min_deg\": 0, \"lat_max_deg\": 10, \"lon_min_deg\": 20, \"lon_max_deg\": 30}]}",
       "$.areas[0].site", "outside"},
      {"{\"format\": \"fluidai-fedmeld-areas\", \"version\": 1, \"clients\": {\"count\": 0}, \"areas\": []}",
       "$.clients.count", "0"},
      {"{\"format\": \"fluidai-fedmeld-areas\", \"version\": 1, \"areas\": [], \"extra\": 1}", "",
       "unknown key"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    fai_fedmeld_areas a;
    fai_fedmeld_areas_init(&a);
    fai_error err;
    fai_error_clear(&err);
    const fai_status st = fai_fedmeld_areas_load_string(cases[i].text, "areas.json", 1, &a, &err);
    cr_assert_eq(st, FAI_EINVAL, "case %zu: status %d (%s)", i, (int)st, err.msg);
    if (cases[i].path[0]) cr_assert_str_eq(err.path, cases[i].path, "case %zu: %s", i, err.msg);
    cr_assert(strstr(err.msg, cases[i].msg), "case %zu: %s", i, err.msg);
    cr_assert(err.line > 0, "case %zu: no line", i);
    cr_assert_str_eq(err.file, "areas.json");
    fai_fedmeld_areas_free(&a);
  }
}

/* --- timing JSON ------------------------------------------------------------------------- */

static void sample_timing(fai_fedmeld_timing *t) {
  memset(t, 0, sizeof *t);
  t->n_areas = 8;
  t->clients_per_area = 5;
  t->horizon_s = 86400;
  t->t_cmp_s = 0.05;
  t->t_com_s = 0.316428123456789;
  t->t_travel_s = 983.2389640808105;
  t->model_bits = 6374720;
  t->n_schemes = 5;
  const char *names[] = {"fedmeld", "fedmeld-half-alpha", "fedmeld-fixed-tau", "gs", "isl"};
  const fai_fl_scheme_kind kinds[] = {FAI_FL_DISPERSAL, FAI_FL_DISPERSAL, FAI_FL_DISPERSAL,
                                      FAI_FL_GS, FAI_FL_ISL};
  for (int i = 0; i < 5; i++) {
    fai_fedmeld_scheme *s = &t->schemes[i];
    snprintf(s->name, sizeof s->name, "%s", names[i]);
    s->kind = kinds[i];
    s->tau = 1 + 3 * i;
    s->alpha = kinds[i] == FAI_FL_DISPERSAL ? 0.1 / (i + 1) + 1e-17 * i : 0;
    s->delta = kinds[i] == FAI_FL_DISPERSAL ? 7 - i : 0;
    s->round_s = 0.1 + i / 3.0;
    s->first_round_at_s = i * 1.1;
    s->access_bits_round = 6 * 6374720.0;
    s->feeder_bits_round = kinds[i] == FAI_FL_GS ? 16 * 6374720.0 : 0;
    s->isl_bits_round = kinds[i] == FAI_FL_ISL ? 1.25e9 / 3 : 0;
  }
}

Test(fedmeld_plan, timing_json_round_trips_exactly) {
  fai_fedmeld_timing t, back;
  sample_timing(&t);
  json_t *j = fai_fedmeld_timing_to_json(&t);
  char *txt = fai_json_dumps(j);
  fai_json_doc *doc = NULL;
  fai_error err;
  cr_assert_eq(fai_json_load_string(txt, "timing.json", &doc, &err), FAI_OK, "%s", err.msg);
  fai_jv root = fai_jv_root(doc);
  memset(&back, 0x5a, sizeof back);
  cr_assert_eq(fai_fedmeld_timing_from_jv(&root, &back, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(back.n_areas, t.n_areas);
  cr_assert_eq(back.clients_per_area, t.clients_per_area);
  cr_assert_eq(back.t_com_s, t.t_com_s);
  cr_assert_eq(back.t_travel_s, t.t_travel_s);
  cr_assert_eq(back.n_schemes, 5);
  for (int i = 0; i < 5; i++) {
    cr_assert_str_eq(back.schemes[i].name, t.schemes[i].name);
    cr_assert_eq(back.schemes[i].kind, t.schemes[i].kind);
    cr_assert_eq(back.schemes[i].tau, t.schemes[i].tau);
    cr_assert_eq(back.schemes[i].alpha, t.schemes[i].alpha);
    cr_assert_eq(back.schemes[i].delta, t.schemes[i].delta);
    cr_assert_eq(back.schemes[i].round_s, t.schemes[i].round_s);
    cr_assert_eq(back.schemes[i].first_round_at_s, t.schemes[i].first_round_at_s);
    cr_assert_eq(back.schemes[i].access_bits_round, t.schemes[i].access_bits_round);
    cr_assert_eq(back.schemes[i].feeder_bits_round, t.schemes[i].feeder_bits_round);
    cr_assert_eq(back.schemes[i].isl_bits_round, t.schemes[i].isl_bits_round);
  }
  /* the json_t entry point reads the same */
  fai_fedmeld_timing again;
  cr_assert_eq(fai_fedmeld_timing_from_json(j, "x.json", &again, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(again.schemes[4].isl_bits_round, t.schemes[4].isl_bits_round);
  /* writing it again gives the same text */
  json_t *j2 = fai_fedmeld_timing_to_json(&back);
  char *txt2 = fai_json_dumps(j2);
  cr_assert_str_eq(txt, txt2);
  free(txt);
  free(txt2);
  json_decref(j);
  json_decref(j2);
  fai_json_doc_free(doc);
}

/* Replace the first occurrence of `from` in the timing text and read it back. */
static fai_status read_edited(const char *from, const char *to, fai_error *err) {
  fai_fedmeld_timing t;
  sample_timing(&t);
  json_t *j = fai_fedmeld_timing_to_json(&t);
  char *txt = fai_json_dumps(j);
  json_decref(j);
  char *p = strstr(txt, from);
  cr_assert(p, "\"%s\" not in the timing text", from);
  char *ed = malloc(strlen(txt) + strlen(to) + 1);
  memcpy(ed, txt, (size_t)(p - txt));
  strcpy(ed + (p - txt), to);
  strcat(ed, p + strlen(from));
  free(txt);
  fai_json_doc *doc = NULL;
  fai_status st = fai_json_load_string(ed, "plan.json", &doc, err);
  free(ed);
  if (st != FAI_OK) return st;
  fai_jv root = fai_jv_root(doc);
  fai_fedmeld_timing out;
  st = fai_fedmeld_timing_from_jv(&root, &out, err);
  fai_json_doc_free(doc);
  return st;
}

Test(fedmeld_plan, timing_json_errors_are_located) {
  fai_error err;
  cr_assert_eq(read_edited("\"kind\": \"gs\"", "\"kind\": \"ground\"", &err), FAI_EINVAL);
  cr_assert_str_eq(err.path, "$.schemes[3].kind");
  cr_assert(err.line > 0 && err.col > 0);
  cr_assert_str_eq(err.file, "plan.json");
  cr_assert_eq(read_edited("\"tau\": 1\n", "\"tau\": 0\n", &err), FAI_EINVAL);
  cr_assert_str_eq(err.path, "$.schemes[0].tau");
  cr_assert_eq(read_edited("\"n_schemes\": 5", "\"n_schemes\": 4", &err), FAI_EINVAL);
  cr_assert_str_eq(err.path, "$.schemes");
  cr_assert_eq(read_edited("\"t_com_s\"", "\"t_comm_s\"", &err), FAI_EINVAL);
  cr_assert(strstr(err.msg, "unknown key"), "%s", err.msg);
  cr_assert_eq(read_edited("\"round_s\": 0.1,", "\"round_s\": 0,", &err), FAI_EINVAL);
  cr_assert_str_eq(err.path, "$.schemes[0].round_s");
  cr_assert_eq(read_edited("\"name\": \"isl\"", "\"name\": \"gs\"", &err), FAI_EINVAL);
  cr_assert(strstr(err.msg, "repeats"), "%s", err.msg);
  /* a json_t without a document: file and path, no line */
  json_t *bad = json_pack("{s:i}", "n_areas", 8);
  fai_fedmeld_timing t;
  cr_assert_eq(fai_fedmeld_timing_from_json(bad, "mem.json", &t, &err), FAI_EINVAL);
  cr_assert_str_eq(err.file, "mem.json");
  json_decref(bad);
}

/* --- the simulator's entry point ----------------------------------------------------------- */

Test(fedmeld_plan, default_timing_has_the_five_schemes, .timeout = 120) {
  fai_fedmeld_timing t;
  fai_error err;
  cr_assert_eq(fai_fedmeld_plan_default_timing(1, 3600, &t, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(t.n_areas, 8);
  cr_assert_eq(t.clients_per_area, 5);
  cr_assert_eq(t.horizon_s, 3600);
  cr_assert(t.t_travel_s > 0 && t.t_com_s > 0);
  cr_assert_eq(t.n_schemes, 5);
  const char *names[] = {"fedmeld", "fedmeld-half-alpha", "fedmeld-fixed-tau", "gs", "isl"};
  const fai_fl_scheme_kind kinds[] = {FAI_FL_DISPERSAL, FAI_FL_DISPERSAL, FAI_FL_DISPERSAL,
                                      FAI_FL_GS, FAI_FL_ISL};
  for (int i = 0; i < 5; i++) {
    const fai_fedmeld_scheme *s = &t.schemes[i];
    cr_assert_str_eq(s->name, names[i]);
    cr_assert_eq(s->kind, kinds[i]);
    cr_assert(s->tau >= 1);
    cr_assert(s->round_s > 0 && s->round_s <= 3600, "%s: round %g s", s->name, s->round_s);
    cr_assert(s->access_bits_round > 0);
    /* aggregation links: dispersal uses access links only */
    cr_assert_eq(s->feeder_bits_round > 0, kinds[i] == FAI_FL_GS, "%s", s->name);
    cr_assert_eq(s->isl_bits_round > 0, kinds[i] == FAI_FL_ISL, "%s", s->name);
  }
  cr_assert(t.schemes[0].alpha > 0 && t.schemes[0].alpha < 0.5);
  cr_assert(t.schemes[0].delta >= 1);
  cr_assert_eq(t.schemes[1].alpha, 0.5);
  cr_assert_eq(t.schemes[2].tau, 5);
  cr_assert_eq(fai_fedmeld_plan_default_timing(1, -1, &t, &err), FAI_EINVAL);
}

Test(fedmeld_plan, site_coverage_equals_client_coverage_when_the_client_is_at_the_site) {
  fai_fedmeld_plan_params pp;
  fai_fedmeld_plan_params_init(&pp);
  fai_fedmeld_areas a1;
  fai_fedmeld_plan_result r1;
  fai_error err;
  plan_files("tests/data/fedmeld-equator.json", "tests/data/fedmeld-equator-areas.json", 1, &pp,
             &a1, &r1, FAI_OK, &err);
  /* same areas, coverage by the site (here the one client's position) */
  fai_scenario sc;
  fai_scenario_init(&sc);
  cr_assert_eq(fai_scenario_load_file("tests/data/fedmeld-equator.json", &sc, NULL, &err), FAI_OK);
  fai_fedmeld_areas a2;
  fai_fedmeld_areas_init(&a2);
  cr_assert_eq(fai_fedmeld_areas_load_file("tests/data/fedmeld-equator-areas.json", sc.seed, &a2,
                                           &err), FAI_OK);
  a2.coverage_site = 1;
  fai_backend be;
  cr_assert_eq(fai_backend_select(FAI_BACKEND_CPU, 1, &be, &err), FAI_OK);
  fai_fedmeld_plan_result r2;
  cr_assert_eq(fai_fedmeld_plan_run(&sc, &a2, &pp, &be, &r2, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(r1.n_win, r2.n_win);
  cr_assert(same_windows(r1.win, r2.win, r1.n_win));
  cr_assert_eq(r1.t_travel_s, r2.t_travel_s);
  cr_assert_eq(r1.t_com_s, r2.t_com_s);
  fai_fedmeld_plan_result_free(&r1);
  fai_fedmeld_plan_result_free(&r2);
  fai_fedmeld_areas_free(&a1);
  fai_fedmeld_areas_free(&a2);
  fai_scenario_free(&sc);
}

Test(fedmeld_plan, client_coverage_windows_lie_inside_every_clients_contacts) {
  /* Two clients 100 km apart on the equator: each area window must be
   * covered by both clients' own (site-mode) windows of the same satellite. */
  static const char *areas_txt =
      "{\"format\": \"fluidai-fedmeld-areas\", \"version\": 1, \"areas\": [\n"
      " {\"name\": \"a\", \"lat_min_deg\": -5, \"lat_max_deg\": 5, \"lon_min_deg\": -45, \"lon_max_deg\": 45,\n"
      "  \"clients\": [{\"lat_deg\": 0, \"lon_deg\": -0.45}, {\"lat_deg\": 0.3, \"lon_deg\": 0.45}]},\n"
      " {\"name\": \"b\", \"lat_min_deg\": -5, \"lat_max_deg\": 5, \"lon_min_deg\": 135, \"lon_max_deg\": -135,\n"
      "  \"clients\": [{\"lat_deg\": 0, \"lon_deg\": 180}]}]}";
  fai_scenario sc;
  fai_scenario_init(&sc);
  fai_error err;
  cr_assert_eq(fai_scenario_load_file("tests/data/fedmeld-equator.json", &sc, NULL, &err), FAI_OK);
  fai_fedmeld_areas a;
  fai_fedmeld_areas_init(&a);
  cr_assert_eq(fai_fedmeld_areas_load_string(areas_txt, "two.json", 1, &a, &err), FAI_OK, "%s",
               err.msg);
  fai_backend be;
  cr_assert_eq(fai_backend_select(FAI_BACKEND_CPU, 1, &be, &err), FAI_OK);
  fai_fedmeld_plan_params pp;
  fai_fedmeld_plan_params_init(&pp);
  fai_fedmeld_plan_result all;
  cr_assert_eq(fai_fedmeld_plan_run(&sc, &a, &pp, &be, &all, &err), FAI_OK, "%s", err.msg);
  int checked = 0;
  for (int c = 0; c < 2; c++) {
    /* area "a" served by client c alone, as its site */
    fai_fedmeld_areas one;
    fai_fedmeld_areas_init(&one);
    cr_assert_eq(fai_fedmeld_areas_load_string(areas_txt, "two.json", 1, &one, &err), FAI_OK);
    one.coverage_site = 1;
    one.v[0].site_lat_deg = a.client_lat_deg[c];
    one.v[0].site_lon_deg = a.client_lon_deg[c];
    one.v[1].site_lat_deg = 0;
    one.v[1].site_lon_deg = 180;
    fai_fedmeld_plan_result r;
    cr_assert_eq(fai_fedmeld_plan_run(&sc, &one, &pp, &be, &r, &err), FAI_OK, "%s", err.msg);
    for (size_t i = 0; i < all.n_win; i++) {
      if (all.win[i].area != 0) continue;
      int inside = 0;
      for (size_t j = 0; j < r.n_win && !inside; j++)
        inside = r.win[j].area == 0 && r.win[j].sat == all.win[i].sat &&
                 r.win[j].rise_s <= all.win[i].rise_s + 1e-6 &&
                 r.win[j].set_s >= all.win[i].set_s - 1e-6;
      cr_assert(inside, "window %zu of area a (sat %d, %g..%g s) not inside client %d's", i,
                all.win[i].sat, all.win[i].rise_s, all.win[i].set_s, c);
      checked++;
    }
    fai_fedmeld_plan_result_free(&r);
    fai_fedmeld_areas_free(&one);
  }
  cr_assert(checked > 0);
  fai_fedmeld_plan_result_free(&all);
  fai_fedmeld_areas_free(&a);
  fai_scenario_free(&sc);
}

Test(fedmeld_plan, fdma_tdma_and_multicast_times_follow_one_link_budget) {
  /* Three clients at one spot share one channel gain g.  TDMA: t = 3·bits/(B·log2(1+s)),
   * s = P_c·g/(B·N0); FDMA: t = bits/((B/3)·log2(1 + 3s)); the multicast download:
   * bits/(W·log2(1 + P_sat·g/(W·N0))).  Recover s from TDMA and predict the rest. */
  static const char *txt =
      "{\"format\": \"fluidai-fedmeld-areas\", \"version\": 1, \"radio\": {\"uplink\": \"%s\"},\n"
      " \"areas\": [\n"
      " {\"name\": \"a\", \"lat_min_deg\": -5, \"lat_max_deg\": 5, \"lon_min_deg\": -45, \"lon_max_deg\": 45,\n"
      "  \"clients\": [{\"lat_deg\": 0, \"lon_deg\": 0}, {\"lat_deg\": 0, \"lon_deg\": 0},\n"
      "              {\"lat_deg\": 0, \"lon_deg\": 0}]},\n"
      " {\"name\": \"b\", \"lat_min_deg\": -5, \"lat_max_deg\": 5, \"lon_min_deg\": 135, \"lon_max_deg\": -135,\n"
      "  \"clients\": [{\"lat_deg\": 0, \"lon_deg\": 180}]}]}";
  fai_scenario sc;
  fai_scenario_init(&sc);
  fai_error err;
  cr_assert_eq(fai_scenario_load_file("tests/data/fedmeld-equator.json", &sc, NULL, &err), FAI_OK);
  fai_backend be;
  cr_assert_eq(fai_backend_select(FAI_BACKEND_CPU, 1, &be, &err), FAI_OK);
  fai_fedmeld_plan_params pp;
  fai_fedmeld_plan_params_init(&pp);
  fai_fedmeld_area_stats st[2];
  fai_fedmeld_radio radio;
  for (int m = 0; m < 2; m++) {
    char buf[2048];
    snprintf(buf, sizeof buf, txt, m ? "tdma" : "fdma");
    fai_fedmeld_areas a;
    fai_fedmeld_areas_init(&a);
    cr_assert_eq(fai_fedmeld_areas_load_string(buf, "radio.json", 1, &a, &err), FAI_OK, "%s",
                 err.msg);
    cr_assert_eq(a.radio.uplink_tdma, m);
    radio = a.radio;
    fai_fedmeld_plan_result r;
    cr_assert_eq(fai_fedmeld_plan_run(&sc, &a, &pp, &be, &r, &err), FAI_OK, "%s", err.msg);
    st[m] = r.area[0];
    fai_fedmeld_plan_result_free(&r);
    fai_fedmeld_areas_free(&a);
  }
  const double bits = pp.model_bits, B = radio.ul_bandwidth_hz, W = radio.dl_bandwidth_hz;
  const double s = pow(2, 3 * bits / (B * st[1].t_up_s)) - 1;
  const double fdma = bits / ((B / 3) * log2(1 + 3 * s));
  cr_assert(fabs(st[0].t_up_s - fdma) <= 1e-9 * fdma, "fdma %.12g s, predicted %.12g s",
            st[0].t_up_s, fdma);
  cr_assert(st[0].t_up_s < st[1].t_up_s);  /* FDMA concentrates each client's power */
  const double s_dl = s * (radio.sat_power_w / radio.client_power_w) * (B / W);
  const double down = bits / (W * log2(1 + s_dl));
  cr_assert(fabs(st[0].t_down_s - down) <= 1e-9 * down, "download %.12g s, predicted %.12g s",
            st[0].t_down_s, down);
  cr_assert_eq(st[0].t_down_s, st[1].t_down_s);
  /* energies: the clients transmit for their upload time; the satellite at full power */
  cr_assert(fabs(st[1].up_energy_j - radio.client_power_w * st[1].t_up_s) <= 1e-9);
  cr_assert(fabs(st[0].down_energy_j - radio.sat_power_w * st[0].t_down_s) <= 1e-9);
  fai_scenario_free(&sc);
}

Test(fedmeld_plan, areas_written_in_the_plan_load_back_to_the_same_areas) {
  fai_fedmeld_areas a, b;
  fai_fedmeld_areas_init(&a);
  fai_fedmeld_areas_init(&b);
  fai_error err;
  cr_assert_eq(fai_fedmeld_areas_default(8, 5, 53, 53, 550e3, 9, &a, &err), FAI_OK);
  a.radio.uplink_tdma = 1;
  a.radio.dl_energy_j = 2.5;
  a.coverage_site = 1;
  json_t *j = fai_fedmeld_areas_to_json(&a);
  char *txt = fai_json_dumps(j);
  /* a different seed: explicit positions do not depend on it */
  cr_assert_eq(fai_fedmeld_areas_load_string(txt, "plan-areas.json", 77, &b, &err), FAI_OK, "%s",
               err.msg);
  cr_assert_eq(b.n, a.n);
  cr_assert_eq(b.n_clients, a.n_clients);
  cr_assert_eq(b.coverage_site, 1);
  cr_assert_eq(b.radio.uplink_tdma, 1);
  cr_assert_eq(b.radio.dl_energy_j, 2.5);
  for (int n = 0; n < a.n; n++) {
    cr_assert_str_eq(b.v[n].name, a.v[n].name);
    cr_assert_eq(b.v[n].site_lat_deg, a.v[n].site_lat_deg);
    cr_assert_eq(b.v[n].site_lon_deg, a.v[n].site_lon_deg);
    cr_assert_eq(b.v[n].n_clients, a.v[n].n_clients);
  }
  for (int c = 0; c < a.n_clients; c++) {
    cr_assert_eq(b.client_lat_deg[c], a.client_lat_deg[c]);
    cr_assert_eq(b.client_lon_deg[c], a.client_lon_deg[c]);
  }
  free(txt);
  json_decref(j);
  fai_fedmeld_areas_free(&a);
  fai_fedmeld_areas_free(&b);
}

/* Space-XNet: sorted matching against two exact assignment oracles
 * (Hungarian, GLPK), activation statistics and their validation, expected
 * latencies against brute-force all-pairs paths on a tiny constellation,
 * and byte-identical plans across thread counts. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/json.h"
#include "fluidai/orbitgen.h"
#include "fluidai/plan.h"
#include "fluidai/rng.h"
#include "fluidai/spacexnet.h"

static double u01(uint64_t i) { return fai_rng_uniform(77, FAI_STREAM_TEST, i); }

Test(spacexnet, sorted_matching_equals_hungarian_and_glpk_on_random_instances) {
  uint64_t ix = 0;
  for (int inst = 0; inst < 300; inst++) {
    const int cap = 1 + (int)(u01(ix++) * 2);            /* 1 or 2 */
    const int E = 1 + (int)(u01(ix++) * 8);              /* 1..8 experts */
    const int m = (E + cap - 1) / cap + (int)(u01(ix++) * 6); /* enough slots, up to 5 spare */
    double w[8], c[16], hm[8 * 32];
    int assign[8];
    for (int i = 0; i < E; i++) w[i] = u01(ix++);
    for (int j = 0; j < m; j++) c[j] = inst % 5 == 0 ? (double)(int)(u01(ix++) * 3) : u01(ix++);
    const double sorted = fai_sxn_sorted_matching(E, w, m, c, cap, assign);
    /* The assignment is feasible and its cost is what was returned. */
    int load[16] = {0};
    double check = 0;
    for (int i = 0; i < E; i++) {
      cr_assert(assign[i] >= 0 && assign[i] < m);
      load[assign[i]]++;
      check += w[i] * c[assign[i]];
    }
    for (int j = 0; j < m; j++) cr_assert_leq(load[j], cap);
    cr_assert_float_eq(check, sorted, 1e-12);
    /* Hungarian on the capacity-expanded matrix. */
    for (int i = 0; i < E; i++)
      for (int j = 0; j < m * cap; j++) hm[i * m * cap + j] = w[i] * c[j / cap];
    const double hung = fai_assignment_hungarian(E, m * cap, hm, NULL);
    cr_assert_float_eq(sorted, hung, 1e-9, "instance %d: sorted %.17g, Hungarian %.17g", inst,
                       sorted, hung);
    /* GLPK on every third instance (a few ms each). */
    if (inst % 3 == 0) {
      glp_prob *lp = glp_create_prob();
      fai_error err;
      cr_assert_eq(fai_sxn_assignment_milp(lp, "t_", E, w, m, c, cap, &err), FAI_OK, "%s",
                   err.msg);
      fai_milp_result r;
      cr_assert_eq(fai_milp_solve(lp, 10, &r, &err), FAI_OK, "%s", err.msg);
      cr_assert_eq(r.outcome, FAI_OUTCOME_OPTIMAL);
      cr_assert_float_eq(sorted, r.objective, 1e-7, "instance %d: sorted %.17g, GLPK %.17g", inst,
                         sorted, r.objective);
      glp_delete_prob(lp);
    }
  }
}

Test(spacexnet, hungarian_solves_a_known_rectangular_instance) {
  const double a[2 * 3] = {4, 1, 3, 2, 0, 5};
  const double b[2 * 3] = {4, 1, 9, 1, 7, 8}; /* unique optimum: rows → columns 1, 0 */
  int rc[2];
  cr_assert_float_eq(fai_assignment_hungarian(2, 3, a, NULL), 3.0, 1e-12);
  cr_assert_float_eq(fai_assignment_hungarian(2, 3, b, rc), 2.0, 1e-12);
  cr_assert_eq(rc[0], 1);
  cr_assert_eq(rc[1], 0);
}

Test(spacexnet, synthetic_activations_sum_to_top_k_and_draws_match_them) {
  fai_sxn_activation a;
  fai_error err;
  cr_assert_eq(fai_sxn_activation_synthetic(3, 8, 2, 0.5, 9, 0, &a, &err), FAI_OK, "%s", err.msg);
  for (int l = 0; l < 3; l++) {
    double s = 0;
    for (int e = 0; e < 8; e++) {
      cr_assert(a.prob[l * 8 + e] >= 0 && a.prob[l * 8 + e] <= 1 + 1e-12);
      s += a.prob[l * 8 + e];
    }
    cr_assert_float_eq(s, 2.0, 1e-12);
  }
  const int n = 40000;
  double cnt[8] = {0};
  for (int k = 0; k < n; k++) {
    int sel[2];
    fai_sxn_draw_topk(&a, 1, 5, (uint64_t)k, sel);
    cr_assert_neq(sel[0], sel[1]);
    cnt[sel[0]]++;
    cnt[sel[1]]++;
  }
  for (int e = 0; e < 8; e++)
    cr_assert(fabs(cnt[e] / n - a.prob[8 + e]) < 0.015, "expert %d: %g drawn vs %g", e,
              cnt[e] / n, a.prob[8 + e]);
  fai_sxn_activation_free(&a);
  /* alpha = inf: uniform. */
  cr_assert_eq(fai_sxn_activation_synthetic(2, 4, 2, INFINITY, 9, 0, &a, &err), FAI_OK);
  for (int i = 0; i < 8; i++) cr_assert_float_eq(a.prob[i], 0.5, 1e-12);
  fai_sxn_activation_free(&a);
}

Test(spacexnet, activation_file_draws_reproduce_its_marginals) {
  const char *txt = "# layer expert prob\n0 0 0.9\n0 1 0.6\n0 2 0.3\n0 3 0.2\n";
  fai_sxn_activation a;
  fai_error err;
  cr_assert_eq(fai_sxn_activation_parse(txt, "mem", 2, &a, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(a.layers, 1);
  cr_assert_eq(a.experts, 4);
  const int n = 40000;
  double cnt[4] = {0};
  for (int k = 0; k < n; k++) {
    int sel[2];
    fai_sxn_draw_topk(&a, 0, 3, (uint64_t)k, sel);
    cr_assert_neq(sel[0], sel[1]);
    cnt[sel[0]]++;
    cnt[sel[1]]++;
  }
  for (int e = 0; e < 4; e++)
    cr_assert(fabs(cnt[e] / n - a.prob[e]) < 0.01, "expert %d: %g vs %g", e, cnt[e] / n,
              a.prob[e]);
  fai_sxn_activation_free(&a);
}

Test(spacexnet, bad_activation_files_name_the_line) {
  fai_sxn_activation a;
  fai_error err;
  cr_assert_eq(fai_sxn_activation_parse("0 0 1\n0 1 -0.5\n0 2 1.5\n", "f.txt", 2, &a, &err),
               FAI_EINVAL);
  cr_assert_eq(err.line, 2);
  cr_assert(strstr(err.msg, "negative"), "%s", err.msg);
  cr_assert_eq(fai_sxn_activation_parse("0 0 1\n0 1 0.5\n1 0 1\n1 1 1\n", "f.txt", 2, &a, &err),
               FAI_EINVAL);
  cr_assert_eq(err.line, 1);
  cr_assert(strstr(err.msg, "sum to"), "%s", err.msg);
  cr_assert_eq(fai_sxn_activation_parse("0 0 1\n0 1 1\n0 1 1\n", "f.txt", 2, &a, &err), FAI_EINVAL);
  cr_assert_eq(err.line, 3);
  cr_assert_eq(fai_sxn_activation_parse("0 0 1\n0 x 1\n", "f.txt", 2, &a, &err), FAI_EINVAL);
  cr_assert_eq(err.line, 2);
  cr_assert_eq(fai_sxn_activation_parse("0 0 1\n1 1 1\n", "f.txt", 1, &a, &err), FAI_EINVAL);
  cr_assert(strstr(err.msg, "missing"), "%s", err.msg);
}

/* The tiny instance used below: 6 planes × 12 slots, 4 layers of 3 slots. */
static void tiny(fai_sxn_params *p) {
  fai_sxn_params_init(p);
  p->planes = 6;
  p->sats_per_plane = 12;
  p->layers = 4;
  p->experts = 4;
  p->snapshots = 3;
  p->failure_draws = 2;
  p->survival_p = 0.8;
  p->tokens = 300;
  p->seed = 11;
  p->hop_delay_s = 0.001;
}

static json_t *solve(const fai_sxn_params *p, int threads, fai_sxn_result *res) {
  fai_backend be;
  fai_error err;
  fai_plan plan;
  cr_assert_eq(fai_backend_select(FAI_BACKEND_CPU, threads, &be, &err), FAI_OK);
  cr_assert_eq(fai_plan_init(&plan, "place.spacexnet", p->seed, &err), FAI_OK);
  cr_assert_eq(fai_sxn_solve(p, &be, NULL, &plan, res, &err), FAI_OK, "%s", err.msg);
  json_t *doc = json_incref(plan.doc);
  fai_plan_free(&plan);
  return doc;
}

Test(spacexnet, plan_bytes_do_not_depend_on_thread_count) {
  fai_sxn_params p;
  tiny(&p);
  p.datasets = 2;
  fai_sxn_result r1, r2;
  json_t *a = solve(&p, 1, &r1), *b = solve(&p, 2, &r2);
  char *sa = fai_json_dumps(a), *sb = fai_json_dumps(b);
  cr_assert(sa && sb);
  cr_assert_str_eq(sa, sb);
  cr_assert_eq(r1.tokens_done, 300);
  /* The oracle recorded in the plan: sorted matching is optimal. */
  json_t *chk = json_object_get(json_object_get(a, "metrics"), "assignment_check");
  cr_assert_float_eq(json_real_value(json_object_get(chk, "sorted_matching")),
                     json_real_value(json_object_get(chk, "hungarian")), 1e-12);
  free(sa);
  free(sb);
  json_decref(a);
  json_decref(b);
}

/* Brute force: Floyd–Warshall (own loops) on each (draw, snapshot) graph of
 * the same timeline, then d̄ of every subnet member for the central
 * gateways, against the plan's decisions.expected_path_latency_s. */
Test(spacexnet, expected_latency_matches_brute_force_all_pairs) {
  fai_sxn_params p;
  tiny(&p);
  fai_sxn_result res;
  json_t *doc = solve(&p, 2, &res);
  json_t *db = json_object_get(json_object_get(json_object_get(doc, "decisions"),
                                               "expected_path_latency_s"),
                               "central");
  cr_assert(json_is_array(db));

  /* Rebuild the timeline the solver built. */
  fai_scenario sc;
  fai_scenario_init(&sc);
  const double a = FAI_R_EARTH_M + p.altitude_m;
  sc.epoch_unix = 1767225600.0;
  sc.step_s = FAI_TWO_PI * sqrt(a * a * a / FAI_MU_EARTH_M3_S2) / p.snapshots;
  sc.duration_s = sc.step_s * (p.snapshots - 1);
  sc.seed = p.seed;
  sc.constellation.n_shells = 1;
  fai_shell *sh = &sc.constellation.shells[0];
  sh->planes = p.planes;
  sh->sats_per_plane = p.sats_per_plane;
  sh->altitude_m = p.altitude_m;
  sh->inclination_rad = p.inclination_rad;
  sh->pattern = FAI_WALKER_STAR;
  sc.isl.max_pointing_rate_rad_s = p.max_pointing_rate_rad_s;
  sc.isl.survival_p = p.survival_p;
  sc.stations.n = 1;
  sc.stations.v = calloc(1, sizeof *sc.stations.v);
  sc.stations.v[0].min_elev_rad = FAI_PI / 2;
  fai_timeline_opts o;
  fai_timeline_opts_init(&o);
  o.paths = o.contacts = 0;
  fai_backend be;
  fai_error err;
  fai_timeline tl;
  cr_assert_eq(fai_backend_select(FAI_BACKEND_CPU, 1, &be, &err), FAI_OK);
  cr_assert_eq(fai_timeline_build(&sc, &be, &o, NULL, &tl, &err), FAI_OK, "%s", err.msg);
  const int N = tl.n_sats, T = tl.n_snaps, Ln = tl.n_links, L = p.layers, S = p.sats_per_plane;
  const int arc = S / L, ns = p.planes * arc;
  const double extra = 2 * p.d_model * 8 / p.isl_rate_bps + p.hop_delay_s;
  double *d = malloc((size_t)N * N * sizeof *d);
  double *acc = calloc((size_t)L * ns, sizeof *acc);
  uint8_t *alive = malloc((size_t)T * Ln);
  double *dist = malloc((size_t)T * Ln * sizeof *dist);
  for (int r = 0; r < p.failure_draws; r++) {
    fai_link_rules ru;
    memset(&ru, 0, sizeof ru);
    ru.block_radius_m = FAI_R_EARTH_M + sc.isl.atmosphere_margin_m;
    ru.max_rate_rad_s = p.max_pointing_rate_rad_s;
    ru.polar_sin_lat = 2;
    ru.survival_p = p.survival_p;
    ru.seed = p.seed;
    ru.draw = (uint64_t)r;
    cr_assert_eq(be.links(&be, T, N, tl.pos, tl.vel, Ln, tl.link_a, tl.link_b, tl.link_inter, &ru,
                          alive, dist, &err),
                 FAI_OK);
    for (int t = 0; t < T; t++) {
      for (int i = 0; i < N * N; i++) d[i] = (i / N == i % N) ? 0 : INFINITY;
      for (int l = 0; l < Ln; l++)
        if (alive[t * Ln + l]) {
          const double w = dist[t * Ln + l] / FAI_C_M_S + extra;
          const int x = tl.link_a[l], y = tl.link_b[l];
          if (w < d[x * N + y]) d[x * N + y] = d[y * N + x] = w;
        }
      for (int k = 0; k < N; k++)
        for (int i = 0; i < N; i++)
          for (int j = 0; j < N; j++)
            if (d[i * N + k] + d[k * N + j] < d[i * N + j]) d[i * N + j] = d[i * N + k] + d[k * N + j];
      for (int l = 0; l < L; l++) {
        const int g = (p.planes / 2) * S + l * arc + arc / 2;
        const int gn = (p.planes / 2) * S + ((l + 1) % L) * arc + arc / 2;
        for (int pl = 0, j = 0; pl < p.planes; pl++)
          for (int q = 0; q < arc; q++, j++) {
            const int v = pl * S + l * arc + q;
            const double x = d[g * N + v], y = d[v * N + gn];
            acc[l * ns + j] += (isfinite(x) ? x : 1.0) + (isfinite(y) ? y : 1.0);
          }
      }
    }
  }
  const int G = T * p.failure_draws;
  for (int l = 0; l < L; l++)
    for (int j = 0; j < ns; j++) {
      const double want = acc[l * ns + j] / G;
      const double got = json_real_value(json_array_get(json_array_get(db, (size_t)l), (size_t)j));
      cr_assert_float_eq(got, want, 1e-12 * (1 + want), "layer %d member %d: %.17g vs %.17g", l,
                         j, got, want);
    }
  free(d);
  free(acc);
  free(alive);
  free(dist);
  fai_timeline_free(&tl);
  fai_scenario_free(&sc);
  json_decref(doc);
}

Test(spacexnet, unreachable_legs_are_counted_and_charged) {
  fai_sxn_params p;
  tiny(&p);
  p.survival_p = 0.3;
  p.unreachable_penalty_s = 1.0;
  fai_sxn_result res;
  json_t *doc = solve(&p, 2, &res);
  cr_assert_gt(res.unreachable_expected, 0);
  cr_assert_gt(res.unreachable_tokens, 0);
  cr_assert_gt(res.mean_s[FAI_SXN_RANDPLACE], 1.0); /* penalties show in the latency */
  json_decref(doc);
}

Test(spacexnet, too_many_experts_for_a_subnet_is_invalid_input) {
  fai_sxn_params p;
  tiny(&p);
  p.experts = 18; /* subnet of 18 satellites, one is the gateway */
  fai_backend be;
  fai_error err;
  fai_plan plan;
  fai_sxn_result res;
  cr_assert_eq(fai_backend_select(FAI_BACKEND_CPU, 1, &be, &err), FAI_OK);
  cr_assert_eq(fai_plan_init(&plan, "place.spacexnet", 1, &err), FAI_OK);
  cr_assert_eq(fai_sxn_solve(&p, &be, NULL, &plan, &res, &err), FAI_EINVAL);
  cr_assert(strstr(err.msg, "17 satellites besides its gateway"), "%s", err.msg);
  fai_plan_free(&plan);
}

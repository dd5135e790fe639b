/* Timeline engine: contact windows against brute-force sampling, +Grid link
 * geometry against closed forms, determinism across thread counts, scenario
 * strictness through the library API. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/json.h"
#include "fluidai/orbitgen.h"

static const char *SMALL =
    "{\"name\":\"t\",\"epoch\":\"2026-03-01T12:00:00Z\",\"duration_s\":%g,\"step_s\":%g,"
    "\"seed\":3,\"constellation\":{\"shells\":[{\"walker\":\"53:48/4/1\",\"altitude_km\":550},"
    "{\"planes\":3,\"sats_per_plane\":10,\"inclination_deg\":87,\"altitude_km\":780,"
    "\"pattern\":\"star\"}]},"
    "\"ground_stations\":{\"list\":[{\"name\":\"HK\",\"latitude_deg\":22.3,\"longitude_deg\":114.2},"
    "{\"name\":\"ZRH\",\"latitude_deg\":47.37,\"longitude_deg\":8.54,\"altitude_m\":400},"
    "{\"name\":\"UIO\",\"latitude_deg\":-0.18,\"longitude_deg\":-78.47,\"altitude_m\":2850,"
    "\"min_elevation_deg\":10}],\"min_elevation_deg\":20},"
    "\"isl\":{\"survival_probability\":%g}}";

static void load_small(fai_scenario *sc, double duration, double step, double surv) {
  char text[2048];
  snprintf(text, sizeof text, SMALL, duration, step, surv);
  fai_error err;
  fai_status st = fai_scenario_load_string(text, "small", sc, NULL, &err);
  cr_assert_eq(st, FAI_OK, "%s", err.msg);
}

static void build(const fai_scenario *sc, int threads, fai_timeline *tl) {
  fai_backend be;
  fai_error err;
  cr_assert_eq(fai_backend_select(FAI_BACKEND_CPU, threads, &be, &err), FAI_OK);
  fai_status st = fai_timeline_build(sc, &be, NULL, NULL, tl, &err);
  cr_assert_eq(st, FAI_OK, "%s", err.msg);
}

/* Elevation of satellite j from station g at time t, directly. */
static double elev(const fai_scenario *sc, int g, int j, double t) {
  const fai_propagator p = {&sc->constellation, sc->epoch_unix, sc->j2, NULL};
  double r[3], site[3];
  fai_propagate_sat(&p, j, t, r, NULL);
  const fai_station *s = &sc->stations.v[g];
  fai_geodetic_to_ecef(s->lat_rad, s->lon_rad, s->alt_m, site);
  return fai_elevation_rad(site, s->lat_rad, s->lon_rad, r);
}

typedef struct win {
  int g, j;
  double rise, set, max;
} win;

/* Windows from sampling every dt seconds (rise/set at the first/last sample
 * above the mask). */
static int brute_windows(const fai_scenario *sc, double horizon, double dt, win *out, int max) {
  const int N = fai_constellation_sat_count(&sc->constellation);
  int n = 0;
  for (int g = 0; g < sc->stations.n; g++)
    for (int j = 0; j < N; j++) {
      int in = 0;
      for (double t = 0; t <= horizon + 1e-9; t += dt) {
        double e = elev(sc, g, j, t);
        int vis = e >= sc->stations.v[g].min_elev_rad;
        if (vis && !in) {
          cr_assert(n < max);
          out[n] = (win){g, j, t, t, e};
          in = 1;
        }
        if (vis) {
          out[n].set = t;
          if (e > out[n].max) out[n].max = e;
        }
        if (!vis && in) {
          n++;
          in = 0;
        }
      }
      if (in) n++;
    }
  return n;
}

static void check_contacts_against_brute_force(double step) {
  fai_scenario sc;
  load_small(&sc, 7200, step, 1.0);
  fai_timeline tl;
  build(&sc, 2, &tl);
  const double dt = 0.5;
  static win bw[4096];
  int nb = brute_windows(&sc, tl.t_s[tl.n_snaps - 1], dt, bw, 4096);
  cr_assert_gt(nb, 20, "too few windows (%d) for a meaningful test", nb);
  cr_assert_eq((int)tl.n_contacts, nb, "step %g: %zu windows, brute force found %d", step,
               tl.n_contacts, nb);
  for (int k = 0; k < nb; k++) {
    const fai_contact *c = &tl.contacts[k];
    cr_assert_eq(c->station, bw[k].g);
    cr_assert_eq(c->sat, bw[k].j);
    /* Brute-force rise/set are the first/last samples inside the window. */
    cr_expect(c->rise_s <= bw[k].rise + 1e-9 && c->rise_s > bw[k].rise - dt - 1e-9,
              "window %d rise %.4f vs sampled %.1f", k, c->rise_s, bw[k].rise);
    cr_expect(c->set_s >= bw[k].set - 1e-9 && c->set_s < bw[k].set + dt + 1e-9,
              "window %d set %.4f vs sampled %.1f", k, c->set_s, bw[k].set);
    cr_expect(c->max_elev_rad >= bw[k].max - 1e-9 &&
                  c->max_elev_rad < bw[k].max + 0.05 * FAI_DEG,
              "window %d max elevation %.5f vs sampled %.5f deg", k, c->max_elev_rad / FAI_DEG,
              bw[k].max / FAI_DEG);
    /* Refinement: 5 ms outside the window the satellite is below the mask,
     * 5 ms inside it is above (unless clipped by the horizon). */
    const double mask = sc.stations.v[c->station].min_elev_rad;
    if (!(c->clipped & 1)) {
      cr_expect_lt(elev(&sc, c->station, c->sat, c->rise_s - 5e-3), mask);
      cr_expect_geq(elev(&sc, c->station, c->sat, c->rise_s + 5e-3), mask);
    }
    if (!(c->clipped & 2)) {
      cr_expect_geq(elev(&sc, c->station, c->sat, c->set_s - 5e-3), mask);
      cr_expect_lt(elev(&sc, c->station, c->sat, c->set_s + 5e-3), mask);
    }
  }
  fai_timeline_free(&tl);
  fai_scenario_free(&sc);
}

Test(timeline, contact_windows_match_brute_force_sampling, .timeout = 120) {
  check_contacts_against_brute_force(60);
}

Test(timeline, coarse_steps_do_not_miss_short_passes, .timeout = 120) {
  /* 300 s snapshots are longer than many passes above a 20° mask. */
  check_contacts_against_brute_force(300);
}

Test(timeline, plus_grid_candidate_counts_and_intra_plane_distance) {
  fai_scenario sc;
  load_small(&sc, 600, 60, 1.0);
  fai_timeline tl;
  build(&sc, 1, &tl);
  /* Delta 4x12: 48 intra + 48 inter; star 3x10 without seam: 30 intra + 2*10 inter. */
  cr_assert_eq(tl.n_links, 96 + 50);
  const double a = FAI_R_EARTH_M + 550e3;
  const double chord = 2 * a * sin(FAI_PI / 12);
  for (int l = 0; l < tl.n_links; l++) {
    if (tl.link_inter[l] || tl.link_a[l] >= 48) continue;
    cr_expect(fabs(tl.link_dist[l] - chord) < 1e-3, "intra-plane distance %.3f vs %.3f",
              tl.link_dist[l], chord);
    cr_expect(tl.link_dist[l] > 0);
  }
  fai_timeline_free(&tl);
  fai_scenario_free(&sc);
}

Test(timeline, default_day_shell_is_one_component_with_all_links_up, .timeout = 120) {
  fai_scenario sc;
  fai_error err;
  cr_assert_eq(fai_scenario_load_default(&sc, &err), FAI_OK, "%s", err.msg);
  sc.duration_s = 1800;
  fai_timeline_opts o;
  fai_timeline_opts_init(&o);
  o.contacts = 0;
  fai_backend be;
  cr_assert_eq(fai_backend_select(FAI_BACKEND_CPU, 0, &be, &err), FAI_OK);
  fai_timeline tl;
  cr_assert_eq(fai_timeline_build(&sc, &be, &o, NULL, &tl, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(tl.n_sats, 1584);
  cr_assert_eq(tl.n_links, 3168);
  for (int t = 0; t < tl.n_snaps; t++) {
    cr_expect_eq(tl.snap[t].isl_up, 3168);
    cr_expect_eq(tl.snap[t].components, 1);
    cr_expect_eq(tl.snap[t].largest_component, 1584);
  }
  /* A path delay can never beat the great-circle distance at light speed. */
  const int G = tl.n_stations;
  for (int a = 0; a < G; a++)
    for (int b = a + 1; b < G; b++) {
      const fai_station *sa = &sc.stations.v[a], *sb = &sc.stations.v[b];
      double ra[3], rb[3];
      fai_geodetic_to_ecef(sa->lat_rad, sa->lon_rad, 0, ra);
      fai_geodetic_to_ecef(sb->lat_rad, sb->lon_rad, 0, rb);
      double chord = sqrt((ra[0] - rb[0]) * (ra[0] - rb[0]) + (ra[1] - rb[1]) * (ra[1] - rb[1]) +
                          (ra[2] - rb[2]) * (ra[2] - rb[2]));
      double d = tl.pair_delay_mean[(size_t)a * G + b];
      if (tl.pair_reach[(size_t)a * G + b] > 0)
        cr_expect_geq(d, chord / FAI_C_M_S, "pair %d-%d delay %g < %g", a, b, d,
                      chord / FAI_C_M_S);
    }
  fai_timeline_free(&tl);
  fai_scenario_free(&sc);
}

/* Every array and the JSON document of two timelines are the same bytes. */
static void expect_same_timeline(const fai_timeline *a, const fai_timeline *b) {
  const size_t n3 = (size_t)a->n_snaps * a->n_sats * 3;
  cr_expect_eq(memcmp(a->pos, b->pos, n3 * sizeof(double)), 0, "positions differ");
  cr_expect_eq(memcmp(a->vel, b->vel, n3 * sizeof(double)), 0, "velocities differ");
  cr_expect_eq(memcmp(a->link_alive, b->link_alive, (size_t)a->n_snaps * a->n_links), 0);
  cr_expect_eq(
      memcmp(a->link_dist, b->link_dist, (size_t)a->n_snaps * a->n_links * sizeof(double)), 0);
  cr_expect_eq(memcmp(a->st_vis, b->st_vis,
                      (size_t)a->n_snaps * a->n_stations * a->vis_words * sizeof(uint32_t)),
               0);
  cr_assert_eq(a->n_contacts, b->n_contacts);
  cr_expect_eq(memcmp(a->contacts, b->contacts, a->n_contacts * sizeof *a->contacts), 0);
  json_t *da = fai_timeline_to_json(a), *db = fai_timeline_to_json(b);
  char *ja = fai_json_dumps(da), *jb = fai_json_dumps(db);
  cr_expect_str_eq(ja, jb);
  free(ja);
  free(jb);
  json_decref(da);
  json_decref(db);
}

Test(timeline, one_and_two_threads_give_identical_results, .timeout = 120) {
  fai_scenario sc;
  load_small(&sc, 3600, 60, 0.9);
  fai_timeline a, b;
  build(&sc, 1, &a);
  build(&sc, 2, &b);
  expect_same_timeline(&a, &b);
  fai_timeline_free(&a);
  fai_timeline_free(&b);
  fai_scenario_free(&sc);
}

Test(timeline, link_survival_thins_geometric_links_by_probability) {
  fai_scenario sc1, scp;
  load_small(&sc1, 6 * 3600, 60, 1.0);
  load_small(&scp, 6 * 3600, 60, 0.7);
  fai_timeline t1, tp;
  build(&sc1, 2, &t1);
  build(&scp, 2, &tp);
  long geo = 0, kept = 0;
  for (size_t k = 0; k < (size_t)t1.n_snaps * t1.n_links; k++) {
    cr_assert(!tp.link_alive[k] || t1.link_alive[k], "survival revived a blocked link");
    geo += t1.link_alive[k];
    kept += tp.link_alive[k];
  }
  const double p = (double)kept / (double)geo;
  const double sd = sqrt(0.7 * 0.3 / (double)geo);
  cr_expect(fabs(p - 0.7) < 5 * sd, "survival fraction %.4f over %ld links", p, geo);
  fai_timeline_free(&t1);
  fai_timeline_free(&tp);
  fai_scenario_free(&sc1);
  fai_scenario_free(&scp);
}

Test(scenario, validate_collects_every_error) {
  fai_scenario sc;
  fai_error err;
  fai_error_list all = {0, 0, NULL};
  fai_status st = fai_scenario_load_file("tests/data/bad-many.json", &sc, &all, &err);
  cr_assert_neq(st, FAI_OK);
  cr_expect_eq(all.n, 5, "got %d errors", all.n);
  for (int i = 0; i < all.n; i++) {
    cr_expect_str_eq(all.v[i].file, "tests/data/bad-many.json");
    cr_expect_gt(all.v[i].line, 0, "error %d (%s) has no line", i, all.v[i].msg);
  }
  fai_error_list_free(&all);
  fai_scenario_free(&sc);
}

Test(scenario, first_error_stops_loading_without_a_list) {
  fai_scenario sc;
  fai_error err;
  fai_status st = fai_scenario_load_file("tests/data/bad-unknown-key.json", &sc, NULL, &err);
  cr_assert_eq(st, FAI_EINVAL);
  cr_expect_eq(err.line, 4);
  cr_expect_eq(err.col, 12);
  cr_expect_str_eq(err.path, "$.isl");
  cr_expect(strstr(err.msg, "max_rang_km") != NULL, "%s", err.msg);
  fai_scenario_free(&sc);
}

Test(scenario, wrong_type_and_range_name_path_and_value) {
  fai_scenario sc;
  fai_error err;
  cr_assert_eq(fai_scenario_load_file("tests/data/bad-wrong-type.json", &sc, NULL, &err),
               FAI_EINVAL);
  cr_expect_str_eq(err.path, "$.duration_s");
  cr_expect(strstr(err.msg, "one day") != NULL, "%s", err.msg);
  cr_assert_eq(fai_scenario_load_file("tests/data/bad-out-of-range.json", &sc, NULL, &err),
               FAI_EINVAL);
  cr_expect_str_eq(err.path, "$.constellation.shells[0].inclination_deg");
  cr_expect(strstr(err.msg, "200") != NULL, "%s", err.msg);
  cr_assert_eq(fai_scenario_load_file("tests/data/bad-duplicate-key.json", &sc, NULL, &err),
               FAI_EPARSE);
  cr_expect_eq(err.line, 5);
}

Test(scenario, snapshot_count_includes_both_ends) {
  fai_scenario sc;
  fai_scenario_init(&sc);
  sc.duration_s = 86400;
  sc.step_s = 60;
  cr_expect_eq(fai_scenario_snapshots(&sc), 1441);
  sc.duration_s = 100;
  sc.step_s = 30;
  cr_expect_eq(fai_scenario_snapshots(&sc), 4);
}

/* The whole pipeline on cpu and cuda: the same bytes in every output. */
Test(parity, timeline_files_identical_on_cpu_and_cuda, .timeout = 300) {
  fai_backend cu, cpu;
  fai_error err;
  if (fai_backend_select(FAI_BACKEND_CUDA, 0, &cu, &err) != FAI_OK)
    cr_skip_test("no CUDA device: %s", err.msg);
  cr_assert_eq(fai_backend_select(FAI_BACKEND_CPU, 0, &cpu, &err), FAI_OK);
  fai_scenario sc;
  load_small(&sc, 6 * 3600, 30, 0.9);
  fai_timeline a, b;
  cr_assert_eq(fai_timeline_build(&sc, &cpu, NULL, NULL, &a, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(fai_timeline_build(&sc, &cu, NULL, NULL, &b, &err), FAI_OK, "%s", err.msg);
  expect_same_timeline(&a, &b);
  fai_timeline_free(&a);
  fai_timeline_free(&b);
  fai_scenario_free(&sc);
}

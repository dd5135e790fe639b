/* Host geometry (orbitgen): Walker shells, time, frames, propagation tables,
 * station lists and the link budget, each checked against a formula written
 * independently here (textbook values, law of cosines, explicit rotation
 * matrices) rather than by calling the library twice. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/log.h"
#include "fluidai/orbit.h"
#include "prop_core.h"

#define EPOCH_2026 1767225600.0 /* 2026-01-01T00:00:00Z */

static double norm3(const double v[3]) { return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); }
static double dot3(const double a[3], const double b[3]) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
static void cross3(const double a[3], const double b[3], double out[3]) {
  out[0] = a[1] * b[2] - a[2] * b[1];
  out[1] = a[2] * b[0] - a[0] * b[2];
  out[2] = a[0] * b[1] - a[1] * b[0];
}
/* Angle between two vectors, accurate for small and large angles. */
static double angle3(const double a[3], const double b[3]) {
  double c[3];
  cross3(a, b, c);
  return atan2(norm3(c), dot3(a, b));
}
/* Wrap an angle difference to (−π, π]. */
static double wrap_pi(double x) {
  x = fmod(x, 2.0 * M_PI);
  if (x > M_PI) x -= 2.0 * M_PI;
  if (x <= -M_PI) x += 2.0 * M_PI;
  return x;
}

/* ECEF → ECI: rotate by the sidereal angle θ(t) = GMST(epoch) + ω_E·t about z;
 * inertial velocity adds ω_E ẑ × r. */
static void ecef_to_eci(double theta, const double r[3], const double v[3], double ri[3],
                        double vi[3]) {
  const double c = cos(theta), s = sin(theta);
  ri[0] = c * r[0] - s * r[1];
  ri[1] = s * r[0] + c * r[1];
  ri[2] = r[2];
  if (v && vi) {
    const double w = 7.2921159e-5;
    const double vx = v[0] - w * r[1], vy = v[1] + w * r[0];
    vi[0] = c * vx - s * vy;
    vi[1] = s * vx + c * vy;
    vi[2] = v[2];
  }
}

/* Collects warnings so tests can assert on them (and keep stderr quiet). */
static int g_warnings;
static char g_last_warning[1024];
static void capture_sink(void *user, fai_log_level level, const char *msg) {
  (void)user;
  if (level == FAI_LOG_WARN) {
    g_warnings++;
    snprintf(g_last_warning, sizeof g_last_warning, "%s", msg);
  }
}
static void capture_logs(void) {
  g_warnings = 0;
  g_last_warning[0] = '\0';
  fai_log_set_sink(capture_sink, NULL);
}

static const fai_constellation *preset_named(const char *name) {
  for (int i = 0; i < fai_preset_count(); i++)
    if (strcmp(fai_preset_at(i)->name, name) == 0) return fai_preset_at(i);
  cr_assert_fail("preset %s missing", name);
  return NULL;
}

/* --- Walker shells and presets ------------------------------------------------ */

Test(geometry, presets_have_the_filed_satellite_counts) {
  const struct {
    const char *name;
    int sats, planes, shells;
  } want[] = {{"starlink-gen1", 4408, 72 + 72 + 36 + 6 + 4, 5},
              {"starlink-gen1-shell1", 1584, 72, 1},
              {"kuiper", 3236, 34 + 36 + 28, 3},
              {"oneweb", 648, 18, 1},
              {"iridium", 66, 6, 1},
              {"spacexnet-polar", 1056, 33, 1}};
  for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
    fai_constellation c;
    fai_error err;
    cr_assert_eq(fai_preset_find(want[k].name, &c, &err), FAI_OK, "%s", want[k].name);
    cr_expect_eq(c.n_shells, want[k].shells, "%s", want[k].name);
    cr_expect_eq(fai_constellation_sat_count(&c), want[k].sats, "%s", want[k].name);
    cr_expect_eq(fai_constellation_plane_count(&c), want[k].planes, "%s", want[k].name);
    cr_expect_eq(fai_constellation_validate(&c, "$.constellation", &err), FAI_OK, "%s: %s",
                 want[k].name, err.msg);
  }
  for (int i = 0; i < fai_preset_count(); i++) {
    const char *d = fai_preset_description(i);
    cr_assert_not_null(d);
    cr_expect_null(strchr(d, '\n'), "description must be one line: %s", d);
  }
  cr_expect_null(fai_preset_at(fai_preset_count()));
}

Test(geometry, unknown_preset_is_enoent_listing_known_names) {
  fai_constellation c;
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_preset_find("starlink-gen9", &c, &err), FAI_ENOENT);
  cr_expect_not_null(strstr(err.msg, "starlink-gen9"), "%s", err.msg);
  cr_expect_not_null(strstr(err.msg, "kuiper"), "%s", err.msg);
  cr_expect_not_null(strstr(err.msg, "spacexnet-polar"), "%s", err.msg);
}

Test(geometry, walker_notation_requires_total_divisible_by_planes) {
  fai_shell s;
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_shell_from_walker(53.0, 100, 7, 1, 550.0, FAI_WALKER_DELTA, &s, &err),
               FAI_EINVAL);
  cr_expect_not_null(strstr(err.msg, "total 100 is not divisible by planes 7"), "%s", err.msg);
  cr_assert_eq(fai_shell_from_walker(53.0, 1584, 72, 1, 550.0, FAI_WALKER_DELTA, &s, &err),
               FAI_OK);
  cr_expect_eq(s.planes, 72);
  cr_expect_eq(s.sats_per_plane, 22);
  cr_expect_float_eq(s.altitude_m, 550e3, 1e-9);
  cr_expect_float_eq(s.inclination_rad, 53.0 * M_PI / 180.0, 1e-15);
  cr_expect_eq(fai_shell_from_walker(53.0, 1584, 72, 72, 550.0, FAI_WALKER_DELTA, &s, &err),
               FAI_EINVAL);
  cr_expect_not_null(strstr(err.msg, "phasing 72"), "%s", err.msg);
}

Test(geometry, validation_names_shell_and_offending_value) {
  fai_constellation c;
  fai_error err;
  cr_assert_eq(fai_preset_find("kuiper", &c, &err), FAI_OK);
  c.shells[2].altitude_m = -5e3;
  fai_error_clear(&err);
  cr_assert_eq(fai_constellation_validate(&c, "$.constellation", &err), FAI_EINVAL);
  cr_expect_str_eq(err.path, "$.constellation.shells[2]");
  cr_expect_not_null(strstr(err.msg, "shell3"), "%s", err.msg);
  cr_expect_not_null(strstr(err.msg, "-5 km"), "%s", err.msg);

  cr_assert_eq(fai_preset_find("kuiper", &c, &err), FAI_OK);
  c.shells[1].inclination_rad = 181.0 * M_PI / 180.0;
  cr_assert_eq(fai_constellation_validate(&c, "$.c", &err), FAI_EINVAL);
  cr_expect_not_null(strstr(err.msg, "181"), "%s", err.msg);

  cr_assert_eq(fai_preset_find("kuiper", &c, &err), FAI_OK);
  c.shells[0].sats_per_plane = 0;
  cr_assert_eq(fai_constellation_validate(&c, "$.c", &err), FAI_EINVAL);
  cr_expect_not_null(strstr(err.msg, "sats_per_plane 0"), "%s", err.msg);

  cr_assert_eq(fai_preset_find("iridium", &c, &err), FAI_OK);
  c.shells[0].planes = 400;
  c.shells[0].sats_per_plane = 300; /* 120 000 satellites */
  cr_assert_eq(fai_constellation_validate(&c, "$.c", &err), FAI_EINVAL);
  cr_expect_not_null(strstr(err.msg, "120000"), "%s", err.msg);
}

Test(geometry, satellite_numbering_runs_over_shells_planes_slots) {
  const fai_constellation *c = preset_named("starlink-gen1");
  fai_sat_id id = fai_sat_id_of(c, 0);
  cr_expect(id.shell == 0 && id.plane == 0 && id.slot == 0 && id.plane_global == 0);
  id = fai_sat_id_of(c, 22 * 5 + 3);
  cr_expect(id.shell == 0 && id.plane == 5 && id.slot == 3 && id.plane_global == 5);
  id = fai_sat_id_of(c, 1584 + 22 + 1); /* shell 2, plane 1, slot 1 */
  cr_expect(id.shell == 1 && id.plane == 1 && id.slot == 1 && id.plane_global == 73);
  id = fai_sat_id_of(c, 4407); /* last of shell 5: plane 3, slot 42 */
  cr_expect(id.shell == 4 && id.plane == 3 && id.slot == 42 && id.plane_global == 189);
  id = fai_sat_id_of(c, 4408);
  cr_expect_eq(id.shell, -1);
}

/* --- propagation ------------------------------------------------------------------ */

Test(geometry, orbit_radius_is_earth_radius_plus_altitude_for_every_preset) {
  const double times[] = {0.0, 1234.5, 86400.0, 7.0 * 86400.0};
  for (int pi = 0; pi < fai_preset_count(); pi++) {
    const fai_constellation *c = fai_preset_at(pi);
    const fai_propagator p = {c, EPOCH_2026, FAI_J2_FULL, NULL};
    const int n = fai_constellation_sat_count(c);
    for (int sat = 0; sat < n; sat++) {
      const fai_sat_id id = fai_sat_id_of(c, sat);
      const double a = 6371e3 + c->shells[id.shell].altitude_m;
      for (size_t k = 0; k < sizeof times / sizeof times[0]; k++) {
        double r[3], v[3];
        fai_propagate_sat(&p, sat, times[k], r, v);
        cr_assert(fabs(norm3(r) - a) < 1e-6, "%s sat %d t=%g: |r|=%.9f, a=%.9f", c->name, sat,
                  times[k], norm3(r), a);
      }
    }
  }
}

Test(geometry, propagation_matches_paper_eci_formula_without_j2) {
  /* PAPERS.md §0.4: Ω_p = p·2π/P (delta) or p·π/P (star),
   * u = 2π·s/S + 2π·F·p/(P·S) + n·t, r = a·[cΩ cu − sΩ su ci, sΩ cu + cΩ su ci, su si]. */
  const char *names[] = {"starlink-gen1", "oneweb", "iridium"};
  for (int k = 0; k < 3; k++) {
    const fai_constellation *c = preset_named(names[k]);
    const fai_propagator p = {c, EPOCH_2026, FAI_J2_NONE, NULL};
    const double gmst0 = fai_gmst_rad(EPOCH_2026);
    const double t = 3333.25;
    int sat = 0;
    for (int h = 0; h < c->n_shells; h++) {
      const fai_shell *s = &c->shells[h];
      const double a = 6371e3 + s->altitude_m;
      const double n = sqrt(3.986004418e14 / (a * a * a));
      for (int pl = 0; pl < s->planes; pl++) {
        for (int sl = 0; sl < s->sats_per_plane; sl++, sat++) {
          const double P = s->planes, S = s->sats_per_plane;
          const double raan = pl * (s->pattern == FAI_WALKER_STAR ? M_PI : 2 * M_PI) / P;
          const double u = 2 * M_PI * sl / S + 2 * M_PI * s->phasing * pl / (P * S) + n * t;
          const double ci = cos(s->inclination_rad), si = sin(s->inclination_rad);
          const double want[3] = {
              a * (cos(raan) * cos(u) - sin(raan) * sin(u) * ci),
              a * (sin(raan) * cos(u) + cos(raan) * sin(u) * ci), a * sin(u) * si};
          double r[3], ri[3];
          fai_propagate_sat(&p, sat, t, r, NULL);
          ecef_to_eci(gmst0 + 7.2921159e-5 * t, r, NULL, ri, NULL);
          for (int d = 0; d < 3; d++)
            cr_assert(fabs(ri[d] - want[d]) < 1e-4, "%s sat %d axis %d: %.6f vs %.6f", c->name,
                      sat, d, ri[d], want[d]);
        }
      }
    }
  }
}

Test(geometry, satellite_returns_to_same_inertial_position_after_one_period) {
  const fai_constellation *c = preset_named("starlink-gen1");
  const fai_propagator p = {c, EPOCH_2026, FAI_J2_NONE, NULL};
  const double gmst0 = fai_gmst_rad(EPOCH_2026);
  for (int sat = 0; sat < fai_constellation_sat_count(c); sat += 97) {
    const fai_sat_id id = fai_sat_id_of(c, sat);
    const double a = 6371e3 + c->shells[id.shell].altitude_m;
    const double period = 2 * M_PI * sqrt(a * a * a / 3.986004418e14);
    const double t0 = 500.0;
    double r0[3], r1[3], e0[3], e1[3];
    fai_propagate_sat(&p, sat, t0, r0, NULL);
    fai_propagate_sat(&p, sat, t0 + period, r1, NULL);
    ecef_to_eci(gmst0 + 7.2921159e-5 * t0, r0, NULL, e0, NULL);
    ecef_to_eci(gmst0 + 7.2921159e-5 * (t0 + period), r1, NULL, e1, NULL);
    const double d[3] = {e1[0] - e0[0], e1[1] - e0[1], e1[2] - e0[2]};
    cr_assert(norm3(d) < 1e-3, "sat %d: moved %.6f m over one period %.3f s", sat, norm3(d),
              period);
    /* Half a period later it is on the opposite side of the Earth. */
    double rh[3], eh[3];
    fai_propagate_sat(&p, sat, t0 + period / 2, rh, NULL);
    ecef_to_eci(gmst0 + 7.2921159e-5 * (t0 + period / 2), rh, NULL, eh, NULL);
    cr_assert(fabs(angle3(e0, eh) - M_PI) < 1e-9);
  }
}

Test(geometry, consecutive_slots_are_two_pi_over_s_apart_in_plane) {
  const char *names[] = {"starlink-gen1", "kuiper", "oneweb", "iridium", "spacexnet-polar"};
  for (int k = 0; k < 5; k++) {
    const fai_constellation *c = preset_named(names[k]);
    const fai_propagator p = {c, EPOCH_2026, FAI_J2_FULL, NULL};
    int base = 0;
    for (int h = 0; h < c->n_shells; h++) {
      const fai_shell *s = &c->shells[h];
      const int S = s->sats_per_plane;
      for (int pl = 0; pl < s->planes; pl += 3) {
        for (int sl = 0; sl < S; sl++) {
          double r1[3], r2[3];
          fai_propagate_sat(&p, base + pl * S + sl, 777.0, r1, NULL);
          fai_propagate_sat(&p, base + pl * S + (sl + 1) % S, 777.0, r2, NULL);
          const double want = S == 1 ? 0.0 : (S == 2 ? M_PI : 2 * M_PI / S);
          cr_assert(fabs(angle3(r1, r2) - want) < 1e-10, "%s shell %d plane %d slot %d: %.12f",
                    c->name, h, pl, sl, angle3(r1, r2));
        }
      }
      base += s->planes * S;
    }
  }
}

/* Checks the inertial orbit normal r × v of plane `pl`'s first satellite:
 * inclination i and RAAN = p·spread/P. */
static void check_plane_normals(const char *name, double spread) {
  const fai_constellation *c = preset_named(name);
  const fai_propagator p = {c, EPOCH_2026, FAI_J2_NONE, NULL};
  const double t = 123.0, theta = fai_gmst_rad(EPOCH_2026) + 7.2921159e-5 * t;
  const fai_shell *s = &c->shells[0];
  for (int pl = 0; pl < s->planes; pl++) {
    for (int sl = 0; sl < s->sats_per_plane; sl += 5) {
      double r[3], v[3], ri[3], vi[3], hv[3];
      fai_propagate_sat(&p, pl * s->sats_per_plane + sl, t, r, v);
      ecef_to_eci(theta, r, v, ri, vi);
      cross3(ri, vi, hv);
      const double incl = acos(hv[2] / norm3(hv));
      const double raan = atan2(hv[0], -hv[1]);
      cr_assert(fabs(incl - s->inclination_rad) < 1e-12, "%s plane %d: i=%.12f", name, pl,
                incl);
      cr_assert(fabs(wrap_pi(raan - pl * spread / s->planes)) < 1e-12, "%s plane %d: raan=%.12f",
                name, pl, raan);
      /* Circular orbit: speed sqrt(μ/a), velocity perpendicular to r. */
      const double a = 6371e3 + s->altitude_m;
      cr_assert(fabs(norm3(vi) - sqrt(3.986004418e14 / a)) < 1e-6);
      cr_assert(fabs(dot3(ri, vi)) < 1e-6 * a);
    }
  }
}

Test(geometry, plane_normals_have_shell_inclination_and_delta_raan_spacing) {
  check_plane_normals("starlink-gen1-shell1", 2 * M_PI);
  check_plane_normals("kuiper", 2 * M_PI);
}

Test(geometry, plane_normals_have_shell_inclination_and_star_raan_spacing) {
  check_plane_normals("oneweb", M_PI);
  check_plane_normals("iridium", M_PI);
  check_plane_normals("spacexnet-polar", M_PI);
}

Test(geometry, velocity_is_time_derivative_of_position) {
  const fai_constellation *c = preset_named("starlink-gen1");
  const fai_propagator p = {c, EPOCH_2026, FAI_J2_FULL, NULL};
  for (int sat = 0; sat < 4408; sat += 131) {
    double r0[3], r1[3], v[3], vd[3];
    const double t = 5000.0, h = 0.5;
    fai_propagate_sat(&p, sat, t - h, r0, NULL);
    fai_propagate_sat(&p, sat, t + h, r1, NULL);
    fai_propagate_sat(&p, sat, t, vd, v);
    for (int d = 0; d < 3; d++) {
      const double fd = (r1[d] - r0[d]) / (2 * h);
      cr_assert(fabs(fd - v[d]) < 1e-3, "sat %d axis %d: %.6f vs %.6f", sat, d, fd, v[d]);
    }
  }
}

Test(geometry, tabulated_state_matches_direct_propagation_over_a_day) {
  const fai_constellation *c = preset_named("starlink-gen1-shell1");
  const fai_propagator p = {c, EPOCH_2026, FAI_J2_FULL, NULL};
  enum { T = 1440 };
  double *ts = malloc(T * sizeof *ts);
  cr_assert_not_null(ts);
  for (int t = 0; t < T; t++) ts[t] = 60.0 * t;
  fai_prop_storage st;
  fai_error err;
  cr_assert_eq(fai_prop_tables_build(&p, ts, T, &st, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(st.tab.n_sats, 1584);
  cr_assert_eq(st.tab.n_snaps, T);
  cr_assert_eq(st.tab.n_planes, 72);
  const int sample[] = {0, 1, 21, 22, 500, 777, 1000, 1201, 1583};
  double worst_pos = 0, worst_vel = 0;
  for (int t = 0; t < T; t++) {
    for (size_t k = 0; k < sizeof sample / sizeof sample[0]; k++) {
      double pt[3], vt[3], pd[3], vdir[3];
      fai_prop_state(&st.tab, t, sample[k], pt, vt);
      fai_propagate_sat(&p, sample[k], ts[t], pd, vdir);
      for (int d = 0; d < 3; d++) {
        worst_pos = fmax(worst_pos, fabs(pt[d] - pd[d]));
        worst_vel = fmax(worst_vel, fabs(vt[d] - vdir[d]) / norm3(vdir));
      }
    }
  }
  cr_expect(worst_pos < 1e-6, "worst position difference %.3e m", worst_pos);
  cr_expect(worst_vel < 1e-9, "worst relative velocity difference %.3e", worst_vel);
  fai_prop_tables_free(&st);
  cr_expect_null(st.snap_cos_w);
  free(ts);
}

Test(geometry, tabulated_state_indexes_shells_and_planes_of_multi_shell_presets) {
  const fai_constellation *c = preset_named("starlink-gen1");
  const fai_propagator p = {c, EPOCH_2026, FAI_J2_NODE, NULL};
  const double ts[] = {0.0, 95.5, 3600.0, 43210.0};
  fai_prop_storage st;
  fai_error err;
  cr_assert_eq(fai_prop_tables_build(&p, ts, 4, &st, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(st.tab.n_shells, 5);
  for (int t = 0; t < 4; t++) {
    for (int sat = 0; sat < 4408; sat += 7) {
      double pt[3], vt[3], pd[3], vd[3];
      fai_prop_state(&st.tab, t, sat, pt, vt);
      fai_propagate_sat(&p, sat, ts[t], pd, vd);
      for (int d = 0; d < 3; d++) {
        cr_assert(fabs(pt[d] - pd[d]) < 1e-6, "sat %d t %d", sat, t);
        cr_assert(fabs(vt[d] - vd[d]) < 1e-8, "sat %d t %d", sat, t);
      }
    }
  }
  fai_prop_tables_free(&st);
}

Test(geometry, table_build_rejects_bad_input) {
  fai_constellation c = *preset_named("iridium");
  c.shells[0].phasing = 9;
  const fai_propagator p = {&c, EPOCH_2026, FAI_J2_NODE, NULL};
  const double ts[] = {0.0};
  fai_prop_storage st;
  fai_error err;
  cr_expect_eq(fai_prop_tables_build(&p, ts, 1, &st, &err), FAI_EINVAL);
  cr_expect_null(st.sat_shell);
  c.shells[0].phasing = 0;
  cr_expect_eq(fai_prop_tables_build(&p, ts, 0, &st, &err), FAI_EINVAL);
}

Test(geometry, j2_node_regression_matches_textbook_rate) {
  /* Curtis, Orbital Mechanics for Engineering Students, eq. 4.52 in degrees/day:
   * Ω̇ = −2.06474e14 · a^(−7/2) · cos i   (a in km, e = 0). */
  const double a_km = 6371.0 + 550.0;
  double udot, rd;
  fai_j2_rates(a_km * 1e3, 53.0 * M_PI / 180.0, FAI_J2_NODE, &udot, &rd);
  const double deg_day = rd * 86400.0 * 180.0 / M_PI;
  const double textbook = -2.06474e14 * pow(a_km, -3.5) * cos(53.0 * M_PI / 180.0);
  cr_expect(fabs(deg_day - textbook) < 2e-3 * fabs(textbook), "%.6f vs %.6f", deg_day, textbook);
  cr_expect(fabs(deg_day - (-4.5)) < 0.05, "%.4f deg/day", deg_day);
  cr_expect_eq(udot, sqrt(3.986004418e14 / pow(a_km * 1e3, 3)));

  /* Starlink's 97.6° shells at 560 km are sun-synchronous: +360°/365.2422 d. */
  fai_j2_rates((6371.0 + 560.0) * 1e3, 97.6 * M_PI / 180.0, FAI_J2_NODE, &udot, &rd);
  cr_expect(fabs(rd * 86400.0 * 180.0 / M_PI - 360.0 / 365.2422) < 0.02, "%.5f deg/day",
            rd * 86400.0 * 180.0 / M_PI);

  /* Without J2 the nodes are fixed. */
  fai_j2_rates(a_km * 1e3, 0.9, FAI_J2_NONE, &udot, &rd);
  cr_expect_eq(rd, 0.0);
}

Test(geometry, j2_full_along_track_rate_is_perigee_plus_mean_anomaly_rate) {
  /* Vallado eqs. 9-41/9-42 for e = 0: ω̇ = 3nJ2R²/(4a²)·(4 − 5 sin²i),
   * Ṁ − n = 3nJ2R²/(4a²)·(2 − 3 sin²i). */
  const double a = 7000e3, i = 0.7;
  const double n = sqrt(3.986004418e14 / (a * a * a));
  const double k = 3.0 * n * 1.08262668e-3 * 6378137.0 * 6378137.0 / (4.0 * a * a);
  const double s2 = sin(i) * sin(i);
  const double want = n + k * (4.0 - 5.0 * s2) + k * (2.0 - 3.0 * s2);
  double udot, rd;
  fai_j2_rates(a, i, FAI_J2_FULL, &udot, &rd);
  cr_expect(fabs(udot - want) < 1e-15, "%.17g vs %.17g", udot, want);
  cr_expect(fabs(rd + 2.0 * k * cos(i)) < 1e-18);
}

/* --- time ------------------------------------------------------------------------- */

Test(geometry, gmst_matches_published_values) {
  /* J2000.0: 67310.54841 s of time = 280.46061837°. */
  double t;
  fai_error err;
  cr_assert_eq(fai_time_parse_iso8601("2000-01-01T12:00:00Z", &t, &err), FAI_OK);
  cr_expect(fabs(fai_gmst_rad(t) * 180.0 / M_PI - 280.46061837) < 1e-7, "%.9f",
            fai_gmst_rad(t) * 180.0 / M_PI);
  /* Meeus, Astronomical Algorithms, example 12.a: 1987-04-10 0h UT →
   * 13h10m46.3668s; example 12.b: 19h21m UT → 8h34m57.0896s. */
  const double a_deg = (13.0 + 10.0 / 60.0 + 46.3668 / 3600.0) * 15.0;
  const double b_deg = (8.0 + 34.0 / 60.0 + 57.0896 / 3600.0) * 15.0;
  cr_assert_eq(fai_time_parse_iso8601("1987-04-10T00:00:00Z", &t, &err), FAI_OK);
  cr_expect(fabs(fai_gmst_rad(t) * 180.0 / M_PI - a_deg) < 2e-6, "%.9f vs %.9f",
            fai_gmst_rad(t) * 180.0 / M_PI, a_deg);
  cr_assert_eq(fai_time_parse_iso8601("1987-04-10T19:21:00Z", &t, &err), FAI_OK);
  cr_expect(fabs(fai_gmst_rad(t) * 180.0 / M_PI - b_deg) < 2e-6, "%.9f vs %.9f",
            fai_gmst_rad(t) * 180.0 / M_PI, b_deg);
  /* Range [0, 2π) over several years. */
  for (double u = 0.0; u < 2e9; u += 1.2345e7) {
    const double g = fai_gmst_rad(u);
    cr_assert(g >= 0.0 && g < 2 * M_PI);
  }
}

Test(geometry, julian_date_of_known_epochs) {
  cr_expect_float_eq(fai_unix_to_jd(0.0), 2440587.5, 1e-9);
  cr_expect_float_eq(fai_unix_to_jd(946728000.0), 2451545.0, 1e-9);
}

Test(geometry, iso8601_parser_accepts_and_rejects_table) {
  const struct {
    const char *s;
    double want;
  } ok[] = {
      {"2026-01-01T00:00:00Z", 1767225600.0},
      {"2026-01-01T00:00:00.250Z", 1767225600.25},
      {"2026-01-01T03:00:00+02:00", 1767225600.0 + 3600.0},
      {"2025-12-31T19:30:00-04:30", 1767225600.0},
      {"2026-01-01", 1767225600.0},
      {"2026-01-01T00:00", 1767225600.0},
      {"2026-01-01T00:00:00", 1767225600.0},
      {"2024-02-29T12:00:00Z", 1709208000.0},
      {"2000-02-29", 951782400.0},
      {"2000-01-01T12:00:00.5", 946728000.5},
      {"1970-01-01T00:00:00Z", 0.0},
      {"1969-12-31T23:59:59Z", -1.0},
  };
  for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
    double t = -12345.0;
    fai_error err;
    fai_error_clear(&err);
    cr_expect_eq(fai_time_parse_iso8601(ok[k].s, &t, &err), FAI_OK, "%s: %s", ok[k].s, err.msg);
    cr_expect(fabs(t - ok[k].want) < 1e-6, "%s: %.6f vs %.6f", ok[k].s, t, ok[k].want);
  }
  const char *bad[] = {"",
                       "abc",
                       "2026",
                       "2026-1-01",
                       "2026-01-1",
                       "26-01-01",
                       "2026-13-01",
                       "2026-00-10",
                       "2026-01-32",
                       "2026-04-31",
                       "2026-02-29",
                       "1900-02-29",
                       "2026-01-00",
                       "2026-01-01T",
                       "2026-01-01T12",
                       "2026-01-01T1:00",
                       "2026-01-01T24:00:00Z",
                       "2026-01-01T12:60Z",
                       "2026-01-01T12:00:60Z",
                       "2026-01-01T12:00:00.Z",
                       "2026-01-01T12:00:00+0200",
                       "2026-01-01T12:00:00+02",
                       "2026-01-01T12:00:00+24:00",
                       "2026-01-01 12:00:00",
                       "2026-01-01T12:00:00ZZ",
                       "2026-01-01T12:00:00z",
                       "2026-01-01Z",
                       " 2026-01-01",
                       "2026-01-01 "};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    double t;
    fai_error err;
    fai_error_clear(&err);
    cr_expect_eq(fai_time_parse_iso8601(bad[k], &t, &err), FAI_EINVAL, "accepted \"%s\"", bad[k]);
    cr_expect_not_null(strstr(err.msg, "YYYY-MM-DD"), "%s", err.msg);
  }
  fai_error err;
  fai_time_parse_iso8601("2026-02-30", NULL, &err);
  cr_expect_not_null(strstr(err.msg, "\"2026-02-30\""), "%s", err.msg);
  cr_expect_not_null(strstr(err.msg, "day 30"), "%s", err.msg);
}

Test(geometry, iso8601_format_has_millisecond_precision_and_round_trips) {
  char buf[40];
  fai_time_format_iso8601(1767225600.25, buf);
  cr_expect_str_eq(buf, "2026-01-01T00:00:00.250Z");
  fai_time_format_iso8601(-0.5, buf);
  cr_expect_str_eq(buf, "1969-12-31T23:59:59.500Z");
  fai_time_format_iso8601(1709251199.9996, buf);
  cr_expect_str_eq(buf, "2024-03-01T00:00:00.000Z");
  for (double t = -2e9; t < 4e9; t += 98765432.123) {
    double back;
    fai_error err;
    fai_time_format_iso8601(t, buf);
    cr_assert_eq(fai_time_parse_iso8601(buf, &back, &err), FAI_OK, "%s", buf);
    cr_assert(fabs(back - t) <= 0.0005 + 1e-6, "%s: %.6f vs %.6f", buf, back, t);
  }
}

/* --- frames ------------------------------------------------------------------------ */

Test(geometry, geodetic_ecef_round_trip_below_a_millimetre) {
  for (double lat = -90.0; lat <= 90.0; lat += 7.5) {
    for (double lon = -180.0; lon < 180.0; lon += 33.0) {
      const double alts[] = {-400.0, 0.0, 1500.0, 550e3, 1200e3, 36000e3};
      for (int k = 0; k < 6; k++) {
        double r[3], la, lo, al;
        fai_geodetic_to_ecef(lat * M_PI / 180.0, lon * M_PI / 180.0, alts[k], r);
        fai_ecef_to_geodetic(r, &la, &lo, &al);
        double r2[3];
        fai_geodetic_to_ecef(la, lo, al, r2);
        const double d[3] = {r2[0] - r[0], r2[1] - r[1], r2[2] - r[2]};
        cr_assert(norm3(d) < 1e-3, "lat %g lon %g alt %g: %.3e m", lat, lon, alts[k], norm3(d));
        cr_assert(fabs(al - alts[k]) < 1e-3, "lat %g alt %g -> %.6f", lat, alts[k], al);
        cr_assert(fabs(la - lat * M_PI / 180.0) < 1e-12, "lat %g -> %.15f", lat, la);
      }
    }
  }
  /* WGS-84 reference points: equator/prime meridian, north pole (b = a(1−f)). */
  double r[3];
  fai_geodetic_to_ecef(0.0, 0.0, 0.0, r);
  cr_expect(fabs(r[0] - 6378137.0) < 1e-6 && fabs(r[1]) < 1e-6 && fabs(r[2]) < 1e-6);
  fai_geodetic_to_ecef(M_PI / 2, 0.0, 0.0, r);
  cr_expect(fabs(r[2] - 6356752.314245) < 1e-5, "%.6f", r[2]);
}

Test(geometry, up_vector_is_unit_ellipsoid_normal) {
  for (double lat = -80.0; lat <= 80.0; lat += 20.0) {
    const double la = lat * M_PI / 180.0, lo = 0.3;
    double up[3], r1[3], r2[3];
    fai_geodetic_up(la, lo, up);
    cr_assert(fabs(norm3(up) - 1.0) < 1e-15);
    /* Moving along the normal changes only the geodetic height. */
    fai_geodetic_to_ecef(la, lo, 0.0, r1);
    fai_geodetic_to_ecef(la, lo, 1000.0, r2);
    for (int d = 0; d < 3; d++) cr_assert(fabs((r2[d] - r1[d]) / 1000.0 - up[d]) < 1e-12);
  }
}

Test(geometry, elevation_matches_spherical_law_of_cosines_at_equator) {
  /* At the equator geodetic = geocentric latitude and the ellipsoid normal is
   * radial, so the station sits on a sphere of radius R = a. */
  const double R = 6378137.0;
  srand(7);
  for (int k = 0; k < 2000; k++) {
    const double lon = (rand() / (double)RAND_MAX - 0.5) * 2 * M_PI;
    double site[3];
    fai_geodetic_to_ecef(0.0, lon, 0.0, site);
    const double rt = R + 300e3 + 2000e3 * (rand() / (double)RAND_MAX);
    const double tl = (rand() / (double)RAND_MAX - 0.5) * M_PI;
    const double to = lon + (rand() / (double)RAND_MAX - 0.5) * 1.2;
    const double target[3] = {rt * cos(tl) * cos(to), rt * cos(tl) * sin(to), rt * sin(tl)};
    const double gamma = angle3(site, target); /* central angle */
    const double dd = sqrt(R * R + rt * rt - 2 * R * rt * cos(gamma));
    /* Angle at the station between the zenith and the target: law of cosines
     * in the triangle (centre, station, target). */
    const double zenith_angle = M_PI - acos((R * R + dd * dd - rt * rt) / (2 * R * dd));
    const double want = M_PI / 2 - zenith_angle;
    const double got = fai_elevation_rad(site, 0.0, lon, target);
    cr_assert(fabs(got - want) < 1e-7, "k=%d: %.10f vs %.10f", k, got, want);
  }
}

Test(geometry, elevation_matches_topocentric_sez_rotation) {
  srand(11);
  for (int k = 0; k < 2000; k++) {
    const double lat = (rand() / (double)RAND_MAX - 0.5) * 0.99 * M_PI;
    const double lon = (rand() / (double)RAND_MAX - 0.5) * 2 * M_PI;
    const double alt = 3000.0 * rand() / (double)RAND_MAX;
    double site[3];
    fai_geodetic_to_ecef(lat, lon, alt, site);
    const double target[3] = {site[0] + (rand() / (double)RAND_MAX - 0.5) * 4e6,
                              site[1] + (rand() / (double)RAND_MAX - 0.5) * 4e6,
                              site[2] + (rand() / (double)RAND_MAX - 0.5) * 4e6};
    /* SEZ = R_y(π/2 − φ) · R_z(λ) · (target − site)  (Vallado §3.4). */
    const double rz[3][3] = {{cos(lon), sin(lon), 0}, {-sin(lon), cos(lon), 0}, {0, 0, 1}};
    const double c = cos(M_PI / 2 - lat), s = sin(M_PI / 2 - lat);
    const double ry[3][3] = {{c, 0, -s}, {0, 1, 0}, {s, 0, c}};
    const double d[3] = {target[0] - site[0], target[1] - site[1], target[2] - site[2]};
    double m[3] = {0}, sez[3] = {0};
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) m[i] += rz[i][j] * d[j];
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) sez[i] += ry[i][j] * m[j];
    const double want = asin(sez[2] / norm3(sez));
    const double got = fai_elevation_rad(site, lat, lon, target);
    cr_assert(fabs(got - want) < 1e-9, "k=%d: %.12f vs %.12f", k, got, want);
  }
}

/* --- stations ---------------------------------------------------------------------- */

Test(geometry, csv_bad_latitude_reports_line_and_column_of_the_cell) {
  fai_station_set s;
  fai_error err;
  fai_error_clear(&err);
  const char *text = "name,latitude_deg,longitude_deg\nA,1.5,2\nB,abc,3\n";
  cr_assert_eq(fai_stations_parse_csv(text, "st.csv", 0.1, &s, &err), FAI_EPARSE);
  cr_expect_str_eq(err.file, "st.csv");
  cr_expect_eq(err.line, 3);
  cr_expect_eq(err.col, 3);
  cr_expect_not_null(strstr(err.msg, "\"abc\""), "%s", err.msg);
  cr_expect_not_null(strstr(err.msg, "[-90, 90]"), "%s", err.msg);
  cr_expect_eq(s.n, 0);
  cr_expect_null(s.v);

  /* Out of range, after a quoted UTF-8 name containing a comma: column counts
   * characters ("Camaçari, BR" is 12 characters, 13 bytes). */
  const char *text2 = "name,latitude_deg,longitude_deg\r\nA,1,2\r\n\"Camaçari, BR\",91,3\r\n";
  fai_error_clear(&err);
  cr_assert_eq(fai_stations_parse_csv(text2, "gw.csv", 0.1, &s, &err), FAI_EINVAL);
  cr_expect_eq(err.line, 3);
  cr_expect_eq(err.col, 16);
  cr_expect_not_null(strstr(err.msg, "\"91\""), "%s", err.msg);
  char line[2048];
  fai_error_format(&err, line, sizeof line);
  cr_expect(strncmp(line, "gw.csv:3:16: ", 13) == 0, "%s", line);

  const char *text3 = "name,latitude_deg,longitude_deg\nA,1,2\nB,3,-180.5\n";
  cr_assert_eq(fai_stations_parse_csv(text3, "x.csv", 0.1, &s, &err), FAI_EINVAL);
  cr_expect(err.line == 3 && err.col == 5, "%d:%d", err.line, err.col);
}

Test(geometry, csv_structural_errors_are_reported) {
  fai_station_set s;
  fai_error err;
  fai_error_clear(&err);
  cr_expect_eq(fai_stations_parse_csv("", "e.csv", 0.0, &s, &err), FAI_EPARSE);
  cr_expect_not_null(strstr(err.msg, "empty"), "%s", err.msg);

  cr_expect_eq(fai_stations_parse_csv("name,lat,lon\nA,1,2\n", "h.csv", 0.0, &s, &err),
               FAI_EPARSE);
  cr_expect_not_null(strstr(err.msg, "latitude_deg"), "%s", err.msg);
  cr_expect_eq(err.line, 1);

  cr_expect_eq(fai_stations_parse_csv("name,latitude_deg,longitude_deg\nA,1,2\nB,3\n", "c.csv",
                                      0.0, &s, &err),
               FAI_EPARSE);
  cr_expect_eq(err.line, 3);
  cr_expect_not_null(strstr(err.msg, "2 cells"), "%s", err.msg);

  cr_expect_eq(fai_stations_parse_csv("name,latitude_deg,longitude_deg\nA,1,2,9\n", "c.csv",
                                      0.0, &s, &err),
               FAI_EPARSE);
  cr_expect(err.line == 2 && err.col == 7, "%d:%d", err.line, err.col);

  cr_expect_eq(fai_stations_parse_csv("name,latitude_deg,longitude_deg\n\"A,1,2\n", "q.csv", 0.0,
                                      &s, &err),
               FAI_EPARSE);
  cr_expect(err.line == 2 && err.col == 1, "%d:%d", err.line, err.col);

  cr_expect_eq(fai_stations_parse_csv("name,latitude_deg,longitude_deg\n", "n.csv", 0.0, &s, &err),
               FAI_EPARSE);

  cr_expect_eq(fai_stations_parse_csv("name,latitude_deg,longitude_deg\nA,nan,2\n", "n.csv", 0.0,
                                      &s, &err),
               FAI_EPARSE);
  cr_expect_eq(fai_stations_parse_csv("name,latitude_deg,longitude_deg\nA,0x10,2\n", "n.csv",
                                      0.0, &s, &err),
               FAI_EPARSE);

  cr_expect_eq(fai_stations_load_csv("/nonexistent/dir/none.csv", 0.0, &s, &err), FAI_ENOENT);
  cr_expect_str_eq(err.file, "/nonexistent/dir/none.csv");
}

Test(geometry, csv_optional_columns_quoting_and_extra_columns) {
  fai_station_set s;
  fai_error err;
  capture_logs();
  const char *text =
      "\xEF\xBB\xBF"
      "Name, latitude_deg ,longitude_deg,antenna_count,altitude_m,min_elevation_deg\n"
      "\"Say \"\"hi\"\"\",10.5,-20.25,8,120,25\n"
      "\n"
      "\"Line\nbreak\",-33,151,,,\n"
      "Plain,0,180,3,,10\n";
  cr_assert_eq(fai_stations_parse_csv(text, "opt.csv", 0.2, &s, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(s.n, 3);
  cr_expect_str_eq(s.v[0].name, "Say \"hi\"");
  cr_expect_float_eq(s.v[0].lat_rad, 10.5 * M_PI / 180.0, 1e-15);
  cr_expect_float_eq(s.v[0].lon_rad, -20.25 * M_PI / 180.0, 1e-15);
  cr_expect_float_eq(s.v[0].alt_m, 120.0, 1e-12);
  cr_expect_float_eq(s.v[0].min_elev_rad, 25.0 * M_PI / 180.0, 1e-15);
  cr_expect_str_eq(s.v[1].name, "Line\nbreak");
  cr_expect_float_eq(s.v[1].alt_m, 0.0, 1e-12);
  cr_expect_float_eq(s.v[1].min_elev_rad, 0.2, 1e-15);
  cr_expect_float_eq(s.v[2].min_elev_rad, 10.0 * M_PI / 180.0, 1e-15);
  cr_expect_eq(g_warnings, 0);
  fai_station_set_free(&s);
  cr_expect_eq(s.n, 0);

  /* Row after a quoted line break is reported on its real line. */
  const char *text2 = "name,latitude_deg,longitude_deg\n\"A\nB\",1,2\nC,x,3\n";
  cr_expect_eq(fai_stations_parse_csv(text2, "lb.csv", 0.0, &s, &err), FAI_EPARSE);
  cr_expect(err.line == 4 && err.col == 3, "%d:%d", err.line, err.col);
}

Test(geometry, csv_duplicate_names_warn_but_load) {
  fai_station_set s;
  fai_error err;
  capture_logs();
  const char *text = "name,latitude_deg,longitude_deg\nA,1,2\nB,3,4\nA,1,2\n";
  cr_assert_eq(fai_stations_parse_csv(text, "d.csv", 0.0, &s, &err), FAI_OK, "%s", err.msg);
  cr_expect_eq(s.n, 3);
  cr_expect_eq(g_warnings, 1);
  cr_expect_not_null(strstr(g_last_warning, "\"A\""), "%s", g_last_warning);
  cr_expect_not_null(strstr(g_last_warning, "lines 2 and 4"), "%s", g_last_warning);
  fai_station_set_free(&s);
}

Test(geometry, shipped_ground_station_files_load) {
  const struct {
    const char *path;
    int n;
  } files[] = {{"data/ground-stations/starlink-gateways.csv", 261},
               {"data/ground-stations/starlink-pops.csv", 23}};
  capture_logs();
  for (int k = 0; k < 2; k++) {
    fai_station_set s;
    fai_error err;
    fai_error_clear(&err);
    cr_assert_eq(fai_stations_load_csv(files[k].path, 10.0 * M_PI / 180.0, &s, &err), FAI_OK,
                 "%s:%d:%d: %s (run from the repository root)", err.file, err.line, err.col,
                 err.msg);
    cr_expect_eq(s.n, files[k].n, "%s: %d stations", files[k].path, s.n);
    for (int i = 0; i < s.n; i++) {
      cr_assert(fabs(s.v[i].lat_rad) <= M_PI / 2 && fabs(s.v[i].lon_rad) <= M_PI);
      cr_assert(s.v[i].name[0] != '\0');
    }
    if (k == 0) {
      cr_expect_str_eq(s.v[0].name, "Camaçari, BR");
      cr_expect_float_eq(s.v[0].lat_rad, -12.748320 * M_PI / 180.0, 1e-15);
    } else {
      cr_expect_str_eq(s.v[22].name, "SIN - SNGESGP1");
      cr_expect_float_eq(s.v[22].lon_rad, 103.957707 * M_PI / 180.0, 1e-15);
    }
    fai_ground_storage g;
    cr_assert_eq(fai_ground_build(&s, &g, &err), FAI_OK);
    cr_expect_eq(g.gp.n, s.n);
    fai_ground_free(&g);
    fai_station_set_free(&s);
  }
}

Test(geometry, grid_covers_inclusive_bounds_and_rejects_bad_steps) {
  fai_station_set s;
  fai_error err;
  cr_assert_eq(fai_stations_grid(-10.0, 10.0, 2.5, 100.0, 110.0, 1.0, 0.1, &s, &err), FAI_OK);
  cr_expect_eq(s.n, 9 * 11);
  cr_expect_float_eq(s.v[0].lat_rad, -10.0 * M_PI / 180.0, 1e-15);
  cr_expect_float_eq(s.v[0].lon_rad, 100.0 * M_PI / 180.0, 1e-15);
  cr_expect_float_eq(s.v[s.n - 1].lat_rad, 10.0 * M_PI / 180.0, 1e-15);
  cr_expect_float_eq(s.v[s.n - 1].lon_rad, 110.0 * M_PI / 180.0, 1e-15);
  cr_expect_float_eq(s.v[5].min_elev_rad, 0.1, 1e-15);
  fai_station_set_free(&s);
  cr_assert_eq(fai_stations_grid(0.0, 0.3, 0.1, 0.0, 0.0, 1.0, 0.1, &s, &err), FAI_OK);
  cr_expect_eq(s.n, 4); /* 0, 0.1, 0.2, 0.3 despite rounding of 0.3/0.1 */
  fai_station_set_free(&s);
  cr_expect_eq(fai_stations_grid(0, 10, 0.0, 0, 10, 1, 0, &s, &err), FAI_EINVAL);
  cr_expect_eq(fai_stations_grid(0, 10, 1, 0, 10, -1, 0, &s, &err), FAI_EINVAL);
  cr_expect_eq(fai_stations_grid(10, 0, 1, 0, 10, 1, 0, &s, &err), FAI_EINVAL);
  cr_expect_eq(fai_stations_grid(0, 10, 1, 20, 10, 1, 0, &s, &err), FAI_EINVAL);
  cr_expect_eq(fai_stations_grid(-95, 10, 1, 0, 10, 1, 0, &s, &err), FAI_EINVAL);
}

Test(geometry, ground_points_hold_ecef_position_unit_up_and_mask_sine) {
  fai_station st[2] = {{"a", 0.5, -1.0, 300.0, 0.2}, {"b", -1.2, 2.5, 0.0, 0.0}};
  const fai_station_set s = {2, st};
  fai_ground_storage g;
  fai_error err;
  cr_assert_eq(fai_ground_build(&s, &g, &err), FAI_OK);
  for (int i = 0; i < 2; i++) {
    double la, lo, al;
    fai_ecef_to_geodetic(g.gp.pos_m + 3 * i, &la, &lo, &al);
    cr_expect(fabs(la - st[i].lat_rad) < 1e-12 && fabs(lo - st[i].lon_rad) < 1e-12 &&
              fabs(al - st[i].alt_m) < 1e-6);
    cr_expect(fabs(norm3(g.gp.up + 3 * i) - 1.0) < 1e-15);
    cr_expect_float_eq(g.gp.sin_min_elev[i], sin(st[i].min_elev_rad), 1e-16);
  }
  fai_ground_free(&g);
  cr_expect_null(g.pos_m);
}

/* --- radio ---------------------------------------------------------------------------- */

Test(geometry, free_space_and_3gpp_path_loss_reference_values) {
  /* 20·log10(4π·1e6·2e10/c) = 178.465 dB. */
  cr_expect(fabs(fai_fspl_db(1000e3, 20e9) - 178.465) < 0.01, "%.4f", fai_fspl_db(1000e3, 20e9));
  /* Doubling the distance adds 6.02 dB. */
  cr_expect(fabs(fai_fspl_db(2000e3, 20e9) - fai_fspl_db(1000e3, 20e9) - 6.0206) < 1e-3);
  cr_expect(fabs(fai_pathloss_3gpp_db(1000.0) - 128.1) < 1e-12);
  cr_expect(fabs(fai_pathloss_3gpp_db(10000.0) - 165.7) < 1e-12);
}

Test(geometry, link_budget_snr_and_shannon_rate) {
  fai_radio r;
  fai_radio_defaults_ka(&r);
  /* Independent budget in linear watts: P_r = P_t·G_t·G_r·(λ/4πd)²/L, N = k·T·B. */
  const double d = 1000e3, lambda = 299792458.0 / r.frequency_hz;
  const double pr = pow(10, (r.tx_power_dbm - 30) / 10) * pow(10, r.tx_gain_dbi / 10) *
                    pow(10, r.rx_gain_dbi / 10) * pow(lambda / (4 * M_PI * d), 2) /
                    pow(10, r.losses_db / 10);
  const double noise = 1.380649e-23 * r.noise_temp_k * r.bandwidth_hz;
  const double want_db = 10 * log10(pr / noise);
  cr_expect(fabs(fai_radio_snr_db(&r, d) - want_db) < 1e-3, "%.4f vs %.4f",
            fai_radio_snr_db(&r, d), want_db);
  cr_expect(fabs(fai_radio_rate_bps(&r, d) - r.bandwidth_hz * log2(1 + pr / noise)) <
            1e-6 * r.bandwidth_hz);

  /* Noise-density path: N = N0·B with N0 = −174 dBm/Hz. */
  r.noise_temp_k = 0.0;
  const double n0_w = pow(10, (-174.0 - 30) / 10) * r.bandwidth_hz;
  cr_expect(fabs(fai_radio_snr_db(&r, d) - 10 * log10(pr / n0_w)) < 1e-9);

  /* At SNR = 0 dB the Shannon rate equals the bandwidth: move to the distance
   * where the budget closes at 0 dB (FSPL grows 20 dB per decade). */
  const double d0 = d * pow(10, fai_radio_snr_db(&r, d) / 20);
  cr_expect(fabs(fai_radio_snr_db(&r, d0)) < 1e-9, "%.3e", fai_radio_snr_db(&r, d0));
  cr_expect(fabs(fai_radio_rate_bps(&r, d0) - r.bandwidth_hz) < 1e-6 * r.bandwidth_hz);
}
